/**
 * `@credentials` pragmas in a test file's leading docblock, read the way Jest reads its own pragmas.
 */
export type { DocblockDeclaration } from './credentials.js';
export { docblockLine, readCredentialPragmas, readCredentialPragmasFromFile } from './credentials.js';
export { configNamesOf } from './pragma-entries.js';
export {
  DOCBLOCK_HEAD_BYTES,
  readCredentialPragmasFromTestFile,
  readTestFileDocblock,
  readTestFileDocblockSync,
  realRoots,
} from './read-file.js';
