import { noConfigError } from '../config/load.js';
import { renderManifest } from '../egress/render.js';
import { startSession } from '../host/session.js';
import type { FormReport } from '../scrub/index.js';
import { type CommonOptions, describeError, sessionOptions } from './options.js';

/**
 * @internal `credential-broker check`: validate config and refs, then resolve each credential that may resolve
 * (local ones always, network ones with egress on) and report size only. Exit 1 on any problem.
 */
export async function checkCommand(options: CommonOptions): Promise<number> {
  let session: Awaited<ReturnType<typeof startSession>>;
  try {
    session = await startSession({ ...sessionOptions(options), serve: false });
    if (session.config.searched !== undefined) {
      await session.close();
      throw noConfigError(session.config.searched);
    }
  } catch (error) {
    process.stderr.write(`credential-broker: ${describeError(error)}\n`);
    return 1;
  }
  let problems = 0;
  try {
    const manifest = session.manifest();
    process.stdout.write(renderManifest(manifest, 'terminal'));
    process.stdout.write('\n');
    problems += manifest.summary.labelMismatches;
    for (const entry of manifest.credentials) {
      if (entry.status !== 'resolve') {
        process.stdout.write(`- ${entry.name}: not checked (egress disabled)\n`);
        continue;
      }
      const spec = session.config.credentials.get(entry.name);
      if (spec === undefined) {
        continue;
      }
      try {
        const value = await session.resolve(spec);
        process.stdout.write(`✓ ${entry.name}: ok (${value.byteLength} bytes from ${entry.source.endpoint})\n`);
        process.stdout.write(renderForms(session.scrubber.report().find((r) => r.name === entry.name)));
      } catch (error) {
        problems += 1;
        process.stdout.write(`✗ ${entry.name}: ${describeError(error)}\n`);
      }
    }
    process.stdout.write(
      problems === 0 ? 'credential-broker: check passed\n' : `credential-broker: check found ${problems} problem(s)\n`
    );
  } finally {
    await session.close();
  }
  return problems === 0 ? 0 : 1;
}

const MAX_SOURCES_SHOWN = 24;

/**
 * @internal What the scrubber registered for a credential (counts only, never a value), and a warning when a value is
 * too common to scrub without false positives: it is still redacted from output, but never fails a file scan.
 */
export function renderForms(report: FormReport | undefined): string {
  if (report === undefined) {
    return '    scrub: nothing registered (shorter than the scrub minimum length)\n';
  }
  const parts = report.parts === 0 ? '' : ` (whole value and ${report.parts} secret-bearing part(s))`;
  const lines = [`    scrub: ${report.forms} form(s) registered${parts}`];
  if (report.partsFrom.length > 0) {
    // Which keys were taken as secret (never a value), so a user sees why a setting is redacted.
    const shown = report.partsFrom.slice(0, MAX_SOURCES_SHOWN);
    const more = report.partsFrom.length - shown.length;
    lines.push(`    secret-bearing parts from: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  if (report.common) {
    lines.push(
      `    ⚠ ${report.name}'s value is too common to scrub without false positives (a short word or number): every occurrence in output is redacted, but it never fails a file scan. Use a longer, random value.`
    );
  } else if (report.commonForms > 0) {
    lines.push(`    ${report.commonForms} of them are too common to fail a file scan (redacted from output only)`);
  }
  return `${lines.join('\n')}\n`;
}
