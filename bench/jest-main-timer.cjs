// Preloaded (NODE_OPTIONS=--require) into Jest's main process by bench P2-JEST-START: how long loading each of the
// preset's main-process files takes, and running the global setup and teardown, from timestamps (no profiler). Each
// line goes to $CB_BENCH_TIMER_LOG. Workers load this file too and record nothing (they load none of these files).
const Module = require('node:module');
const { appendFileSync } = require('node:fs');

const log = process.env.CB_BENCH_TIMER_LOG;
const MAIN_FILES =
  /[\\/]credential-broker[\\/]dist[\\/](jest-(?:global-setup|global-teardown|sequencer|reporter|main-runner))\.cjs$/;
const record = (step, ms) => appendFileSync(log, `${step} ${ms.toFixed(2)}\n`);

const loaded = new Set();
const load = Module._load;
Module._load = function timedLoad(request, ...rest) {
  const which = MAIN_FILES.exec(request)?.[1];
  if (which === undefined || loaded.has(which)) {
    return load.call(this, request, ...rest);
  }
  loaded.add(which);
  const start = performance.now();
  const exported = load.call(this, request, ...rest);
  record(`load ${which}`, performance.now() - start);
  if (/global-(setup|teardown)/.test(which) && typeof exported?.default === 'function') {
    const hook = exported.default;
    const timed = async function timedHook(...args) {
      const begin = performance.now();
      try {
        return await hook.apply(this, args);
      } finally {
        record(`run ${which}`, performance.now() - begin);
      }
    };
    return { __esModule: true, default: timed };
  }
  return exported;
};
