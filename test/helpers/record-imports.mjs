// `node --import ./record-imports.mjs`: records every module specifier resolved in this process (ESM and CJS,
// through the module hooks) into $RECORD_IMPORTS_FILE, one per line.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

const file = process.env.RECORD_IMPORTS_FILE;
if (file) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      appendFileSync(${JSON.stringify(file)}, specifier + '\\n');
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  appendFileSync(file, '');
}
