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

/** @internal The file's `expect`, as much of it as the environment uses. */
export interface SnapshotExpect {
  addSnapshotSerializer?(plugin: unknown): void;
  getState?(): { readonly snapshotState?: unknown };
}

/** jest-snapshot's `SnapshotState`, the two methods its matchers hand a test name (with the hint) to. */
interface SnapshotState {
  match(this: SnapshotState, args: { readonly testName: string }): unknown;
  fail(this: SnapshotState, testName: string, ...rest: unknown[]): unknown;
}

const KEYS_REDACTED = Symbol.for('credential-broker.jest.snapshot-keys.v1');

/**
 * @internal The hint of `toMatchSnapshot(hint)` and `toThrowErrorMatchingSnapshot(hint)` becomes part of the
 * snapshot's key (`exports[\`name: hint 1\`]`), which no serializer sees: jest-snapshot's matchers join it to the
 * test name and hand that to the file's snapshot state, which makes the key of it. Both methods that take it get it
 * scrubbed (test names already are), so the key holds the label and a later run finds it under the same key.
 */
export function redactSnapshotKeys(state: unknown, scrub: (text: string) => string): void {
  if (!isSnapshotState(state) || (state as unknown as Record<symbol, unknown>)[KEYS_REDACTED] === true) {
    return;
  }
  const { match, fail } = state;
  Object.assign(state, {
    [KEYS_REDACTED]: true,
    match(this: SnapshotState, args: { readonly testName: string }) {
      return match.call(this, typeof args.testName === 'string' ? { ...args, testName: scrub(args.testName) } : args);
    },
    fail(this: SnapshotState, testName: string, ...rest: unknown[]) {
      return fail.call(this, typeof testName === 'string' ? scrub(testName) : testName, ...rest);
    },
  });
}

function isSnapshotState(value: unknown): value is SnapshotState {
  const state = value as Partial<SnapshotState> | undefined;
  return typeof state?.match === 'function' && typeof state.fail === 'function';
}
