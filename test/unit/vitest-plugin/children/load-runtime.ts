/**
 * A fresh process loading a "built runtime" through the Vitest setup file's loader, as one fork of a run does: loads
 * it from `<built>` with `<scratch root>`, hands it `<value>` to hold, saves the code cache and prints what happened.
 */
import { runtimeLoader } from '../../../../vitest-plugin/runtime-loader.js';

const [built = '', root = '', value = ''] = process.argv.slice(2);
const loader = runtimeLoader(built, () => Promise.reject(new Error('the built file exists: no fallback')));
const runtime = (await loader.load(root)) as unknown as { hold(value: string): string };
const answer = runtime.hold(value);
const saved = loader.saveCache();
process.stdout.write(`${JSON.stringify({ cacheUse: loader.cacheUse, saved, answer })}\n`);
