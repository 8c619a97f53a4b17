import { appendFileSync } from 'node:fs';
import type { Scrubber } from '../scrub/scrubber.js';
import { writeSyncUnscrubbed } from './fd-writes.js';

/** Whether this process runs as a GitHub Actions step (the runner sets `GITHUB_ACTIONS=true` for every step). */
export function onGitHubActions(env: Readonly<Record<string, string | undefined>>): boolean {
  return env['GITHUB_ACTIONS'] === 'true';
}

/**
 * The workflow command that makes the Actions runner mask `form` in the step's log from then on. Command data is
 * percent-escaped the way `@actions/core` escapes it (`%` → `%25`), so a form holding `%0A` is masked as written.
 * Forms spanning lines are not announced: the runner masks line by line, and each line of a multi-line value is a
 * form of its own already.
 */
export function maskCommand(form: string): string | undefined {
  if (/[\r\n]/.test(form) || form.trim() === '') {
    return undefined;
  }
  return `::add-mask::${form.replace(/%/g, '%25')}\n`;
}

/**
 * Writes `::add-mask::` for every form the scrubber registers — synchronously, straight to file descriptor 1, so
 * it happens before the value reaches any test and bypasses the stdout scrubbing (of the stream and of fd 1 writes)
 * that would redact the command itself. A tee'd copy of stdout holds these lines (see docs/ci.md).
 */
export function announceMasks(scrubber: Scrubber, write: (text: string) => void = writeStdout): void {
  scrubber.onForm((form) => {
    const command = maskCommand(form);
    if (command !== undefined) {
      write(command);
    }
  });
}

function writeStdout(text: string): void {
  try {
    writeSyncUnscrubbed(1, text);
  } catch {
    // stdout closed: nobody reads this log, so there is nothing to mask.
  }
}

/** Appends Markdown to the file `$GITHUB_STEP_SUMMARY` names; no-op without it. */
export function appendStepSummary(env: Readonly<Record<string, string | undefined>>, markdown: string): void {
  const path = env['GITHUB_STEP_SUMMARY'];
  if (path !== undefined && path !== '') {
    appendFileSync(path, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  }
}
