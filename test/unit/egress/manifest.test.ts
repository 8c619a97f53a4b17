import { describe, expect, it } from 'vitest';
import type { CredentialSpec } from '../../../src/config/normalise.js';
import { inlineCredential } from '../../../src/config/normalise.js';
import { buildManifest } from '../../../src/egress/manifest.js';
import { isUtf8Locale, renderManifest, terminalColumns } from '../../../src/egress/render.js';
import { parseRef } from '../../../src/ref/index.js';

const specs: CredentialSpec[] = [
  inlineCredential('API_TOKEN', parseRef('env:SOURCE_TOKEN'), 'config'),
  {
    ...inlineCredential('KUBECONFIG', parseRef('gcp-sm://my-project/kube'), 'config'),
    delivery: 'file',
    fileName: 'kubeconfig',
  },
  {
    ...inlineCredential('DATABASE_URL', parseRef('vault:secret/db#url'), 'config'),
    delivery: 'both',
    destination: { url: 'postgres://10.1.2.3:5432', label: 'managed-cloud' },
  },
];

const input = (enabled: boolean) => ({
  credentials: specs,
  backends: { vault: { address: 'https://vault.internal:8200', label: 'local' as const } },
  egress: { enabled, source: enabled ? ('flag' as const) : ('default' as const) },
  env: {},
  baseDir: '/project',
});

describe(buildManifest.name, () => {
  it('badges every source and destination from its endpoint and flags contradicting labels', () => {
    const manifest = buildManifest(input(false));
    expect(manifest.credentials.map((c) => [c.name, c.badge, c.status, c.network])).toEqual([
      ['API_TOKEN', 'local', 'resolve', false],
      ['KUBECONFIG', 'managed-cloud', 'skipped-egress-disabled', true],
      ['DATABASE_URL', 'self-hosted', 'skipped-egress-disabled', true],
    ]);
    const db = manifest.credentials[2];
    expect(db?.source).toEqual({
      endpoint: 'https://vault.internal:8200',
      badge: 'self-hosted',
      why: 'private name (.internal)',
      label: 'local',
      labelMismatch: 'labelled "local" but the endpoint is self-hosted (private name (.internal))',
    });
    expect(db?.destination?.badge).toBe('self-hosted');
    expect(db?.destination?.labelMismatch).toBe(
      'labelled "managed-cloud" but the endpoint is self-hosted (private address (RFC 1918))'
    );
    expect(db?.delivery).toEqual({
      as: 'both',
      env: 'DATABASE_URL',
      fileEnv: 'DATABASE_URL_FILE',
      file: 'DATABASE_URL',
    });
    expect(db?.reason).toBe(
      'credential-broker: DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it'
    );
    expect(manifest.summary).toEqual({
      total: 3,
      resolve: 1,
      skipped: 2,
      badges: { local: 1, 'self-hosted': 1, 'managed-cloud': 1 },
      labelMismatches: 1,
    });
  });

  it('marks everything to resolve when egress is on', () => {
    const manifest = buildManifest(input(true));
    expect(manifest.credentials.every((c) => c.status === 'resolve' && c.reason === undefined)).toBe(true);
    expect(manifest.egress).toEqual({ enabled: true, source: 'flag' });
  });
});

