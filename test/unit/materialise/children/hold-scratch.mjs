// Creates scratch roots (base from XDG_RUNTIME_DIR), writes a canary file in a task dir, prints
// {"roots":[…],"file":…} and waits. On "go" from stdin: `exit` ends normally, `throw` throws uncaught.
// argv: <mode: wait|exit|throw> [--roots N] [--other-listener] [--vitest-like] [--defer MS]
import { createScratchRoot, deferWipeOnFirstSignal } from '../../../../src/materialise/index.ts';

const args = process.argv.slice(2);
const mode = args[0];
const rootCount = args.includes('--roots') ? Number(args[args.indexOf('--roots') + 1]) : 1;

if (args.includes('--other-listener')) {
  process.on('SIGINT', () => {
    process.stdout.write('other listener ran\n');
    process.exit(7);
  });
}
if (args.includes('--vitest-like')) {
  // What Vitest's Logger.addCleanupListeners does in the main process.
  process.once('SIGINT', () => {
    process.exitCode = 130;
    setTimeout(() => process.exit(), 1);
  });
}

if (args.includes('--defer')) {
  // What `credential-broker run` does around its child: a hold, and a listener that forwards the signal.
  deferWipeOnFirstSignal(Number(args[args.indexOf('--defer') + 1]));
  process.on('SIGTERM', () => process.stdout.write('forwarded\n'));
}

const roots = Array.from({ length: rootCount }, () => createScratchRoot({ projectDir: process.cwd() }));
const file = roots[0].createTask('child task').writeFile('TOKEN', 'CANARY_materialise_child_7f3a');
process.stdout.write(`${JSON.stringify({ roots: roots.map((root) => root.path), file })}\n`);

process.stdin.setEncoding('utf8');
process.stdin.on('data', (line) => {
  if (!line.startsWith('go')) {
    return;
  }
  if (mode === 'exit') {
    process.stdin.destroy();
  } else if (mode === 'throw') {
    throw new Error('uncaught in child');
  }
});
