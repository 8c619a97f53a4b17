import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chargePhases } from '../../../bench/p2-phases.js';

const OURS = 'file:///p/node_modules/credential-broker/dist/jest-environment.cjs';
const JEST = 'file:///p/node_modules/jest-circus/build/run.js';
const NODE = 'node:internal/fs/utils';
const TEST = 'file:///p/tests/a.test.js';

/** A profile with one stack per sample (root first), each sample 1 ms. */
function profile(stacks: readonly (readonly [name: string, url: string][])[]): object {
  const nodes: { id: number; callFrame: { functionName: string; url: string }; children: number[] }[] = [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [] },
  ];
  const samples = stacks.map((stack) => {
    let parent = nodes[0];
    for (const [functionName, url] of stack) {
      const id = nodes.length + 1;
      const node = { id, callFrame: { functionName, url }, children: [] };
      parent?.children.push(id);
      nodes.push(node);
      parent = node;
    }
    return parent?.id ?? 1;
  });
  // timeDeltas[i + 1] is the time sample i stood for (as V8 writes them).
  return { nodes, samples, timeDeltas: [0, ...samples.map(() => 1000)] };
}

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function charge(stacks: Parameters<typeof profile>[0]): Record<string, number> {
  dir = mkdtempSync(join(tmpdir(), 'cb-phases-'));
  writeFileSync(join(dir, 'a.cpuprofile'), JSON.stringify(profile(stacks)));
  return Object.fromEntries(
    chargePhases(dir, [
      ['materialise', ['deliver']],
      ['scrubbing', ['scrub']],
    ])
  );
}

describe('the P2 breakdown charges a sample to the broker only when the broker is the innermost package', () => {
  it("charges Node's own frames under a broker function to that function's phase", () => {
    expect(
      charge([
        [
          ['run', JEST],
          ['deliver', OURS],
          ['helper', OURS],
          ['writeSync', NODE],
        ],
      ])
    ).toEqual({ materialise: 1 });
  });

  it("leaves the runner's work that a broker wrapper calls into to the runner", () => {
    expect(
      charge([
        [
          ['deliver', OURS],
          ['callAsyncCircusFn', JEST],
          ['test', TEST],
        ],
      ])
    ).toEqual({});
  });

  it('charges a broker frame called from the runner, under a mapped one, to the innermost mapped phase', () => {
    expect(
      charge([
        [
          ['deliver', OURS],
          ['dispatch', JEST],
          ['scrub', OURS],
          ['helper', OURS],
        ],
        [
          ['run', JEST],
          ['unmapped', OURS],
        ],
        [['(garbage collector)', '']],
      ])
    ).toEqual({ scrubbing: 1, 'other (ours: module init, helpers)': 1 });
  });
});
