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
}

type Entry<T> = { readonly minted: Minted<T>; readonly mintedAt: number };

const FIVE_MINUTES = 5 * 60_000;

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
  #mints = 0;

  constructor(options: MintCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#window = options.refreshWindowMs ?? FIVE_MINUTES;
  }

  /** How many mints were started (tests and the bench count them). */
  get mints(): number {
    return this.#mints;
  }

  /** The credential for `key`: the cached one while it is fresh, else the result of one shared `mint()`. */
  get(key: string, mint: () => Promise<Minted<T>>): Promise<T> {
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
    const flight = mint().then(
      (minted) => {
        this.#inflight.delete(key);
        this.#entries.set(key, { minted, mintedAt });
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

  #fresh({ minted, mintedAt }: Entry<T>): boolean {
    if (minted.expiresAt === undefined) {
      return true;
    }
    const expiry = minted.expiresAt.getTime();
    const window = Math.min(this.#window, Math.max(0, expiry - mintedAt) / 2);
    return this.#now() < expiry - window;
  }
}
