// Under a umask that strips owner bits, creates a root in argv[2], a task dir and a file, prints their modes.
import { statSync } from 'node:fs';
import { createScratchRoot } from '../../../../src/materialise/index.ts';

process.umask(Number.parseInt(process.argv[3], 8));
const root = createScratchRoot({ baseDir: process.argv[2], projectDir: process.cwd() });
const task = root.createTask('umask');
const file = task.writeFile('TOKEN', 'CANARY_umask');
const mode = (path) => (statSync(path).mode & 0o7777).toString(8);
process.stdout.write(`${JSON.stringify({ root: mode(root.path), task: mode(task.path), file: mode(file) })}\n`);
root.wipeSync();
