import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  type AddressPattern,
  destinationPattern,
  isLoopbackName,
  matchesPattern,
  parseAddressPattern,
} from '../netaddr/pattern.js';
import type { GuardFinding } from './finding.js';
import { ENV_GUARD, type GuardPolicy, judgesEveryConnection } from './policy.js';

/** @public The error a refused connection fails with (strict mode); names the guard, the host and the credentials. */
export class EgressRefusedError extends Error {
  readonly code = 'CREDENTIAL_BROKER_EGRESS_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

interface CompiledPatterns {
  readonly allow: AddressPattern[];
  readonly destinations: Map<string, AddressPattern[]>;
}

interface Holder {
  readonly names: readonly string[];
  readonly label: string;
}

/** One per process (per thread): every copy of this module (ESM chunk, CJS bundle, preload) shares it. */
interface GuardState {
  policy: GuardPolicy;
  /**
   * The policy's patterns, parsed on the first judgement: every test file's worker sets the policy, few connect, and
   * parsing the default destination table costs a fresh process ~13 ms (Node compiles its IPv6 pattern on first use).
   */
  patterns: CompiledPatterns | undefined;
  readonly holders: Map<number, Holder>;
  nextHolder: number;
  currentTest: (() => string | undefined) | undefined;
  onRefused: ((error: EgressRefusedError) => void) | undefined;
  readonly findings: GuardFinding[];
  readonly recorded: Set<string>;
  installed: boolean;
  /** Whether `dns.lookup` is patched (see installGuard). */
  lookupsGuarded: boolean;
  /** Keep {@link ENV_GUARD} naming what is held, so that a Node child started now is judged for it too. */
  publish: boolean;
  /**
   * The policy as published without `held`, serialised once per policy: only what is held changes from test to test.
   * Optional: a state made by an older copy of this module (another bundle in the process) has none yet.
   */
  published?: { readonly policy: GuardPolicy; readonly json: string };
  /**
   * The policy a worker installed, and as JSON: an equal one installed again (the next test file) changes nothing,
   * unless the policy was replaced since.
   */
  workerPolicy?: { readonly json: string; readonly policy: GuardPolicy };
}

const STATE = Symbol.for('credential-broker.guard.v1');

/** @internal This process's guard state, or undefined while no policy was configured. */
export function guardState(): GuardState | undefined {
  return (globalThis as unknown as Record<symbol, GuardState | undefined>)[STATE];
}

const OWN = Symbol.for('credential-broker.guard.own.v1');

// Shared by every copy of this module, like the state: the session may live in a bundle the worker did not load.
function own(): AsyncLocalStorage<true> {
  const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<true> | undefined>;
  holder[OWN] ??= new AsyncLocalStorage<true>();
  return holder[OWN];
}

/**
 * @internal Run the broker's own work (a backend resolving a credential) outside the guard's judgement: where a runner
 * runs tests in the session's process (Jest with `--detectOpenHandles`), a test's held credentials must not make the
 * broker's requests findings.
 *
 * Only where this process has a guard: on Node 20 the first `run` of an AsyncLocalStorage enables an async hook
 * that every later promise and callback of the process pays for (Vitest's main process, which never holds a
 * guard, spent ~15 ms a 40-file run in it). A guard comes before the work it must not judge: the preload installs
 * it when the process starts, a Jest environment before its file's tests, which are what ask for credentials.
 */
export function asBroker<T>(work: () => T): T {
  return guardState() === undefined ? work() : own().run(true, work);
}

/** @internal Set (or replace) this process's policy; returns the state the socket patches consult. */
export function setPolicy(policy: GuardPolicy): GuardState {
  const holder = globalThis as unknown as Record<symbol, GuardState | undefined>;
  const state: GuardState = holder[STATE] ?? {
    policy,
    patterns: undefined,
    holders: new Map(),
    nextHolder: 0,
    currentTest: undefined,
    onRefused: undefined,
    findings: [],
    recorded: new Set(),
    installed: false,
    lookupsGuarded: false,
    publish: false,
  };
  state.policy = policy;
  state.patterns = undefined;
  state.holders.delete(-1);
  if (policy.held !== undefined) {
    state.holders.set(-1, { names: [...policy.held.names], label: policy.held.label });
  }
  holder[STATE] = state;
  return state;
}

function compile(policy: GuardPolicy): CompiledPatterns {
  return {
    allow: patterns(policy.allow),
    destinations: new Map(Object.entries(policy.destinations).map(([name, list]) => [name, patterns(list)])),
  };
}

function patterns(list: readonly string[]): AddressPattern[] {
  return list.flatMap((text) => {
    const parsed = destinationPattern(text) ?? parseAddressPattern(text);
    return typeof parsed === 'string' ? [] : [parsed];
  });
}

/** @public Marks `names` as held by `label` (a test) until the returned function runs. A no-op without a policy. */
export function holdCredentials(names: readonly string[], label: string): () => void {
  const state = guardState();
  if (state === undefined || state.policy.mode === 'off' || names.length === 0) {
    return () => {};
  }
  state.nextHolder += 1;
  const id = state.nextHolder;
  state.holders.set(id, { names, label });
  publish(state);
  return () => {
    state.holders.delete(id);
    publish(state);
  };
}

/** @internal From now on, keep this process's env telling Node children what is held (see {@link holdCredentials}). */
export function publishToChildren(): void {
  const state = guardState();
  if (state !== undefined) {
    state.publish = true;
    publish(state);
  }
}

function publish(state: GuardState): void {
  if (!state.publish) {
    return;
  }
  const names = new Set<string>();
  const labels = new Set<string>();
  for (const holder of state.holders.values()) {
    for (const name of holder.names) {
      names.add(name);
    }
    labels.add(holder.label);
  }
  if (state.published?.policy !== state.policy) {
    const { held: _own, ...policy } = state.policy;
    state.published = { policy: state.policy, json: JSON.stringify(policy) };
  }
  const base = state.published.json;
  // `{ ...policy, held }` as JSON, without serialising the policy's destination table again for every test.
  const json =
    names.size === 0
      ? base
      : `${base.slice(0, -1)}${base === '{}' ? '' : ','}"held":${JSON.stringify({ names: [...names], label: [...labels].join(', ') })}}`;
  if (process.env[ENV_GUARD] !== json) {
    process.env[ENV_GUARD] = json;
  }
}

/**
 * @internal Who is running now (`file › test`), asked when a connection is judged; and what to do with a refusal
 * besides failing the connection (fail the running test even if its code swallows the error).
 */
export function setCurrentTest(
  current: (() => string | undefined) | undefined,
  onRefused?: (error: EgressRefusedError) => void
): void {
  const state = guardState();
  if (state !== undefined) {
    state.currentTest = current;
    state.onRefused = onRefused;
  }
}

/** @internal How many findings this process has so far; pass it to {@link findingsSince}. */
export function findingsMark(): number {
  return guardState()?.findings.length ?? 0;
}

/** @internal The findings recorded in this process since `mark`. */
export function findingsSince(mark: number): readonly GuardFinding[] {
  return guardState()?.findings.slice(mark) ?? [];
}

/**
 * @internal Judge a connection (or, offline, a lookup) by the name it asked for. Records a finding when it is outside
 * the policy; returns the error to fail it with in strict mode, else undefined.
 */
export function judge(
  host: string,
  port: number | undefined,
  via?: GuardFinding['via']
): EgressRefusedError | undefined {
  const state = guardState();
  if (state === undefined || state.policy.mode === 'off' || own().getStore() === true) {
    return undefined;
  }
  const held = new Set<string>();
  const labels = new Set<string>();
  for (const holder of state.holders.values()) {
    for (const name of holder.names) {
      held.add(name);
    }
    labels.add(holder.label);
  }
  const offline = judgesEveryConnection(state.policy);
  if (held.size === 0 && !offline) {
    return undefined;
  }
  state.patterns ??= compile(state.policy);
  const { allow, destinations } = state.patterns;
  if (allow.some((p) => matchesPattern(p, host, port))) {
    return undefined;
  }
  // The destinations of everything held are allowed together: a test holding a database URL and an API token talks
  // to both, and neither connection is a finding.
  const declared = [...held].some((name) => (destinations.get(name) ?? []).some((p) => matchesPattern(p, host, port)));
  if (declared) {
    return undefined;
  }
  const undeclared = [...held];
  // Offline, a lookup of a loopback name is harmless: it never leaves the machine.
  if (via === 'dns' && (isLoopbackName(host) || isIP(host) !== 0)) {
    return undefined;
  }
  const refused = state.policy.mode === 'strict';
  const test = state.currentTest?.() ?? ([...labels].join(', ') || `process ${process.pid}`);
  const finding: GuardFinding = {
    test,
    names: undeclared,
    host,
    ...(port === undefined ? {} : { port }),
    ...(via === undefined ? {} : { via }),
    refused,
  };
  record(state, finding);
  if (!refused) {
    return undefined;
  }
  const error = new EgressRefusedError(refusal(finding, state.policy.egress));
  state.onRefused?.(error);
  return error;
}

function record(state: GuardState, finding: GuardFinding): void {
  const line = JSON.stringify(finding);
  if (state.recorded.has(line)) {
    return;
  }
  state.recorded.add(line);
  state.findings.push(finding);
  try {
    appendFileSync(state.policy.findings, `${line}\n`);
  } catch {
    // The run has ended (its scratch root is gone): the finding stays in this process's own report.
  }
}

function refusal(finding: GuardFinding, egress: boolean): string {
  const target = finding.port === undefined ? finding.host : `${finding.host}:${finding.port}`;
  const why =
    finding.names.length === 0
      ? `egress is ${egress ? 'on' : 'off'} and ${target} is not in egress.allow`
      : `${finding.names.join(', ')} ${finding.names.length === 1 ? 'is' : 'are'} held and ${target} is not a declared destination`;
  return `credential-broker egress guard (strict) refused ${finding.via === 'dns' ? 'a lookup of' : 'a connection to'} ${target}: ${why}. Declare it as the credential's destination, or add it to egress.allow, in credential-broker.config`;
}
