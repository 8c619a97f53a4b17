import { sweep } from '../materialise/index.js';

/** @internal `credential-broker sweep`. */
export function sweepCommand(): number {
  const report = sweep();
  for (const dir of report.removed) {
    process.stdout.write(`removed ${dir}\n`);
  }
  process.stdout.write(
    `credential-broker: swept ${report.removed.length} stale scratch director${report.removed.length === 1 ? 'y' : 'ies'}, kept ${report.kept.length} in use\n`
  );
  return 0;
}
