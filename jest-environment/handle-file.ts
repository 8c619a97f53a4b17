import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError } from '../src/errors.js';
import type { SessionHandle } from '../src/session/index.js';
import { ENV_HANDLE, HANDLE_FILE_NAME } from './constants.js';

/**
 * @internal Writes the session handle to a 0600 file inside the session's 0700 scratch root and returns its path.
 * Workers are forked after global setup and inherit the env var holding that path: a pointer, never a value.
 */
export function writeHandleFile(handle: SessionHandle): string {
  const path = join(handle.scratchRoot, HANDLE_FILE_NAME);
  writeFileSync(path, JSON.stringify(handle), { mode: 0o600, flag: 'wx' });
  return path;
}

/** @internal Reads the handle global setup left for this run; throws a BrokerError naming the fix otherwise. */
export function readHandleFile(env: Readonly<Record<string, string | undefined>> = process.env): SessionHandle {
  const path = env[ENV_HANDLE];
  if (path === undefined || path === '') {
    throw new BrokerError('CONFIG_INVALID', `no credential-broker session is running (${ENV_HANDLE} is not set)`, {
      backend: 'jest',
      operation: 'connect',
      hint: "Use preset: 'credential-broker', or add globalSetup: 'credential-broker/jest-global-setup' and globalTeardown: 'credential-broker/jest-global-teardown'",
    });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BrokerError('CONFIG_INVALID', 'the session handle file cannot be read (the run has ended?)', {
      backend: 'jest',
      operation: 'connect',
      ref: path,
      cause,
    });
  }
  // No `cause` from JSON.parse: its message quotes the text, and the text holds the channel token.
  const parsed = parseJson(text);
  if (!isHandle(parsed)) {
    throw new BrokerError('CONFIG_INVALID', 'the session handle file is not a credential-broker handle', {
      backend: 'jest',
      operation: 'connect',
      ref: path,
    });
  }
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isHandle(value: unknown): value is SessionHandle {
  const h = value as Partial<Record<keyof SessionHandle, unknown>> | null;
  return (
    typeof h === 'object' &&
    h !== null &&
    typeof h.socketPath === 'string' &&
    typeof h.token === 'string' &&
    typeof h.scratchRoot === 'string' &&
    typeof h.egressEnabled === 'boolean' &&
    typeof h.replacement === 'string' &&
    typeof h.minScrubLength === 'number'
  );
}
