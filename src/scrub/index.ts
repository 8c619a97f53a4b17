export { deriveForms } from './forms.js';
export { scrubDeep } from './scrub-deep.js';
export {
  createScrubStream,
  DEFAULT_IDLE_FLUSH_MS,
  ScrubbingWriter,
  type ScrubbingWriterOptions,
  type ScrubStreamOptions,
} from './scrub-stream.js';
export {
  DEFAULT_MIN_LENGTH,
  DEFAULT_TRUNCATED_MIN_LENGTH,
  type Finding,
  type FormReport,
  Scrubber,
  type ScrubberOptions,
  type ScrubWarning,
} from './scrubber.js';
export { isSecretValue, SecretValue } from './secret-value.js';
export { settleToJSON } from './to-json.js';
