/**
 * The snapshot text serializer, shared by the Vitest plugin and the Jest environment: the whole printed snapshot,
 * whatever printed it, passes through the scrubber before the runner compares it or writes it (docs/security.md,
 * "Files the run writes").
 */

/** The part of pretty-format's config this module touches; Jest's and Vitest's forks agree on it. */
interface PrintConfig {
  plugins: readonly unknown[];
  /** Vitest's fork only: the printed length per depth, which caps a huge snapshot (`maxOutputLength`). */
  readonly _outputLengthPerDepth?: number[];
}

type Printer = (value: unknown, config: PrintConfig, indentation: string, depth: number, refs: unknown) => string;

/** @internal A pretty-format plugin (the `serialize` form both runners accept). */
export interface SnapshotTextSerializer {
  test(value: unknown): boolean;
  serialize(
    value: unknown,
    config: PrintConfig,
    indentation: string,
    depth: number,
    refs: unknown,
    printer: Printer
  ): string;
}

/**
 * @internal A plugin that takes every value while `scrub()` has one (the worker holds values), prints it with the
 * other plugins — the runner's React, DOM and Immutable ones, the user's, the value serializer behind this one — and
 * returns that text scrubbed. Pretty-format prints much text without asking a plugin: the text children of React
 * and DOM elements, a RegExp, a Symbol's description, a class name, an ArrayBuffer's bytes; a serializer that
 * matches value types would have to know them all, the printed text holds them whatever printed them.
 *
 * Asked first (registered last), it sees the snapshot's root value. It takes itself out of `config.plugins` while the
 * value prints, so it never sees its own children (no second scrub of their text, no endless recursion), and puts it
 * back after: a user's serializer ahead of it that prints a child through the printer hands that child back here.
 * The config object itself is the runner's, as without this plugin: what printing it changes (Vitest lowers
 * `maxDepth` past `maxOutputLength`) stays changed, indentation and refs are the ones it was given.
 */
export function snapshotTextSerializer(scrub: () => ((text: string) => string) | undefined): SnapshotTextSerializer {
  const plugin: SnapshotTextSerializer = {
    test(): boolean {
      return scrub() !== undefined;
    },
    serialize(value, config, indentation, depth, refs, printer): string {
      const plugins = config.plugins;
      config.plugins = plugins.filter((p) => p !== plugin);
      let printed: string;
      try {
        printed = printer(value, config, indentation, depth, refs);
      } finally {
        config.plugins = plugins;
      }
      // The printer counted this text at this depth, and the printer that asked this plugin counts what it returns:
      // counted once, as the runner counts it without this plugin.
      const lengths = config._outputLengthPerDepth;
      if (Array.isArray(lengths) && typeof lengths[depth] === 'number') {
        lengths[depth] -= printed.length;
      }
      return (scrub() ?? ((text: string) => text))(printed);
    },
  };
  return plugin;
}
