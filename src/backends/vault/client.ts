import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type NodeVault from 'node-vault';
import { BrokerError } from '../../errors.js';
import type { SecretValue } from '../../scrub/secret-value.js';
import { importPeer } from '../../sdk/import-peer.js';
import { opaqueCause } from '../../sdk/opaque-cause.js';

/**
 * The only file that touches `node-vault`, imported at the first fetch (G10). Everything above it sees
 * {@link VaultClient} and {@link VaultCallError}, never the SDK's own types or messages.
 */

/** @internal Vault's response envelope (`logical.HTTPResponse`), the fields the broker reads. */
export interface VaultEnvelope {
  readonly lease_id?: string;
  readonly lease_duration?: number;
  readonly renewable?: boolean;
  readonly data?: unknown;
  readonly auth?: {
    readonly client_token?: string;
    readonly lease_duration?: number;
    readonly renewable?: boolean;
  } | null;
}

/** @internal Why a call failed, with nothing of the server's text but its error list (kept for classification). */
export type VaultFailure =
  | { readonly kind: 'status'; readonly status: number; readonly errors: readonly string[]; readonly body: unknown }
  | { readonly kind: 'network'; readonly code: string }
  | { readonly kind: 'aborted' };

/** @internal A failed call. Its message is ours; its `cause` names the SDK's error but holds none of its data. */
export class VaultCallError extends Error {
  override readonly name = 'VaultCallError';
  readonly failure: VaultFailure;

  constructor(failure: VaultFailure, cause: unknown) {
    super(failure.kind === 'status' ? `HTTP ${failure.status}` : failure.kind, { cause });
    this.failure = failure;
  }
}

/** @internal The Vault operations the backend uses. Tokens go in as `SecretValue`s and are revealed only here. */
export interface VaultClient {
  read(path: string, token: SecretValue, signal: AbortSignal): Promise<VaultEnvelope>;
  login(method: VaultLoginMethod, mount: string, body: LoginBody, signal: AbortSignal): Promise<VaultEnvelope>;
  /** `sys/capabilities-self`: what the token may do on each path (the `default` policy allows asking). */
  capabilities(paths: readonly string[], token: SecretValue, signal: AbortSignal): Promise<Record<string, string[]>>;
  revokeLease(leaseId: string, token: SecretValue, signal: AbortSignal): Promise<void>;
  revokeSelf(token: SecretValue, signal: AbortSignal): Promise<void>;
  /** `auth/token/create/<role>`: a child token of `token` (`vault-token:`). */
  createToken(role: string, body: ChildTokenBody, token: SecretValue, signal: AbortSignal): Promise<VaultEnvelope>;
}

/** @internal What a child token may ask of its role (Vault's own field names). */
export interface ChildTokenBody {
  readonly policies?: readonly string[];
  readonly ttl?: string;
  readonly num_uses?: number;
}

/** @internal The login methods the client speaks. */
export type VaultLoginMethod = 'jwt' | 'kubernetes' | 'approle';

/** @internal */
export type LoginBody =
  | { readonly role: string; readonly jwt: SecretValue }
  | { readonly role_id: SecretValue; readonly secret_id: SecretValue };

/** @internal */
export interface VaultClientOptions {
  /** Server address without a trailing slash. */
  readonly address: string;
  readonly namespace?: string;
  /** PEM of the CA to trust instead of the system's. */
  readonly ca?: string;
  /** The scheme that needs the client, named when node-vault is missing. @default 'vault' */
  readonly backend?: 'vault' | 'vault-token';
}

/** @internal Loads the SDK; replaced in tests to simulate a missing package. */
export type SdkImporter = () => Promise<unknown>;

const importNodeVault: SdkImporter = () => import('node-vault');

