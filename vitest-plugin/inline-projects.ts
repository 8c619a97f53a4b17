/**
 * @internal A warning for a root config that has the plugin and inline `test.projects` that do not inherit it: an
 * inline project gets the root config's plugins only with `extends: true` (or `extends: '<config file>'`), so in
 * one without, nothing of the broker runs — its `@credentials` docblocks are ignored and its tests run without their
 * credentials. Undefined when every inline project extends a config or lists the plugin itself. Projects given as
 * paths or globs load config files of their own, which are not looked into.
 */
export function inlineProjectsWarning(projects: unknown): string | undefined {
  if (!Array.isArray(projects)) {
    return undefined;
  }
  const bare = projects.flatMap((project, index) => {
    if (typeof project !== 'object' || project === null || typeof project === 'function') {
      return [];
    }
    const { extends: extended, plugins, test } = project as { extends?: unknown; plugins?: unknown; test?: unknown };
    if ((extended !== undefined && extended !== false) || hasBrokerPlugin(plugins)) {
      return [];
    }
    const name = (test as { name?: unknown } | undefined)?.name;
    return [typeof name === 'string' ? `'${name}'` : `#${index + 1}`];
  });
  if (bare.length === 0) {
    return undefined;
  }
  return (
    `credential-broker: WARNING: inline project ${bare.join(', ')} of test.projects does not inherit the plugin: its ` +
    '@credentials docblocks are ignored (its tests run WITHOUT their credentials) and the credentials fixture fails. ' +
    'Give it `extends: true`, or add credentialBroker() to its own plugins.'
  );
}

function hasBrokerPlugin(plugins: unknown): boolean {
  if (!Array.isArray(plugins)) {
    return false;
  }
  return plugins.some((plugin) =>
    Array.isArray(plugin)
      ? hasBrokerPlugin(plugin)
      : (plugin as { name?: unknown } | null)?.name === 'credential-broker'
  );
}
