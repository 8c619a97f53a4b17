import type { ResolvedConfig, Vitest } from 'vitest/node';
import { releaseRunVars } from '../src/host/index.js';
import { finishVitestRun } from './ci.js';
import { scrubErrorHooks } from './error-hooks.js';
import { scrubForkOutput } from './fork-output.js';
import { hostFor } from './host.js';
import type { CredentialBrokerPluginOptions } from './options.js';
import { warnAboutPool } from './pool-warnings.js';
import { CredentialBrokerReporter } from './reporter.js';

const configured = new WeakSet<Vitest>();

/**
 * @internal The plugin's main-process work for one project: the session host, fork output scrubbing, the reporter
 * and the end-of-run hooks (once per Vitest instance). Loaded only by `configureVitest`, so that a worker importing
 * `test` from `credential-broker/vitest` never loads the session, the reporter or the post-run scan.
 */
export async function configureBroker(
  vitest: Vitest,
  config: ResolvedConfig,
  options: CredentialBrokerPluginOptions
): Promise<void> {
  // First: `credential-broker run -- npm test` set every credential for the whole command, and the global setups and
  // workers that start after this would inherit them all.
  const released = releaseRunVars(process.env, 'the Vitest plugin', 'npx vitest run');
  if (released !== undefined) {
    vitest.logger.warn(released);
  }
  const host = hostFor(vitest, options);
  warnAboutPool(vitest, config.pool);
  scrubErrorHooks(vitest, config, () => host.started?.scrubber);
  if (configured.has(vitest)) {
    return;
  }
  configured.add(vitest);
  await scrubForkOutput(vitest, host);
  // Reporters from `config()` are replaced by a CLI --reporter and would hide the default one; this is neither.
  const reporter = new CredentialBrokerReporter(host);
  vitest.config.reporters.unshift(reporter);
  // The JUnit reporter has written its file by then: add each skip's reason (it writes a bare <skipped/>).
  vitest.onClose(() => reporter.addSkipReasonsToJUnit());
  // Before the session closes: the post-run file scan needs its scrubber (onClose handlers start in order).
  vitest.onClose(() => finishVitestRun(host));
  vitest.onClose(() => host.close());
}
