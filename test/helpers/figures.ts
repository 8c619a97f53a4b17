/**
 * Figures for `npm run prove` (scripts/prove.mjs). A matrix test calls {@link recordFigure} as its LAST statement,
 * so a figure exists only when every assertion before it passed; prove clears the directory before it runs the
 * tests, so a figure never outlives the run that proved it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIGURES_DIR = resolve(import.meta.dirname, '../../.tmp/figures');

/** Writes `.tmp/figures/<figure>.<part>.json`, e.g. `recordFigure('R1', 'vitest', { vectors: 29 })`. */
export function recordFigure(figure: string, part: string, data: Readonly<Record<string, number | string>>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(join(FIGURES_DIR, `${figure}.${part}.json`), `${JSON.stringify(data)}\n`);
}