/** @internal Builds a client on `node-vault`. Throws MISSING_DEPENDENCY when the package is not installed. */
export async function createVaultClient(
  options: VaultClientOptions,
  importSdk: SdkImporter = importNodeVault
): Promise<VaultClient> {
  const factory = await loadFactory(importSdk, options.backend ?? 'vault');
  const sdk = factory({
    endpoint: options.address,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    // node-vault's `debug` prints request bodies (JWTs, secret ids) when DEBUG=node-vault is set.
    debug: () => undefined,
  });
  // The SDK falls back to process.env (VAULT_TOKEN, VAULT_NAMESPACE, VAULT_PREFIX); the broker's env is its own.
  (sdk as { token: string | undefined }).token = undefined;
  (sdk as unknown as { pathPrefix: string }).pathPrefix = '';
  if (options.namespace === undefined) {
    (sdk as unknown as { namespace: string | undefined }).namespace = undefined;
  }
  const newAgents = await agentFactory(options.address.startsWith('https:'), options.ca);

  // One agent per call, destroyed when the caller's signal aborts: node-vault forwards no AbortSignal to axios,
  // but it does forward the agent, and destroying it ends the request at once.
  const call = async <T>(signal: AbortSignal, run: (agents: AgentOptions) => Promise<T>): Promise<T> => {
    if (signal.aborted) {
      throw new VaultCallError({ kind: 'aborted' }, signal.reason);
    }
    const agents = newAgents();
    const agent = 'httpsAgent' in agents ? agents.httpsAgent : agents.httpAgent;
    const abort = () => agent.destroy();
    signal.addEventListener('abort', abort, { once: true });
    try {
      return await run(agents);
    } catch (error) {
      throw toCallError(error, signal);
    } finally {
      signal.removeEventListener('abort', abort);
      agent.destroy();
    }
  };
  const withToken = (token: SecretValue, agents: AgentOptions) => ({
    ...agents,
    headers: { 'X-Vault-Token': token.reveal() },
  });

  return {
    read: (path, token, signal) => call(signal, (agents) => sdk.read(path, withToken(token, agents))),
    login: async (method, mount, body, signal) => {
      const args =
        'jwt' in body
          ? { role: body.role, jwt: body.jwt.reveal() }
          : { role_id: body.role_id.reveal(), secret_id: body.secret_id.reveal() };
      const envelope = await call(signal, (agents) => {
        const login =
          method === 'jwt' ? sdk.jwtLogin : method === 'kubernetes' ? sdk.kubernetesLogin : sdk.approleLogin;
        // `mount_point` always: node-vault renders an empty mount as `auth//login` for some methods (§1.6).
        return login({ ...args, mount_point: mount, requestOptions: agents });
      });
      // The SDK keeps the last login's token for later calls; the broker passes a token on each call instead.
      (sdk as { token: string | undefined }).token = undefined;
      return envelope as VaultEnvelope;
    },
    capabilities: async (paths, token, signal) => {
      const envelope = (await call(signal, (agents) =>
        sdk.write('sys/capabilities-self', { paths }, withToken(token, agents))
      )) as { data?: Record<string, unknown> } & Record<string, unknown>;
      const source = envelope.data ?? envelope;
      const answer: Record<string, string[]> = {};
      for (const path of paths) {
        const list = source[path];
        answer[path] = Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
      }
      return answer;
    },
    revokeLease: async (leaseId, token, signal) => {
      await call(signal, (agents) => sdk.revoke({ lease_id: leaseId, requestOptions: withToken(token, agents) }));
    },
    revokeSelf: async (token, signal) => {
      // `tokenRevokeSelf(args)` would post its args (our request options) as the body; `write` posts `{}`.
      await call(signal, (agents) => sdk.write('auth/token/revoke-self', {}, withToken(token, agents)));
    },
    createToken: (role, body, token, signal) =>
      call(signal, (agents) =>
        sdk.write(`auth/token/create/${encodeURIComponent(role)}`, body, withToken(token, agents))
      ) as Promise<VaultEnvelope>,
  };
}

type AgentOptions = { readonly httpAgent: HttpAgent } | { readonly httpsAgent: HttpsAgent };

/**
 * Node's agent module, loaded with a client rather than with this module: the session imports it for every run
 * (minted Vault tokens), and node:https with node:tls cost its start several milliseconds when no Vault is used.
 */
async function agentFactory(https: boolean, ca: string | undefined): Promise<() => AgentOptions> {
  if (https) {
    const { Agent } = await import('node:https');
    return () => ({ httpsAgent: new Agent({ keepAlive: false, ...(ca === undefined ? {} : { ca }) }) });
  }
  const { Agent } = await import('node:http');
  return () => ({ httpAgent: new Agent({ keepAlive: false }) });
}

async function loadFactory(importSdk: SdkImporter, backend: string): Promise<typeof NodeVault> {
  const mod = await importPeer(importSdk, { name: 'node-vault', backend });
  const factory = (mod as { default?: unknown }).default ?? mod;
  if (typeof factory !== 'function') {
    throw new BrokerError('INTERNAL', 'node-vault exports no client factory', {
      backend: 'vault',
      operation: 'load client',
      hint: 'Install node-vault 0.12 or later',
    });
  }
  return factory as typeof NodeVault;
}

function toCallError(error: unknown, signal: AbortSignal): VaultCallError {
  if (signal.aborted) {
    return new VaultCallError({ kind: 'aborted' }, opaqueCause(error, 'node-vault'));
  }
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } }).response;
  if (response !== undefined && typeof response.statusCode === 'number') {
    const errors = (response.body as { errors?: unknown } | undefined)?.errors;
    const list = Array.isArray(errors) ? errors.filter((e): e is string => typeof e === 'string') : [];
    return new VaultCallError(
      { kind: 'status', status: response.statusCode, errors: list, body: response.body },
      opaqueCause(error, 'node-vault')
    );
  }
  const code = (error as { code?: unknown }).code;
  return new VaultCallError(
    { kind: 'network', code: typeof code === 'string' ? code : 'ERROR' },
    opaqueCause(error, 'node-vault')
  );
}