describe(renderManifest.name, () => {
  it('renders a terminal table with emoji badges', () => {
    expect(
      renderManifest(buildManifest(input(false)), 'terminal', { unicode: true, columns: 300 })
    ).toMatchInlineSnapshot(`
      "credential-broker manifest — egress disabled (default): nothing leaves this machine; network credentials are skipped

      name          ref                     source                                   delivered as                                                      destination                   status
      ────────────  ──────────────────────  ───────────────────────────────────────  ────────────────────────────────────────────────────────────────  ────────────────────────────  ─────────────────────────
      API_TOKEN     env:SOURCE_TOKEN        🔒 env:SOURCE_TOKEN                      env API_TOKEN                                                     -                             resolve
      KUBECONFIG    gcp-sm:my-project/kube  ☁️ https://secretmanager.googleapis.com  file kubeconfig (path in KUBECONFIG)                              -                             skipped (egress disabled)
      DATABASE_URL  vault:secret/db#url     🏠! https://vault.internal:8200          env DATABASE_URL + file DATABASE_URL (path in DATABASE_URL_FILE)  🏠! postgres://10.1.2.3:5432  skipped (egress disabled)

      3 credentials: 1 to resolve, 2 skipped · 🔒 1 local, 🏠 1 self-hosted, ☁️ 1 managed-cloud
      ! DATABASE_URL: https://vault.internal:8200 labelled "local" but the endpoint is self-hosted (private name (.internal))
      ! DATABASE_URL: postgres://10.1.2.3:5432 labelled "managed-cloud" but the endpoint is self-hosted (private address (RFC 1918))
      "
    `);
  });

  it('stacks one block per credential when the table is wider than the terminal', () => {
    const text = renderManifest(buildManifest(input(false)), 'terminal', { unicode: true, columns: 80 });
    expect(Math.max(...text.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(text).toMatchInlineSnapshot(`
      "credential-broker manifest — egress disabled (default): nothing leaves this
        machine; network credentials are skipped

      API_TOKEN  resolve
        ref           env:SOURCE_TOKEN
        source        🔒 env:SOURCE_TOKEN
        delivered as  env API_TOKEN
        destination   -

      KUBECONFIG  skipped (egress disabled)
        ref           gcp-sm:my-project/kube
        source        ☁️ https://secretmanager.googleapis.com
        delivered as  file kubeconfig (path in KUBECONFIG)
        destination   -

      DATABASE_URL  skipped (egress disabled)
        ref           vault:secret/db#url
        source        🏠! https://vault.internal:8200
        delivered as  env DATABASE_URL + file DATABASE_URL (path in DATABASE_URL_FILE)
        destination   🏠! postgres://10.1.2.3:5432

      3 credentials: 1 to resolve, 2 skipped · 🔒 1 local, 🏠 1 self-hosted, ☁️ 1
        managed-cloud
      ! DATABASE_URL: https://vault.internal:8200 labelled "local" but the endpoint is
        self-hosted (private name (.internal))
      ! DATABASE_URL: postgres://10.1.2.3:5432 labelled "managed-cloud" but the
        endpoint is self-hosted (private address (RFC 1918))
      "
    `);
  });

  it('says "1 credential", and finds the width from the TTY, then COLUMNS, then 80', () => {
    const one = buildManifest({ ...input(false), credentials: specs.slice(0, 1) });
    expect(renderManifest(one, 'terminal', { unicode: true })).toContain('1 credential: 1 to resolve');
    expect(terminalColumns({ COLUMNS: '120' }, { isTTY: true, columns: 100 })).toBe(100);
    expect(terminalColumns({ COLUMNS: '120' }, { isTTY: false })).toBe(120);
    expect(terminalColumns({}, {})).toBe(80);
  });

  it('falls back to plain ASCII when the locale is not UTF-8', () => {
    const text = renderManifest(buildManifest(input(false)), 'terminal', { unicode: false });
    expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true);
    expect(text).toContain('[managed-cloud] https://secretmanager.googleapis.com');
    expect(isUtf8Locale({ LANG: 'C' })).toBe(false);
    expect(isUtf8Locale({ LC_ALL: 'en_US.UTF-8', LANG: 'C' })).toBe(true);
  });

  it('renders Markdown and JSON', () => {
    const manifest = buildManifest(input(false));
    const markdown = renderManifest(manifest, 'markdown');
    expect(markdown).toContain('| name | ref | source | delivered as | destination | status |');
    expect(markdown).toContain(
      '| API_TOKEN | env:SOURCE_TOKEN | 🔒 local env:SOURCE_TOKEN | env API_TOKEN | - | resolve |'
    );
    const json = JSON.parse(renderManifest(manifest, 'json'));
    expect(json.egress).toEqual({ enabled: false, source: 'default' });
    expect(json.credentials[0]).toMatchObject({
      name: 'API_TOKEN',
      ref: 'env:SOURCE_TOKEN',
      badge: 'local',
      status: 'resolve',
    });
  });
});
