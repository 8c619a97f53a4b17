/**
 * The snapshot serializer: `.snap` files and inline snapshots get `[redacted:NAME]` instead of a value. The
 * environment registers it on each file's `expect` at circus's `setup` event, so it needs no `setupFilesAfterEnv`
 * entry (which a user's own config could drop) and loads no module into the sandbox.
 */

import { bytesAsText, redactedBytes } from '../src/scrub/byte-text.js';

type Printer = (value: unknown, config: unknown, indentation: string, depth: number, refs: unknown) => string;

/**
 * @internal A pretty-format plugin that prints strings, error messages and byte arrays holding a delivered value
 * scrubbed (bytes as their scrubbed UTF-8 text: printed one decimal per line, no scrubber would match them).
 */
export function redactingSerializer(scrub: (text: string) => string) {
  return {
    test(value: unknown): boolean {
      if (typeof value === 'string') {
        return value !== '' && scrub(value) !== value;
      }
      const bytes = bytesAsText(value);
      if (bytes !== undefined) {
        return scrub(bytes) !== bytes;
      }
      const message = errorMessage(value);
      return message !== undefined && scrub(message) !== message;
    },
    serialize(value: unknown, config: unknown, indentation: string, depth: number, refs: unknown, printer: Printer) {
      if (typeof value === 'string') {
        return printer(scrub(value), config, indentation, depth, refs);
      }
      if (ArrayBuffer.isView(value)) {
        return redactedBytes(value, printer(scrub(bytesAsText(value) ?? ''), config, indentation, depth, refs));
      }
      const error = value as Error;
      return `[${scrub(String(error.name))}: ${scrub(error.message)}]`;
    },
  };
}

// Errors print as `[Name: message]` without passing the message through the plugins.
function errorMessage(value: unknown): string | undefined {
  const isError = Object.prototype.toString.call(value) === '[object Error]' || value instanceof Error;
  const message = isError ? (value as Error).message : undefined;
  return typeof message === 'string' ? message : undefined;
}
