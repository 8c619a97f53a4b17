import { BrokerError } from '../errors.js';
import { asBroker } from '../guard/index.js';

/** @public A minted credential and when it stops being valid (undefined: it does not expire on its own). */
export interface Minted<T> {
  readonly value: T;
  readonly expiresAt: Date | undefined;
}

/** @public Options of {@link MintCache}. */
export interface MintCacheOptions {
  /** The clock, in ms since the epoch (tests move it). @default Date.now */
  readonly now?: () => number;
  /** Longest time before expiry at which a credential is re-minted. @default 5 minutes, as the AWS SDK does */
  readonly refreshWindowMs?: number;
  /**
   * How long one mint may take. Past it the waiting callers fail with a transient TIMEOUT, the mint's signal aborts,
   * and the next call mints again: a hung exchange must not hold the key for the rest of the run. @default 30 s
   */
  readonly mintTimeoutMs?: number;
  /** Named in the TIMEOUT error, e.g. `aws-sm`. */
  readonly backend?: string;
  /** The TIMEOUT error's hint. */
  readonly timeoutHint?: string;
  /** Told of each successful mint (the audit record): the key and when the credential expires, never the value. */
  readonly onMint?: (key: string, expiresAt: Date | undefined) => void;
}

type Entry<T> = { readonly minted: Minted<T>; readonly mintedAt: number };

const FIVE_MINUTES = 5 * 60_000;
const MINT_TIMEOUT_MS = 30_000;

/**
 * @public Minted credentials by key, each minted once and shared until it ages: a caller asking within the refresh
 * window (five minutes before expiry, or half the credential's lifetime when that is shorter) gets a fresh one.
 * Concurrent callers of one key share one mint (single flight). A failed mint is not kept: the next call tries again.
 */
export class MintCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #inflight = new Map<string, Promise<T>>();
  readonly #now: () => number;
  readonly #window: number;
  readonly #options: MintCacheOptions;
  #mints = 0;

  constructor(options: MintCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#window = options.refreshWindowMs ?? FIVE_MINUTES;
    this.#options = options;
  }

  /** How many mints were started (tests and the bench count them). */
  get mints(): number {
    return this.#mints;
  }

  /**
   * The credential for `key`: the cached one while it is fresh, else the result of one shared `mint()`. The mint's
   * signal aborts when it runs past `mintTimeoutMs`.
   */
  get(key: string, mint: (signal: AbortSignal) => Promise<Minted<T>>): Promise<T> {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#fresh(entry)) {
      return Promise.resolve(entry.minted.value);
    }
    const running = this.#inflight.get(key);
    if (running !== undefined) {
      return running;
    }
    this.#mints += 1;
    const mintedAt = this.#now();
    const flight = this.#withDeadline(mint).then(
      (minted) => {
        this.#inflight.delete(key);
        this.#entries.set(key, { minted, mintedAt });
        this.#options.onMint?.(key, minted.expiresAt);
        return minted.value;
      },
      (error: unknown) => {
        this.#inflight.delete(key);
        this.#entries.delete(key);
        throw error;
      }
    );
    this.#inflight.set(key, flight);
    return flight;
  }

  /** Forget `key` (the server refused the credential: mint a new one next time), or everything. */
  invalidate(key?: string): void {
    if (key === undefined) {
      this.#entries.clear();
    } else {
      this.#entries.delete(key);
    }
  }

  /** Every credential still held, for revocation when the run ends. */
  values(): T[] {
    return [...this.#entries.values()].map((e) => e.minted.value);
  }

  #withDeadline(mint: (signal: AbortSignal) => Promise<Minted<T>>): Promise<Minted<T>> {
    const { mintTimeoutMs = MINT_TIMEOUT_MS, backend, timeoutHint } = this.#options;
    const controller = new AbortController();
    return new Promise<Minted<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        controller.abort();
        reject(
          new BrokerError('TIMEOUT', `minting did not finish within ${mintTimeoutMs / 1000} s`, {
            ...(backend === undefined ? {} : { backend }),
            operation: 'mint',
            hint: timeoutHint ?? 'Check that the token source and the token exchange answer',
            transient: true,
          })
        );
      }, mintTimeoutMs);
      // A pending mint must not keep the process alive on its own.
      timer.unref();
      // The exchange is the broker's own request, whoever asked: a test's SDK re-minting through the loopback endpoint,
      // or a grant while a test in the session's own process (Jest with --detectOpenHandles) holds credentials. The
      // egress guard must not judge it as the test's.
      asBroker(() => mint(controller.signal))
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  }

  #fresh({ minted, mintedAt }: Entry<T>): boolean {
    if (minted.expiresAt === undefined) {
      return true;
    }
    const expiry = minted.expiresAt.getTime();
    const window = Math.min(this.#window, Math.max(0, expiry - mintedAt) / 2);
    return this.#now() < expiry - window;
  }
}
