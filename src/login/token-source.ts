import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod/mini';
import type { FetchContext } from '../contract/backend.js';
import { BrokerError } from '../errors.js';
import { SecretValue } from '../scrub/secret-value.js';

/** @public The service-account token Kubernetes mounts into every pod (unless automounting is off). */
export const KUBERNETES_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** @public Env vars GitHub Actions sets in a job with `permissions: id-token: write`. */
export const GITHUB_TOKEN_URL_ENV = 'ACTIONS_ID_TOKEN_REQUEST_URL';
/** @public See {@link GITHUB_TOKEN_URL_ENV}. */
export const GITHUB_TOKEN_BEARER_ENV = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';

/**
 * @public Where the OIDC token that identity minting exchanges comes from (`auth.token` in a backend's settings):
 * - `'github'`: GitHub Actions' token service, asked for a token with the backend's audience;
 * - `'kubernetes'`: the pod's service-account token file;
 * - `{ file }`: a token file, read at every mint (a projected token rotates): a Kubernetes projected volume,
 *   `AWS_WEB_IDENTITY_TOKEN_FILE`, `AZURE_FEDERATED_TOKEN_FILE`…; relative to the config directory;
 * - `{ env }`: an env var holding the token (GitLab CI `id_tokens`, any CI that exports one).
 */
export type TokenSource = 'github' | 'kubernetes' | { readonly file: string } | { readonly env: string };

/** @public The schema of a {@link TokenSource}. */
export const tokenSourceSchema = z.union(
  [
    z.literal('github'),
    z.literal('kubernetes'),
    z.strictObject({ file: z.string().check(z.minLength(1)) }),
    z.strictObject({
      env: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')),
    }),
  ],
  { error: 'expected "github", "kubernetes", { file: "<path>" } or { env: "<NAME>" }' }
);

/** @public What a token source is read for, named in errors. */
export interface TokenRequest {
  /** The backend minting with it, e.g. `aws-sm`. */
  readonly backend: string;
  /** The audience the token is for; GitHub issues one per audience, the others carry theirs already. */
  readonly audience: string;
  readonly ctx: Pick<FetchContext, 'env' | 'baseDir' | 'signal'>;
}

/** @public A readable name of the source, for the manifest and for errors (never the token). */
export function describeTokenSource(source: TokenSource): string {
  if (typeof source === 'string') {
    return source === 'github' ? 'GitHub Actions OIDC' : `Kubernetes service-account token (${KUBERNETES_TOKEN_FILE})`;
  }
  return 'file' in source ? `token file ${source.file}` : `env:${source.env}`;
}

/** @public Reads a fresh OIDC token from `source`. Throws NO_IDENTITY when the source is not there. */
export async function readOidcToken(source: TokenSource, request: TokenRequest): Promise<SecretValue> {
  if (source === 'github') {
    return fetchGithubToken(request);
  }
  if (source === 'kubernetes' || 'file' in source) {
    const path = source === 'kubernetes' ? KUBERNETES_TOKEN_FILE : source.file;
    return readTokenFile(isAbsolute(path) ? path : resolve(request.ctx.baseDir, path), request);
  }
  const token = request.ctx.env[source.env]?.trim();
  if (token === undefined || token === '') {
    throw noIdentity(request, `env var ${source.env} is not set`, `Export the CI's OIDC token as ${source.env}`);
  }
  return new SecretValue(token, `${request.backend} OIDC token`);
}

async function readTokenFile(path: string, request: TokenRequest): Promise<SecretValue> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal: request.ctx.signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw noIdentity(request, `cannot read the token file ${path} (${code ?? 'error'})`, tokenFileHint(path), error);
  }
  const token = text.trim();
  if (token === '') {
    throw noIdentity(request, `the token file ${path} is empty`, tokenFileHint(path));
  }
  return new SecretValue(token, `${request.backend} OIDC token`);
}

function tokenFileHint(path: string): string {
  return path === KUBERNETES_TOKEN_FILE
    ? 'Run inside a pod with a mounted service-account token, or set auth.token to { file } or { env }'
    : 'Mount the projected token there, or point auth.token at where your platform writes it';
}

async function fetchGithubToken(request: TokenRequest): Promise<SecretValue> {
  const { env, signal } = request.ctx;
  const base = env[GITHUB_TOKEN_URL_ENV];
  const bearer = env[GITHUB_TOKEN_BEARER_ENV];
  if (base === undefined || bearer === undefined) {
    throw noIdentity(
      request,
      `${GITHUB_TOKEN_URL_ENV} and ${GITHUB_TOKEN_BEARER_ENV} are not set`,
      'Give the job `permissions: id-token: write` (GitHub Actions), or set auth.token to { file } or { env }'
    );
  }
  const url = new URL(base);
  url.searchParams.set('audience', request.audience);
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' }, signal });
  } catch (error) {
    throw new BrokerError('UNAVAILABLE', `cannot reach GitHub's OIDC token service at ${url.host}`, {
      backend: request.backend,
      operation: 'read OIDC token',
      hint: 'Check the runner can reach its token service',
      transient: true,
      cause: error,
    });
  }
  const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  if (!response.ok || typeof body?.value !== 'string' || body.value === '') {
    throw new BrokerError('MINT_FAILED', `GitHub's OIDC token service answered ${response.status} without a token`, {
      backend: request.backend,
      operation: 'read OIDC token',
      hint: 'Check the job has `permissions: id-token: write`',
      transient: response.status >= 500 || response.status === 429,
    });
  }
  return new SecretValue(body.value, `${request.backend} OIDC token`);
}

function noIdentity(request: TokenRequest, reason: string, hint: string, cause?: unknown): BrokerError {
  return new BrokerError('NO_IDENTITY', reason, {
    backend: request.backend,
    operation: 'read OIDC token',
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}
