import type { FetchContext, SecretDocument } from '../../../src/contract/backend.js';
import { selectValue } from '../../../src/host/select.js';
import { parseRef } from '../../../src/ref/index.js';
import type { VaultRef } from '../../../src/ref/types.js';

// axios (inside node-vault) sends even 127.0.0.1 through HTTP(S)_PROXY unless NO_PROXY says otherwise.
process.env['NO_PROXY'] = '127.0.0.1,localhost';
process.env['no_proxy'] = '127.0.0.1,localhost';

/** A parsed `vault:` ref. */
export function vaultRef(text: string): VaultRef {
  const ref = parseRef(text);
  if (ref.scheme !== 'vault') {
    throw new Error(`not a vault ref: ${text}`);
  }
  return ref;
}

/** A fetch context with its own env (never the test process's) and a log sink. */
export function fetchContext(
  env: Record<string, string | undefined>,
  options: { signal?: AbortSignal; baseDir?: string } = {}
): FetchContext & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    signal: options.signal ?? new AbortController().signal,
    env,
    baseDir: options.baseDir ?? process.cwd(),
    log: {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
    },
    lines,
  };
}

/** What the core would deliver for `ref` out of `document`. */
export function delivered(document: SecretDocument, ref: VaultRef): string {
  return selectValue(document, ref, 'TEST').reveal();
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; transient?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; transient?: boolean };
  }
  throw new Error('expected a rejection');
}
