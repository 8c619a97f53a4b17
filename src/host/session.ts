import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { CredentialSpec, LoadedConfig } from '../config/normalise.js';
import type { Logger } from '../contract/backend.js';
import type { Grant, SessionHandle, SessionOptions } from '../contract/wire.js';
import { buildManifest, type Manifest, manifestEntry, skipReason } from '../egress/manifest.js';
import { type ManifestFormat, renderManifest } from '../egress/render.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { asBroker, type GuardPolicy } from '../guard/index.js';
import type { ChannelLimits } from '../ipc/limits.js';
import { type ChannelServer, listenChannel } from '../ipc/server.js';
import { createLogger, ENV_DEBUG } from '../log.js';
import { createScratchRoot, installCleanupHandlers, type ScratchRoot, sweep } from '../materialise/index.js';
import { formatRef } from '../ref/index.js';
import { isMintedRef, type MintedRef } from '../ref/types.js';
import { Scrubber } from '../scrub/index.js';
import type { SecretValue } from '../scrub/secret-value.js';
import { Capabilities } from './capabilities.js';
import { Declarations } from './declarations.js';
import { decideEgress } from './egress.js';
import { collectGuardReport, type GuardReport, guardPolicyOf } from './guard-policy.js';
import { createMintedCredentials, type MintedCredentials } from './minted/index.js';
import { createResolver, type Resolver, type ResolverOptions } from './resolver.js';
import type { RunRecord } from './run-record.js';
import { observeSession } from './session-hooks.js';
import { createWaitingLine } from './waiting-line.js';

/** @public Scrub replacement used unless the config sets `scrub.replacement`. */
export const DEFAULT_REPLACEMENT = '[redacted:{name}]';
/** @public Shortest value the scrubber will match unless the config sets `scrub.minLength`. */
export const DEFAULT_MIN_SCRUB_LENGTH = 6;

/** @public A run's broker in its main process. See the README "Architecture". */
export interface BrokerSession {
  readonly handle: SessionHandle;
  readonly egressEnabled: boolean;
  readonly configDir: string;
  readonly config: LoadedConfig;
  readonly scrubber: Scrubber;
  readonly log: Logger;
  readonly stats: {
    readonly fetches: number;
    readonly resolved: readonly string[];
    readonly mints: number;
    /** Tickets spent: claims of test files by workers (a file that asks for nothing claims nothing). */
    readonly claims: number;
  };
  /** When the run began and who was granted what (audit record, step summary, post-run file scan). */
  readonly ci: RunRecord;
  /**
   * Plan a run: read the `@credentials` docblocks of the selected test files (asynchronously, regular files inside
   * the project only), resolve every planned `env:` credential and remove its source variable from the environment
   * the workers will inherit, and let each file be claimed once more. Call it before the workers start.
   * @param roots directories besides the config's where test files may live (the runner's root).
   */
  plan(testFiles: readonly string[], roots?: readonly string[]): Promise<void>;
  /**
   * A one-time ticket for one worker, to hand over inside the runner's own message to it. The worker spends it on
   * its first request, which binds it to the test files it runs. `scope` separates projects that run the same file;
   * `reclaim` lets the ticket claim a file claimed before and revoke that claim (a runner that re-runs a file after
   * its worker crashed).
   */
  issueTicket(scope?: string, options?: { readonly reclaim?: boolean }): string;
  manifest(): Manifest;
  renderManifest(format: ManifestFormat): string;
  egressSummaryLine(): string | undefined;
  /** Resolve for one requester (a test file, or undefined for config-only callers such as `run`). */
  grant(file: string | undefined, names: readonly string[]): Promise<readonly Grant[]>;
  /** Resolve one credential directly (CLI `run`, `check`). */
  resolve(spec: CredentialSpec): Promise<SecretValue>;
  close(): Promise<void>;
  closeSync(): void;
  /** The egress guard's policy (undefined when `egress.guard` is `off`). */
  readonly guard: GuardPolicy | undefined;
  /** Read what the guard found so far in every process of the run; writes `egress.report` when configured. */
  guardReport(): GuardReport;
}

/** @public Extra options for tests and custom integrations. */
export interface StartSessionOptions extends SessionOptions {
  /** Start the private channel for workers. @default true */
  readonly serve?: boolean;
  /** Backend factories replacing the registry's (tests, benchmarks, custom backends). */
  readonly factories?: ResolverOptions['factories'];
  /** Forwarded to the resolver. */
  readonly retryDelayMs?: number;
  /** The channel's bounds (the fuzz suite narrows them). */
  readonly channelLimits?: ChannelLimits;
}

