import { describe, expect, it } from 'vitest';
import type { VaultEnvelope } from '../../../../src/backends/vault/client.js';
import { MountTable, readPath } from '../../../../src/backends/vault/mounts.js';
import { parseRef } from '../../../../src/ref/index.js';
import type { VaultRef } from '../../../../src/ref/types.js';

const ref = (text: string) => parseRef(text) as VaultRef;
const answer = (data: Record<string, unknown>): VaultEnvelope => ({ data });

describe(MountTable.name, () => {
  it('asks once per mount, even for concurrent refs, and reads the answer as the vault CLI does', async () => {
    const table = new MountTable('auto');
    const asked: string[] = [];
    const detect = async (path: string) => {
      asked.push(path);
      return answer({ path: 'secret/', type: 'kv', options: { version: '2' } });
    };
    const mounts = await Promise.all([
      table.mountOf(ref('vault:secret/a'), detect),
      table.mountOf(ref('vault:secret/b/c'), detect),
    ]);
    await table.mountOf(ref('vault:secret/d'), detect);
    expect(asked).toEqual(['secret/a']);
    expect(mounts).toEqual([
      { path: 'secret/', kind: 'kv2', detected: true },
      { path: 'secret/', kind: 'kv2', detected: true },
    ]);
  });

  it.each([
    [{ path: 'kv/', type: 'kv', options: null }, 'kv1'],
    [{ path: 'kv/', type: 'kv', options: { version: '1' } }, 'kv1'],
    [{ path: 'kv/', type: 'generic' }, 'kv1'],
    [{ path: 'kv/', type: 'database' }, 'other'],
  ])('reads %j as %s', async (data, kind) => {
    const mount = await new MountTable('auto').mountOf(ref('vault:kv/x'), async () => answer(data));
    expect(mount.kind).toBe(kind);
  });

  it('takes a 404 preflight (Vault before 0.10) as KV v1, and a failed one as nothing learnt', async () => {
    const table = new MountTable('auto');
    expect(await table.mountOf(ref('vault:old/x'), async () => undefined)).toEqual({
      path: 'old/',
      kind: 'kv1',
      detected: true,
    });
    const failing = async () => Promise.reject(new Error('refused'));
    await expect(table.mountOf(ref('vault:new/x'), failing)).rejects.toThrow('refused');
    let asked = 0;
    await table.mountOf(ref('vault:new/x'), async () => {
      asked += 1;
      return answer({ path: 'new/', type: 'kv' });
    });
    expect(asked).toBe(1);
  });

  it('asks nothing when kvVersion is fixed', async () => {
    const never = () => Promise.reject(new Error('asked'));
    expect(await new MountTable(2).mountOf(ref('vault:secret/x'), never)).toEqual({
      path: 'secret/',
      kind: 'kv2',
      detected: false,
    });
  });
});

describe(readPath.name, () => {
  it('inserts data/ after the mount for KV v2 only, nested mounts included', () => {
    expect(readPath(ref('vault:team/kv/app/db'), { path: 'team/kv/', kind: 'kv2', detected: true })).toBe(
      'team/kv/data/app/db'
    );
    expect(readPath(ref('vault:kv/app'), { path: 'kv/', kind: 'kv1', detected: true })).toBe('kv/app');
    expect(readPath(ref('vault:database/creds/ro'), { path: 'database/', kind: 'other', detected: true })).toBe(
      'database/creds/ro'
    );
  });
});
