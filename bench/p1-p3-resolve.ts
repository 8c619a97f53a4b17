import { performance } from 'node:perf_hooks';
import { type CredentialSpec, inlineCredential } from '../src/config/normalise.js';
import { createResolver } from '../src/host/resolver.js';
import { parseRef } from '../src/ref/index.js';
import { countingBackend } from './counting-backend.js';
import type { Figure } from './figure.js';

const quiet = { debug() {}, info() {}, warn() {} };

function resolverWith(latencyMs: number, concurrency?: number) {
  const counter = countingBackend(latencyMs);
  const resolver = createResolver({
    backends: {},
    baseDir: process.cwd(),
    env: {},
    egressEnabled: false,
    log: quiet,
    ...(concurrency === undefined ? {} : { concurrency }),
    factories: { file: counter.factory },
  });
  return { resolver, counter };
}

/** P1: 300 credential requests (60 names × 5 tasks) over 6 documents → fetches must equal 6. */
export async function p1(): Promise<Figure> {
  const documents = 6;
  const { resolver, counter } = resolverWith(5);
  const specs: CredentialSpec[] = [];
  for (let n = 0; n < 60; n += 1) {
    specs.push(inlineCredential(`CRED_${n}`, parseRef(`file:doc-${n % documents}.json#f${n % 10}`), 'bench'));
  }
  // Five "tasks" ask for every name, all at once, as parallel test files would.
  await Promise.all(Array.from({ length: 5 }, () => Promise.all(specs.map((s) => resolver.resolve(s)))));
  await resolver.close();
  return {
    id: 'P1',
    name: `backend fetches for 300 requests over ${documents} documents`,
    value: counter.fetches,
    unit: 'fetches',
    goal: `= ${documents}`,
    pass: counter.fetches === documents,
  };
}

/** P3: 50 refs (50 documents) at 100 ms simulated latency: total time ÷ one fetch's latency. */
export async function p3(): Promise<Figure> {
  const latency = 100;
  const { resolver } = resolverWith(latency);
  const specs = Array.from({ length: 50 }, (_, n) =>
    inlineCredential(`CRED_${n}`, parseRef(`file:secret-${n}`), 'bench')
  );
  const start = performance.now();
  await Promise.all(specs.map((s) => resolver.resolve(s)));
  const ratio = (performance.now() - start) / latency;
  await resolver.close();
  return {
    id: 'P3',
    name: '50 refs at 100 ms latency: total ÷ one fetch',
    value: Math.round(ratio * 100) / 100,
    unit: 'ratio',
    goal: '≤ 1.5',
    pass: ratio <= 1.5,
  };
}
