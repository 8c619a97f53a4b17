import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { BrokerError } from '../errors.js';

/** @internal Whoever presented a ticket: the scope it was minted for (a Vitest project; '' for Jest). */
export interface TicketHolder {
  readonly scope: string;
  /** May claim a file claimed before, revoking the earlier key (Jest re-runs a file after its worker crashed). */
  readonly reclaim: boolean;
}

/** @internal What a worker's key stands for: the test files it claimed. */
export interface Claim {
  readonly key: string;
  readonly files: ReadonlySet<string>;
}

/**
 * An unspent ticket is good this long. A Jest worker spends its ticket before it runs any test code; a Vitest worker
 * when a file first needs a credential, which in a long file can be late. The ticket never leaves the worker's memory.
 */
const TICKET_TTL_MS = 24 * 60 * 60_000;
/**
 * Tickets minted but never spent (a Vitest worker run that needed no credential) are dropped beyond this many, oldest
 * first: a bound on memory (~200 bytes each) that a run still holding an unspent ticket cannot reach in practice.
 */
const MAX_TICKETS = 50_000;

/**
 * @internal The channel's capabilities, held only in the main process's memory. A ticket is minted for one runner
 * message to one worker and spent by that worker's first request, a claim binding it to the test files it runs; each
 * selected file can be claimed once per run, so a ticket that leaked can claim nothing a worker already holds, and
 * a file claimed twice fails loudly instead of silently sharing its credentials.
 */
export class Capabilities {
  readonly #tickets = new Map<string, { readonly holder: TicketHolder; readonly expires: number }>();
  readonly #keys = new Map<string, Claim>();
  /** scope + file → the key that claimed it in this run. */
  readonly #claimed = new Map<string, string>();

  /** A fresh one-time ticket. */
  issue(scope = '', reclaim = false): string {
    const now = Date.now();
    for (const [ticket, entry] of this.#tickets) {
      if (entry.expires > now && this.#tickets.size < MAX_TICKETS) {
        break;
      }
      this.#tickets.delete(ticket);
    }
    const ticket = randomBytes(32).toString('hex');
    this.#tickets.set(ticket, { holder: { scope, reclaim }, expires: now + TICKET_TTL_MS });
    return ticket;
  }

  /** The ticket's holder, once; the ticket is spent whatever follows. */
  take(ticket: string): TicketHolder | undefined {
    const entry = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return entry !== undefined && entry.expires > Date.now() ? entry.holder : undefined;
  }

  /** Binds the holder to `files`, each planned and not yet claimed in this run; returns the claim with its key. */
  claim(holder: TicketHolder, files: readonly string[], planned: (file: string) => boolean): Claim {
    const paths = [...new Set(files.map((f) => resolve(f)))];
    for (const path of paths) {
      if (!planned(path)) {
        throw new BrokerError('DENIED', `${shown(path)} is not a test file selected for this run`, {
          operation: 'claim',
          hint: 'Credentials are served only to the test files the runner selected',
        });
      }
      const earlier = this.#claimed.get(`${holder.scope}\u0000${path}`);
      if (earlier !== undefined && holder.reclaim) {
        // Only one holder at a time: the crashed worker's key dies with the retry's claim.
        this.#keys.delete(earlier);
      } else if (earlier !== undefined) {
        throw new BrokerError('DENIED', `${shown(path)} was already claimed by another worker in this run`, {
          operation: 'claim',
          hint: 'Each test file gets its credentials once per run; a second claim means something other than its worker spent a ticket (a test file that starts another Vitest worker, a leaked ticket)',
        });
      }
    }
    const claim: Claim = { key: randomBytes(32).toString('hex'), files: new Set(paths) };
    for (const path of paths) {
      this.#claimed.set(`${holder.scope}\u0000${path}`, claim.key);
    }
    this.#keys.set(claim.key, claim);
    return claim;
  }

  byKey(key: string): Claim | undefined {
    return this.#keys.get(key);
  }

  /** A new run (watch mode) may claim its files again; keys of the last run stay good for workers still running. */
  newRun(): void {
    this.#claimed.clear();
  }
}

// A path a client sent, as an error may quote it: bounded, one line.
function shown(path: string): string {
  const text = JSON.stringify(path);
  return text.length > 240 ? `${text.slice(0, 237)}…` : text;
}
