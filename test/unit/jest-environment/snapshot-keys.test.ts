import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotState } from 'jest-snapshot';
import { afterAll, describe, expect, it } from 'vitest';
import { redactSnapshotKeys } from '../../../jest-environment/snapshot-serializer.js';
import { Scrubber } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_snapkey_4b8e21';
const dir = mkdtempSync(join(tmpdir(), 'cb-snap-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scrub(): (text: string) => string {
  const s = new Scrubber();
  s.add(SECRET, 'API_TOKEN');
  return (text) => s.scrub(text);
}

// jest-snapshot's own state, as jest-circus makes it for a file: what toMatchSnapshot(hint) hands `name: hint`.
function state(file: string): SnapshotState {
  return new SnapshotState(join(dir, file), {
    rootDir: dir,
    updateSnapshot: 'new',
    snapshotFormat: { escapeString: false, printBasicPrototype: false },
  });
}

describe(redactSnapshotKeys.name, () => {
  it('writes the key of a snapshot whose hint holds a value with the label, and a harmless key as it is', () => {
    const snapshots = state('hint.snap');
    redactSnapshotKeys(snapshots, scrub());
    // Twice: the wrapping is done once per state.
    redactSnapshotKeys(snapshots, scrub());
    expect(snapshots.match({ testName: `hint: for ${SECRET}`, received: { ok: 1 }, isInline: false }).pass).toBe(true);
    expect(snapshots.match({ testName: `hint: for ${SECRET}`, received: 2, isInline: false }).pass).toBe(true);
    expect(snapshots.match({ testName: 'old: harmless-CANARY-hint', received: 'x', isInline: false }).pass).toBe(true);
    expect(snapshots.fail(`failed: ${SECRET}`, 1)).toBe('failed: [redacted:API_TOKEN] 1');
    snapshots.save();
    const written = readFileSync(join(dir, 'hint.snap'), 'utf8');
    expect(written).not.toContain(SECRET);
    expect(written).toContain('exports[`hint: for [redacted:API_TOKEN] 1`] = `\n{\n  "ok": 1,\n}\n`;');
    expect(written).toContain('exports[`hint: for [redacted:API_TOKEN] 2`] = `2`;');
    expect(written).toContain('exports[`old: harmless-CANARY-hint 1`] = `"x"`;');
  });

  it('finds a snapshot written with the label again in a later run (same key)', () => {
    const snapshots = state('hint.snap');
    redactSnapshotKeys(snapshots, scrub());
    const result = snapshots.match({ testName: `hint: for ${SECRET}`, received: { ok: 1 }, isInline: false });
    expect({ pass: result.pass, added: snapshots.added, matched: snapshots.matched }).toEqual({
      pass: true,
      added: 0,
      matched: 1,
    });
  });

  it('leaves anything that is not a snapshot state alone', () => {
    expect(() => redactSnapshotKeys(undefined, scrub())).not.toThrow();
    const notState = { match: 1 };
    redactSnapshotKeys(notState, scrub());
    expect(notState).toEqual({ match: 1 });
  });
});