/**
 * @public Start a run's broker: load the config, decide egress, sweep stale scratch dirs, create the 0700 scratch
 * root, install exit/signal wipes, open the private channel. Nothing is resolved until a test asks.
 */
export async function startSession(options: StartSessionOptions = {}): Promise<BrokerSession> {
  const env = options.env ?? process.env;
  const config = await loadConfig({
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  const egress = decideEgress(options.egress, env, config.config.egress?.enabled);
  const replacement = config.config.scrub?.replacement ?? DEFAULT_REPLACEMENT;
  const minScrubLength = config.config.scrub?.minLength ?? DEFAULT_MIN_SCRUB_LENGTH;
  const scrubber = new Scrubber({ minLength: minScrubLength, replacement });
  // The runner's root (Vitest, Jest), or the config's directory (`run`): what the post-run scan walks.
  const ci = observeSession(scrubber, config.config, env, [options.cwd ?? config.dir]);
  const log = options.log ?? createLogger({ scrub: (text) => scrubber.scrub(text), debug: env[ENV_DEBUG] === '1' });

  sweep();
  const scratch: ScratchRoot = createScratchRoot({ projectDir: config.dir, env });
  const guard = guardPolicyOf(config, egress.enabled, scratch.path);
  const resolved = new Set<string>();
  const registered = new Set<string>();
  const declarations = new Declarations(config.credentials, [config.dir], config.searched);
  const capabilities = new Capabilities();
  const resolver: Resolver = createResolver({
    backends: config.config.backends,
    baseDir: config.dir,
    env,
    egressEnabled: egress.enabled,
    log,
    audit: ci,
    ...(config.config.resolve?.concurrency === undefined ? {} : { concurrency: config.config.resolve.concurrency }),
    ...(config.config.resolve?.timeoutMs === undefined ? {} : { timeoutMs: config.config.resolve.timeoutMs }),
    ...(config.config.resolve?.retries === undefined ? {} : { retries: config.config.resolve.retries }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.factories === undefined ? {} : { factories: options.factories }),
  });

  // Minted per test, outside the resolver: its documents live for the run, minted credentials age.
  const mintedClosing = new AbortController();
  let minted: MintedCredentials | undefined;
  const mintedCredentials = () => {
    minted ??= createMintedCredentials({
      backends: config.config.backends,
      env,
      baseDir: config.dir,
      scrubber,
      log,
      scratchDir: scratch.path,
      signal: mintedClosing.signal,
      audit: ci,
    });
    return minted;
  };

  // On a terminal, a resolution or mint that takes over a second says what it waits on (stderr, names only).
  const waiting = createWaitingLine();

  const manifestInput = { backends: config.config.backends, egress, env, baseDir: config.dir };
  const manifest = () => buildManifest({ ...manifestInput, credentials: declarations.all() });

  const resolveSpec = async (spec: CredentialSpec): Promise<SecretValue> => {
    const done = waiting.start(spec.name, spec.ref.scheme);
    const value = await asBroker(() => resolver.resolve(spec)).finally(done);
    resolved.add(spec.name);
    // Keyed by name and ref: two files may declare the same name inline with different refs, and both values must
    // reach the scrubber.
    const key = `${spec.name}\u0000${formatRef(spec.ref)}`;
    if (!registered.has(key)) {
      registered.add(key);
      const warning = scrubber.add(value.reveal(), spec.name);
      if (warning !== undefined) {
        log.warn(warning.message);
      }
    }
    return value;
  };

  const grant = async (
    file: string | undefined,
    names: readonly string[],
    holder?: object
  ): Promise<readonly Grant[]> => {
    const specs = names.map((name) => declarations.lookup(file, name));
    const grants = await Promise.all(
      specs.map(async (spec): Promise<Grant> => {
        // With egress on nothing is skipped, so the endpoint need not be classified.
        const entry = egress.enabled ? undefined : manifestEntry(spec, manifestInput);
        if (entry !== undefined && entry.status !== 'resolve') {
          return { name: spec.name, status: 'skipped', reason: skipReason(entry) };
        }
        try {
          if (isMintedRef(spec.ref)) {
            resolved.add(spec.name);
            const done = waiting.start(spec.name, spec.ref.scheme);
            try {
              // The exchange (STS, a Vault child token) and the endpoints it opens are the broker's, as a resolution is.
              return await asBroker(() =>
                mintedCredentials().grant(spec as CredentialSpec & { readonly ref: MintedRef }, holder)
              );
            } finally {
              done();
            }
          }
          const value = await resolveSpec(spec);
          return {
            name: spec.name,
            status: 'ok',
            value: value.reveal(),
            delivery: spec.delivery,
            envName: spec.envName,
            fileName: spec.fileName,
          };
        } catch (error) {
          return {
            name: spec.name,
            status: 'error',
            code: isBrokerError(error) ? error.code : 'INTERNAL',
            message: isBrokerError(error) ? error.message : `${spec.name}: resolution failed`,
          };
        }
      })
    );
    ci.granted(file, grants);
    return grants;
  };

  // What a worker may ask is decided here, from memory: its ticket, the files it claimed, the plan.
  let claims = 0;
  const authority = {
    takeTicket: (ticket: string) => capabilities.take(ticket),
    claim: (holder: Parameters<Capabilities['claim']>[0], files: readonly string[]) => {
      const claim = capabilities.claim(holder, files, (file) => declarations.has(file));
      claims += 1;
      return {
        key: claim.key,
        declared: Object.fromEntries([...claim.files].map((file) => [file, declarations.declared(file)])),
      };
    },
    byKey: (key: string) => capabilities.byKey(key),
    acquire: (claim: { readonly files: ReadonlySet<string> }, file: string, names: readonly string[]) => {
      const path = resolve(file);
      if (!claim.files.has(path)) {
        throw new BrokerError('DENIED', `${JSON.stringify(file).slice(0, 240)} is not a file this worker claimed`, {
          operation: 'acquire',
        });
      }
      return grant(path, names, claim);
    },
  };

  // Resolved now, and their source variables removed: a test sees an env: value only by declaring it.
  const sealEnvSources = async (specs: readonly CredentialSpec[]) => {
    const sources = specs.filter((s) => s.ref.scheme === 'env');
    const kept = new Set(sources.filter((s) => s.keepSource === true).map((s) => (s.ref as { name: string }).name));
    await Promise.all(sources.map((spec) => resolveSpec(spec).catch(() => undefined)));
    for (const spec of sources) {
      const source = (spec.ref as { name: string }).name;
      if (!kept.has(source) && resolved.has(spec.name)) {
        try {
          delete (env as Record<string, string | undefined>)[source];
        } catch {
          // A frozen env object (a caller's own): nothing inherits from it anyway.
        }
      }
    }
  };

  const socketPath = join(scratch.path, 'broker.sock');
  const server: ChannelServer | undefined =
    options.serve === false ? undefined : await listenChannel(socketPath, authority, options.channelLimits);

  let closed = false;
  let closing: Promise<void> | undefined;
  const closeSync = () => {
    if (closed) {
      return;
    }
    closed = true;
    server?.closeSync();
    mintedClosing.abort();
    void minted?.close();
    scratch.wipeSync();
  };
  const uninstall = installCleanupHandlers(closeSync);

  return {
    handle: {
      socketPath,
      scratchRoot: scratch.path,
      egressEnabled: egress.enabled,
      replacement,
      minScrubLength,
      ...(guard === undefined ? {} : { guard }),
    },
    guard,
    guardReport: () => collectGuardReport(config, guard, scrubber),
    egressEnabled: egress.enabled,
    configDir: config.dir,
    config,
    scrubber,
    log,
    ci,
    stats: {
      get fetches() {
        return resolver.fetches;
      },
      get resolved() {
        return [...resolved];
      },
      get mints() {
        return minted?.mints ?? 0;
      },
      get claims() {
        return claims;
      },
    },
    async plan(files, roots) {
      capabilities.newRun();
      await sealEnvSources(await declarations.plan(files, roots));
    },
    issueTicket: (scope, options) => capabilities.issue(scope, options?.reclaim === true),
    manifest,
    renderManifest: (format) => renderManifest(manifest(), format),
    egressSummaryLine: () => {
      if (egress.enabled) {
        return undefined;
      }
      const skipped = manifest().credentials.filter((c) => c.status !== 'resolve');
      if (skipped.length === 0) {
        return undefined;
      }
      return `credential-broker: egress disabled — ${skipped.length} network credential${skipped.length === 1 ? '' : 's'} (${skipped.map((c) => c.name).join(', ')}) will not be resolved; tests that need them are skipped. Set CREDENTIAL_BROKER_EGRESS=1 to run them`;
    },
    grant,
    resolve: resolveSpec,
    close() {
      // One closing for every caller: backends (Vault leases, clients) must be closed once.
      closing ??= closed
        ? Promise.resolve()
        : Promise.all([resolver.close(), minted?.close()]).then(() => {
            for (const done of ci.afterClose.splice(0)) {
              try {
                done();
              } catch (error) {
                log.warn(`credential-broker: could not complete the audit record: ${(error as Error).message}`);
              }
            }
            closeSync();
            uninstall();
          });
      return closing;
    },
    closeSync,
  };
}
