import { BADGE_GLYPHS } from './classify.js';
import type { Manifest, ManifestEntry, ManifestLogin, ManifestPlace } from './manifest.js';

/** @public */
export type ManifestFormat = 'terminal' | 'markdown' | 'json';

/** @public Options of {@link renderManifest}. */
export interface RenderOptions {
  /** Use emoji badges and box characters. @default detected from LC_ALL / LC_CTYPE / LANG */
  readonly unicode?: boolean;
  /** Width to fit the terminal table into. @default {@link terminalColumns} */
  readonly columns?: number;
}

/**
 * @public The terminal's width: the TTY's own, else `COLUMNS`, else 80 (a CI log or a pipe). A table wider than this
 * is stacked, one block per credential, rather than wrapped by the terminal into an unreadable grid.
 */
export function terminalColumns(
  env: Readonly<Record<string, string | undefined>> = process.env,
  stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stderr
): number {
  if (stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0) {
    return stream.columns;
  }
  const fromEnv = Number.parseInt(env['COLUMNS'] ?? '', 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

/** @public Whether the terminal is UTF-8, by the locale variables (first one set wins, as in POSIX). */
export function isUtf8Locale(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  if (locale === '') {
    // No locale at all: modern terminals (and CI logs) are UTF-8, but a bare POSIX locale is not.
    return process.platform === 'win32' ? Boolean(env['WT_SESSION']) : env['TERM'] !== 'linux';
  }
  return /utf-?8/i.test(locale);
}

/** @public Render the manifest as a terminal table, Markdown, or JSON (schema: README "Manifest JSON"). */
export function renderManifest(manifest: Manifest, format: ManifestFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(manifest, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(manifest);
    case 'terminal':
      return renderTerminal(manifest, options.unicode ?? isUtf8Locale(), options.columns ?? terminalColumns());
  }
}

const HEADERS = ['name', 'ref', 'source', 'delivered as', 'destination', 'status'] as const;

function cells(entry: ManifestEntry, badge: (p: ManifestPlace) => string): string[] {
  return [
    entry.name,
    entry.ref,
    `${badge(entry.source)} ${entry.source.endpoint}`,
    deliveryText(entry),
    entry.destination === undefined ? '-' : `${badge(entry.destination)} ${entry.destination.endpoint}`,
    entry.status === 'resolve' ? 'resolve' : 'skipped (egress disabled)',
  ];
}

function deliveryText({ delivery }: ManifestEntry): string {
  switch (delivery.as) {
    case 'env':
      return `env ${delivery.env}`;
    case 'file':
      return `file ${delivery.file} (path in ${delivery.fileEnv})`;
    case 'both':
      return `env ${delivery.env} + file ${delivery.file} (path in ${delivery.fileEnv})`;
    case 'endpoint':
      return `per-test endpoint (${delivery.env})`;
  }
}

// "aws-sm logs in with web-identity, role … (OIDC token from GitHub Actions OIDC) → ☁️ https://…, ☁️ https://…"
function loginLines(logins: readonly ManifestLogin[], badge: (p: ManifestPlace) => string): string[] {
  if (logins.length === 0) {
    return [];
  }
  const lines = logins.map((login) => {
    const token = login.token === undefined ? '' : ` (OIDC token from ${login.token})`;
    const to = login.endpoints.map((p) => `${badge(p)} ${p.endpoint}`).join(', ');
    return `${login.backend} logs in with ${login.method}${token}${to === '' ? '' : ` → ${to}`}`;
  });
  return ['', 'logins:', ...lines.map((line) => `  ${line}`)];
}

// "AWS_CI mints AWS session credentials for … from token file …; 900 s, …; scope …; expires …"
function mintedLines(manifest: Manifest): string[] {
  const minted = manifest.credentials.filter((c) => c.minted !== undefined);
  if (minted.length === 0) {
    return [];
  }
  const lines = minted.map(({ name, minted: m }) => {
    const { what, identity, lifetime, scope, ends } = m as NonNullable<ManifestEntry['minted']>;
    return `${name}: ${what}, from ${identity}; ${lifetime}; scope: ${scope}; ${ends}`;
  });
  return ['', 'minted per test:', ...lines.map((line) => `  ${line}`)];
}

function header(manifest: Manifest): string {
  const { enabled, source } = manifest.egress;
  const egress = enabled
    ? `egress ENABLED (${source}): the credentials below will be fetched from the sources shown`
    : `egress disabled (${source}): nothing leaves this machine; network credentials are skipped`;
  return `credential-broker manifest — ${egress}`;
}

function footer(manifest: Manifest, glyph: (b: keyof typeof BADGE_GLYPHS) => string): string[] {
  const { summary } = manifest;
  const lines = [
    `${plural(summary.total, 'credential')}: ${summary.resolve} to resolve, ${summary.skipped} skipped · ` +
      `${glyph('local')} ${summary.badges.local} local, ${glyph('self-hosted')} ${summary.badges['self-hosted']} self-hosted, ` +
      `${glyph('managed-cloud')} ${summary.badges['managed-cloud']} managed-cloud`,
  ];
  for (const entry of manifest.credentials) {
    for (const p of [entry.source, entry.destination]) {
      if (p?.labelMismatch !== undefined) {
        lines.push(`! ${entry.name}: ${p.endpoint} ${p.labelMismatch}`);
      }
    }
  }
  return lines;
}

/** @internal `1 credential`, `2 credentials`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function renderTerminal(manifest: Manifest, unicode: boolean, columns: number): string {
  const glyph = (b: keyof typeof BADGE_GLYPHS) => (unicode ? BADGE_GLYPHS[b].emoji : BADGE_GLYPHS[b].ascii);
  const badge = (p: ManifestPlace) => `${glyph(p.badge)}${p.labelMismatch === undefined ? '' : '!'}`;
  const rows = [HEADERS.slice(), ...manifest.credentials.map((e) => cells(e, badge))];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - displayWidth(c)))
      .join('  ')
      .trimEnd();
  const tableWidth = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  const rule = widths.map((w) => (unicode ? '─' : '-').repeat(w)).join('  ');
  const table =
    manifest.credentials.length === 0
      ? ['(no credentials declared)']
      : tableWidth <= columns
        ? [line(HEADERS), rule, ...rows.slice(1).map(line)]
        : stacked(rows.slice(1), columns);
  const logins = [...loginLines(manifest.logins, badge), ...mintedLines(manifest)].flatMap((l) =>
    wrap(l, columns, '      ')
  );
  const text = `${[
    ...wrap(header(manifest), columns, '  '),
    '',
    ...table,
    ...logins,
    '',
    ...footer(manifest, glyph).flatMap((l) => wrap(l, columns, '  ')),
  ].join('\n')}\n`;
  // Refs and paths are the user's own text; only our punctuation needs an ASCII form.
  return unicode ? text : text.replaceAll('—', '-').replaceAll('·', '|');
}

function renderMarkdown(manifest: Manifest): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const badge = (p: ManifestPlace) =>
    `${BADGE_GLYPHS[p.badge].emoji} ${p.badge}${p.labelMismatch === undefined ? '' : ' ⚠️'}`;
  const rows = manifest.credentials.map((e) => `| ${cells(e, badge).map(esc).join(' | ')} |`);
  return `${[
    `### ${header(manifest)}`,
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map(() => ' --- ').join('|')}|`,
    ...rows,
    ...[...loginLines(manifest.logins, badge), ...mintedLines(manifest)].map((l) =>
      l.startsWith('  ') ? `- ${esc(l.trim())}` : l
    ),
    '',
    ...footer(manifest, (b) => BADGE_GLYPHS[b].emoji),
  ].join('\n')}\n`;
}

/** Too wide for a table: one block per credential, `name  status` then a labelled line per column. */
function stacked(rows: readonly string[][], columns: number): string[] {
  const labelWidth = Math.max(...HEADERS.slice(1, -1).map((h) => h.length));
  const out: string[] = [];
  for (const [i, row] of rows.entries()) {
    if (i > 0) {
      out.push('');
    }
    out.push(`${row[0]}  ${row[HEADERS.length - 1]}`);
    for (let col = 1; col < HEADERS.length - 1; col++) {
      const label = (HEADERS[col] ?? '').padEnd(labelWidth);
      out.push(...wrap(`  ${label}  ${row[col] ?? ''}`, columns, ' '.repeat(labelWidth + 6)));
    }
  }
  return out;
}

/** Word-wrap one line to `columns`, continuing with `indent`; a word longer than a line (a URL) is left whole. */
function wrap(text: string, columns: number, indent: string): string[] {
  if (displayWidth(text) <= columns) {
    return [text];
  }
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let current = lead;
  for (const word of words) {
    const candidate = current.trim() === '' ? `${current}${word}` : `${current} ${word}`;
    if (displayWidth(candidate) > columns && current.trim() !== '') {
      lines.push(current);
      current = `${indent}${word}`;
    } else {
      current = candidate;
    }
  }
  lines.push(current);
  return lines;
}

// Emoji and the variation selector: the badges are the only wide glyphs we print.
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0xfe0f) {
      continue;
    }
    width += cp >= 0x1f000 || cp === 0x2601 ? 2 : 1;
  }
  return width;
}
