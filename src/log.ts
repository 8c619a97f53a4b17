import type { Logger } from './contract/backend.js';

/** @public Env var that turns on debug lines (`1`). */
export const ENV_DEBUG = 'CREDENTIAL_BROKER_DEBUG';

/**
 * @internal A logger that prefixes, filters by level and passes every line through `scrub` before writing,
 * so even a careless message cannot print a resolved value.
 */
export function createLogger(options: {
  readonly write?: (line: string) => void;
  readonly scrub?: (text: string) => string;
  readonly debug?: boolean;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const scrub = options.scrub ?? ((text: string) => text);
  const emit = (level: string, message: string) => write(`credential-broker${level}: ${scrub(message)}\n`);
  return {
    debug: (m) => {
      if (options.debug) {
        emit(' [debug]', m);
      }
    },
    info: (m) => emit('', m),
    warn: (m) => emit(' [warn]', m),
  };
}
