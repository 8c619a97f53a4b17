import type { BrokerConfig } from '../config/schema.js';
import type { Scrubber } from '../scrub/scrubber.js';
import { announceMasks, onGitHubActions } from './github-actions.js';
import { RunRecord } from './run-record.js';

/**
 * What the session does for CI when it starts: begin the run record (its start time bounds the post-run scan, and
 * it lists the paths under `roots` that exist now: the scan rewrites only files at new paths) and, on GitHub Actions
 * unless `ci.githubMask` is false, announce every form the scrubber registers as `::add-mask::`.
 */
export function observeSession(
  scrubber: Scrubber,
  config: BrokerConfig,
  env: Readonly<Record<string, string | undefined>>,
  roots: readonly string[] = []
): RunRecord {
  // The start first, then the listing: a file written in between is listed (the user's, reported) and still scanned.
  const record = new RunRecord();
  record.listing.add(roots);
  if (onGitHubActions(env) && config.ci?.githubMask !== false) {
    announceMasks(scrubber);
  }
  return record;
}
