/**
 * Behind HTTP(S)_PROXY the guard judges the CONNECT target, not the proxy: a real proxy listener on 127.0.0.1 (the
 * allowed address) receives nothing for a refused target, and the tunnel request for an allowed one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsMark, findingsSince, holdCredentials, installGuard } from '../../../src/guard/index.js';
import { requestTarget } from '../../../src/guard/proxy.js';

describe('requestTarget', () => {
  it.each([
    ['CONNECT 127.0.0.2:443 HTTP/1.1\r\nHost: x\r\n\r\n', { host: '127.0.0.2', port: 443 }],
    ['CONNECT [::1]:8443 HTTP/1.1\r\n\r\n', { host: '::1', port: 8443 }],
    ['GET http://api.example.com/v1 HTTP/1.1\r\n\r\n', { host: 'api.example.com', port: 80 }],
    ['POST https://api.example.com:8443/ HTTP/1.1\r\n\r\n', { host: 'api.example.com', port: 8443 }],
    ['GET / HTTP/1.1\r\n\r\n', undefined],
  ])('%j', (line, expected) => {
    expect(requestTarget(Buffer.from(line))).toEqual(expected);
  });
});

describe('through a proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-guard-proxy-'));
  let proxy: net.Server;
  let received: string[];
  beforeAll(async () => {
    received = [];
    proxy = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        received.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
        socket.end('HTTP/1.1 200 Connection established\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;
    process.env['HTTPS_PROXY'] = `http://127.0.0.1:${port}`;
    installGuard({
      mode: 'strict',
      egress: true,
      allow: ['127.0.0.1'],
      destinations: { TOKEN: ['https://api.example.test'] },
      findings: join(dir, 'findings.jsonl'),
    });
  });
  afterAll(() => {
    delete process.env['HTTPS_PROXY'];
    proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function tunnel(target: string): Promise<string> {
    const port = (proxy.address() as AddressInfo).port;
    return new Promise((resolve) => {
      http
        .request({ host: '127.0.0.1', port, method: 'CONNECT', path: target, agent: false })
        .on('connect', (res, socket) => {
          socket.destroy();
          resolve(String(res.statusCode));
        })
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
        .end();
    });
  }

  it('refuses a CONNECT to an undeclared target without sending it, and names it', async () => {
    const unhold = holdCredentials(['TOKEN'], 'proxy test');
    const mark = findingsMark();
    try {
      expect(await tunnel('127.0.0.2:443')).toBe('CREDENTIAL_BROKER_EGRESS_REFUSED');
    } finally {
      unhold();
    }
    expect(received).toEqual([]);
    expect(findingsSince(mark)).toEqual([
      { test: 'proxy test', names: ['TOKEN'], host: '127.0.0.2', port: 443, via: 'proxy', refused: true },
    ]);
  });

  it('lets a CONNECT to the declared destination through the proxy', async () => {
    const unhold = holdCredentials(['TOKEN'], 'proxy test');
    try {
      expect(await tunnel('api.example.test:443')).toBe('200');
    } finally {
      unhold();
    }
    expect(received).toEqual(['CONNECT api.example.test:443 HTTP/1.1']);
  });
});
