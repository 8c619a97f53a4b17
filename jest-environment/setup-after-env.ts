/**
 * `credential-broker/jest-setup`: a `setupFilesAfterEnv` entry (the preset adds it) that registers a snapshot
 * serializer, so `.snap` files and inline snapshots get `[redacted:NAME]` instead of a value. Registered from a
 * setup file rather than `snapshotSerializers`: a user's own `snapshotSerializers` replaces a preset's, while
 * `setupFilesAfterEnv` lists are concatenated. Runs inside the sandbox, so it only calls the environment's API.
 */
import { SANDBOX_API } from './constants.js';
import type { SandboxApi } from './sandbox-api.js';

type Printer = (value: unknown, config: unknown, indentation: string, depth: number, refs: unknown) => string;
type Expect = { addSnapshotSerializer(serializer: unknown): void };

const sandbox = globalThis as unknown as Record<symbol | string, unknown>;

function scrub(text: string): string {
  const api = sandbox[SANDBOX_API] as SandboxApi | undefined;
  return api === undefined ? text : api.scrub(text);
}

function errorMessage(value: unknown): string | undefined {
  const isError = Object.prototype.toString.call(value) === '[object Error]' || value instanceof Error;
  const message = isError ? (value as Error).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/** @public The serializer: strings and error messages holding a delivered value are printed scrubbed. */
export const redactingSerializer = {
  test(value: unknown): boolean {
    if (typeof value === 'string') {
      return value !== '' && scrub(value) !== value;
    }
    const message = errorMessage(value);
    return message !== undefined && scrub(message) !== message;
  },
  serialize(value: unknown, config: unknown, indentation: string, depth: number, refs: unknown, printer: Printer) {
    if (typeof value === 'string') {
      return printer(scrub(value), config, indentation, depth, refs);
    }
    const error = value as Error;
    return `[${scrub(String(error.name))}: ${scrub(error.message)}]`;
  },
};

const expect = sandbox['expect'] as Expect | undefined;
expect?.addSnapshotSerializer(redactingSerializer);
