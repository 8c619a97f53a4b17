import type { SopsFormat } from '../../ref/types.js';
import type { AgeIdentity } from '../age/index.js';
import { unwrapDataKey } from './data-key.js';
import { decryptTree, verifyMac } from './decrypt-tree.js';
import { SOPS_STORES, selectionTree } from './formats.js';
import { extractMetadata, parseMetadata } from './metadata.js';
import { SopsProblem, toBrokerError } from './problem.js';

/** @public Options of {@link decryptSops}. */
export interface DecryptSopsOptions {
  /** The file's format, as the ref's `?format=` or its extension names it. */
  readonly format: SopsFormat;
  /** The ref in display form, named in every error. */
  readonly ref?: string;
  /**
   * The 32-byte data key, skipping the master keys: for tests, and for files whose master keys this reader
   * cannot open (PGP, KMS…) when the key was recovered some other way.
   */
  readonly dataKey?: Uint8Array;
  /** age identities to open the file's age master keys with, e.g. from `findSopsAgeIdentities`. @default [] */
  readonly identities?: readonly AgeIdentity[];
  /** Every place searched for identities, listed when none was found. @default [] */
  readonly looked?: readonly string[];
  /** Accept a file without a MAC (`sops --ignore-mac`). A file whose MAC does not match is refused regardless. @default false */
  readonly allowNoMac?: boolean;
}

/** @public A decrypted sops document. Its contents are secret: wrap them in `SecretValue`s at once. */
export interface DecryptedSops {
  readonly format: SopsFormat;
  /** The whole document as `sops -d` prints it; for a binary file, its content. */
  readonly text: string;
  /** The first document as nested objects and arrays whose leaves are strings, as `sops -d --extract` prints them. */
  readonly tree: unknown;
  /** The version of sops that wrote the file, when it says. */
  readonly version: string | undefined;
}

const SUPPORTED_VERSION = /^[23]\./;

// A name without a known extension means binary to sops, whose files are a JSON envelope: say so when it is not.
function load(text: string, format: SopsFormat) {
  try {
    return SOPS_STORES[format].load(text);
  } catch (error) {
    if (format === 'binary' && error instanceof SopsProblem && error.hint === undefined) {
      throw new SopsProblem(
        error.code,
        error.operation,
        error.reason,
        'sops reads files without a .yaml, .yml, .json, .env or .ini extension as binary (a JSON envelope); ' +
          'name the format with ?format=yaml|json|dotenv|ini'
      );
    }
    throw error;
  }
}

/**
 * @public Decrypt a sops file natively: parse the format, unwrap the data key from the age master keys (or take
 * `options.dataKey`), decrypt every value with its key path as authenticated data, and verify the MAC over the
 * whole tree before returning anything.
 * @throws BrokerError — `DECRYPT_FAILED` (malformed file, missing metadata, a data key that opens nothing),
 * `INTEGRITY` (modified after encryption, no MAC), `NO_IDENTITY`, `UNSUPPORTED` (non-age master keys only,
 * an unknown value type or sops version).
 */
export async function decryptSops(input: Uint8Array | string, options: DecryptSopsOptions): Promise<DecryptedSops> {
  try {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    const store = SOPS_STORES[options.format];
    const { data, metadata: metadataTree } = extractMetadata(load(text, options.format), store.layout);
    const metadata = parseMetadata(metadataTree);
    if (metadata.version !== undefined && !SUPPORTED_VERSION.test(metadata.version)) {
      throw new SopsProblem(
        'UNSUPPORTED',
        'parse',
        `the file was written by sops ${JSON.stringify(metadata.version)}; this reader knows the formats of sops 2.x and 3.x`
      );
    }
    const key =
      options.dataKey ??
      (await unwrapDataKey(metadata, {
        identities: options.identities ?? [],
        looked: options.looked ?? [],
        ...(options.ref === undefined ? {} : { what: options.ref }),
      }));
    if (key.length !== 32) {
      throw new SopsProblem('DECRYPT_FAILED', 'decrypt', `the data key is ${key.length} bytes; sops data keys are 32`);
    }
    const decrypted = decryptTree(data, metadata, key);
    verifyMac(metadata, key, decrypted.mac, options.allowNoMac ?? false);
    return {
      format: options.format,
      text: store.emit(decrypted.branches),
      tree: selectionTree(decrypted.branches, store, options.format),
      version: metadata.version,
    };
  } catch (error) {
    throw toBrokerError(error, options.ref);
  }
}
