import { isBrokerError } from '../errors.js';

/** @internal Options every command shares. */
export interface CommonOptions {
  readonly config?: string;
  readonly egress?: boolean;
}

/** @internal Session options from CLI options (`--egress` absent means "not given", not "off"). */
export function sessionOptions(options: CommonOptions): { configFile?: string; egress?: boolean } {
  return {
    ...(options.config === undefined ? {} : { configFile: options.config }),
    ...(options.egress === true ? { egress: true } : {}),
  };
}

/**
 * @internal One line for an error, without a stack: a broker error's message, written for people; for any other
 * error only its name, since its message may quote what it was reading (a config line, a decrypted document).
 */
export function describeError(error: unknown): string {
  if (isBrokerError(error)) {
    return error.message;
  }
  return `unexpected ${error instanceof Error ? error.name : typeof error}`;
}
