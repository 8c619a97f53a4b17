import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestTls, type TestTls } from '../../../src/testing/tls.js';

let tls: TestTls | undefined;
afterEach(async () => {
  await tls?.dispose();
  tls = undefined;
});

/** Opens a real TLS connection that trusts only `ca`, and reports whether the handshake verified. */
async function handshake(t: TestTls, servername: string): Promise<{ authorized: boolean; error?: string }> {
  const server = createServer({ cert: t.cert, key: t.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: t.ca, servername, rejectUnauthorized: true }, () => {
        socket.end();
        resolve({ authorized: socket.authorized });
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve({ authorized: false, error: e.code ?? e.message }));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

describe('createTestTls (in-process, no openssl)', () => {
  test('the leaf is signed by the CA, labelled TEST ONLY, valid for localhost and 127.0.0.1, for about a day', async () => {
    tls = await createTestTls();
    const ca = new X509Certificate(tls.ca);
    const leaf = new X509Certificate(tls.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('TEST ONLY');
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    const lifetime = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
    expect(lifetime).toBeLessThanOrEqual(2 * 86_400_000);
    expect(await readFile(tls.caFile, 'utf8')).toBe(tls.ca);
  });

  test('a real TLS client that trusts only the CA verifies the server; another CA is refused', async () => {
    tls = await createTestTls();
    expect(await handshake(tls, 'localhost')).toEqual({ authorized: true });
    const other = await createTestTls();
    try {
      const mixed = { ...tls, ca: other.ca };
      expect((await handshake(mixed, 'localhost')).error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await other.dispose();
    }
  });

  test('wildcard hosts (the Azure production path) match one label and nothing else', async () => {
    tls = await createTestTls({ hosts: ['*.vault.azure.net'] });
    expect(await handshake(tls, 'kv.vault.azure.net')).toEqual({ authorized: true });
    expect((await handshake(tls, 'localhost')).error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('dispose removes the CA file', async () => {
    const t = await createTestTls();
    await t.dispose();
    await expect(readFile(t.caFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
