import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readOidcToken, type TokenSource } from '../../../src/login/index.js';

const TOKEN = 'CANARY_oidc_token_5e1d';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close();
  }
});

function read(source: TokenSource, env: Record<string, string | undefined> = {}, baseDir = tmpdir()) {
  return readOidcToken(source, {
    backend: 'aws-sm',
    audience: 'sts.amazonaws.com',
    ctx: { env, baseDir, signal: new AbortController().signal },
  });
}

// GitHub's token service as the Actions runtime exposes it: a URL with its own query, bearer-authenticated.
async function githubTokenService(status = 200): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? JSON.stringify({ count: 1, value: TOKEN }) : '{"message":"nope"}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/_apis/distributedtask/token?api-version=2.0`, seen };
}

describe(readOidcToken.name, () => {
  test('reads a token file relative to the config dir, trimmed, as a redacted SecretValue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-token-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const token = await read({ file: 'token' }, {}, dir);
    expect(token.reveal()).toBe(TOKEN);
    expect(String(token)).toBe('[redacted:aws-sm OIDC token]');
  });

  test('names the missing file and what to do, never anything read', async () => {
    await expect(read({ file: '/nonexistent/token' })).rejects.toThrow(
      'aws-sm: read OIDC token: cannot read the token file /nonexistent/token (ENOENT). Mount the projected token there, or point auth.token at where your platform writes it'
    );
  });

  test('reads an env var, and refuses an unset one', async () => {
    expect((await read({ env: 'CI_JOB_JWT' }, { CI_JOB_JWT: TOKEN })).reveal()).toBe(TOKEN);
    await expect(read({ env: 'CI_JOB_JWT' })).rejects.toThrow(
      "aws-sm: read OIDC token: env var CI_JOB_JWT is not set. Export the CI's OIDC token as CI_JOB_JWT"
    );
  });

  test("asks GitHub's token service for the backend's audience with the runtime's bearer token", async () => {
    const service = await githubTokenService();
    const token = await read('github', {
      ACTIONS_ID_TOKEN_REQUEST_URL: service.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'CANARY_runtime_bearer',
    });
    expect(token.reveal()).toBe(TOKEN);
    const [request] = service.seen;
    expect(request?.url).toBe('/_apis/distributedtask/token?api-version=2.0&audience=sts.amazonaws.com');
    expect(request?.headers.authorization).toBe('Bearer CANARY_runtime_bearer');
  });

  test('explains the missing id-token permission, and a refusal without echoing the answer', async () => {
    await expect(read('github')).rejects.toThrow(
      'aws-sm: read OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. Give the job `permissions: id-token: write` (GitHub Actions), or set auth.token to { file } or { env }'
    );
    const service = await githubTokenService(403);
    await expect(
      read('github', { ACTIONS_ID_TOKEN_REQUEST_URL: service.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' })
    ).rejects.toThrow(
      "aws-sm: read OIDC token: GitHub's OIDC token service answered 403 without a token. Check the job has `permissions: id-token: write`"
    );
  });
});
