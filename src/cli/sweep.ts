import { sweep } from '../materialise/index.js';

/** @internal `credential-broker sweep`. */
export function sweepCommand(): number {
  const report = sweep();
  for (const dir of report.removed) {
    process.stdout.write(`removed ${dir}\n`);
  }
  // Named, so that nobody takes their own directory for ours (or wonders why it stays).
  const foreign = report.kept.filter((kept) => kept.reason === 'not-a-scratch-root' || kept.reason === 'unrecognised');
  for (const { path } of foreign) {
    process.stdout.write(`left ${path}: named like a scratch directory, but not one of ours\n`);
  }
  const inUse = report.kept.length - foreign.length;
  process.stdout.write(
    `credential-broker: swept ${report.removed.length} stale scratch director${report.removed.length === 1 ? 'y' : 'ies'}, kept ${inUse} in use\n`
  );
  return 0;
}
