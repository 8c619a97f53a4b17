// `npm run bench`: every figure measured side by side in one run; prints a table and writes bench-results.json.
import { writeFileSync } from 'node:fs';
import type { Figure } from './figure.js';
import { p1, p3 } from './p1-p3-resolve.js';

type Bench = () => Promise<Figure | Figure[]>;

const only = process.argv.slice(2).map((id) => id.toUpperCase());
const benches: [id: string, load: () => Promise<Bench>][] = [
  ['P1', async () => p1],
  ['P2-VITEST', async () => (await import('./p2-vitest.js')).p2Vitest],
  ['P2-JEST', async () => (await import('./p2-jest.js')).p2Jest],
  ['P2-GUARD', async () => (await import('./p2-guard.js')).p2Guard],
  ['P3', async () => p3],
  ['P4', async () => (await import('./p4-scrub.js')).p4],
  ['P5', async () => (await import('./p5-worker.js')).p5],
  ['P6', async () => (await import('./p6-mint.js')).p6],
];

const figures: Figure[] = [];
for (const [id, load] of benches) {
  if (only.length > 0 && !only.some((o) => id.startsWith(o))) {
    continue;
  }
  process.stderr.write(`bench: ${id}…\n`);
  const result = await (await load())();
  figures.push(...(Array.isArray(result) ? result : [result]));
}

const rows = figures.map((f) => [
  f.id,
  f.name,
  `${f.value} ${f.unit}`,
  f.goal,
  f.verdict ?? (f.pass ? 'pass' : 'FAIL'),
]);
const header = ['id', 'figure', 'value', 'goal', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]) =>
  r
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd();
process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
writeFileSync('bench-results.json', `${JSON.stringify({ figures }, null, 2)}\n`);
process.stdout.write('bench: wrote bench-results.json\n');
