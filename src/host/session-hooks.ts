import type { BrokerConfig } from '../config/schema.js';
import type { Scrubber } from '../scrub/scrubber.js';
import { announceMasks, onGitHubActions } from './github-actions.js';
import { RunRecord } from './run-record.js';

/**
 * What the session does for CI when it starts: begin the run record (its start time bounds the post-run scan) and,
 * on GitHub Actions unless `ci.githubMask` is false, announce every form the scrubber registers as `::add-mask::`.
 */
export function observeSession(
  scrubber: Scrubber,
  config: BrokerConfig,
  env: Readonly<Record<string, string | undefined>>
): RunRecord {
  const record = new RunRecord();
  if (onGitHubActions(env) && config.ci?.githubMask !== false) {
    announceMasks(scrubber);
  }
  return record;
}
