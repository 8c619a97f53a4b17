// Prints "ready", waits for "go" on stdin, sweeps argv[2] as the root, prints the report as JSON and exits.
import { sweep } from '../../../../src/materialise/index.ts';

process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
process.stdin.once('data', () => {
  const report = sweep({ root: process.argv[2] });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.stdin.destroy();
});
