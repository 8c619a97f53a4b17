// The layering of credential-broker, checked by `npm run lint:layers` (part of `npm run lint`).
// docs/architecture.md draws the same floors. A file may import its own floor and any floor below, never above;
// no circles anywhere. Every file under src/ stands on a floor: a new room must be given one here before it can
// import or be imported.
/** @type {string[][]} floors from the ground up: path prefixes relative to the repository root */
const FLOORS = [
  ['src/errors.ts', 'src/read-fully.ts'],
  ['src/ref/', 'src/scrub/', 'src/guard/', 'src/netaddr/'],
  ['src/contract/', 'src/log.ts', 'src/names.ts'],
  ['src/sdk/', 'src/codecs/', 'src/login/', 'src/docblock/', 'src/scan/', 'src/materialise/', 'src/ipc/'],
  ['src/backends/'],
  ['src/config/'],
  ['src/egress/'],
  ['src/host/', 'src/worker/'],
  ['src/ci/'],
  ['src/cli/', 'src/index.ts', 'src/testing/'],
  ['vitest-plugin/', 'jest-environment/'],
];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (paths) => `^(${paths.map(escapeRe).join('|')})`;

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `no-upward-from-floor-${i + 1}`,
  comment: `${floor.join(', ')} may import only its own floor and the ones below (see docs/architecture.md)`,
  severity: 'error',
  from: { path: anyOf(floor) },
  to: { path: anyOf(FLOORS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a loop cannot be understood, or moved, one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'worker-not-host',
      comment: 'The worker process reaches the host only over the wire (src/contract/wire.ts, src/ipc/).',
      severity: 'error',
      from: { path: '^src/worker/' },
      to: { path: '^src/(host|ci)/' },
    },
    {
      name: 'contract-types-only',
      comment: 'src/contract/ holds types; outside itself it may take types only.',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { pathNot: '^src/contract/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'codecs-no-policy',
      comment: 'A codec reads a file format; it knows no broker, backend, config or login.',
      severity: 'error',
      from: { path: '^src/codecs/' },
      to: { path: '^src/(backends|config|egress|host|worker|login|sdk|materialise|ipc)/' },
    },
    {
      name: 'login-not-backends',
      comment: 'Minting that needs a backend client lives in that backend and may use src/login/, never the reverse.',
      severity: 'error',
      from: { path: '^src/login/' },
      to: { path: '^src/backends/' },
    },
    {
      name: 'core-not-adapters',
      comment: 'src/ never imports the Vitest or Jest adapters.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(vitest-plugin|jest-environment)/' },
    },
    {
      name: 'every-room-on-a-floor',
      comment: 'A file under src/ that is on no floor escapes the layering: give its folder a floor in FLOORS.',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(FLOORS.flat()) },
      to: {},
    },
    {
      name: 'no-import-of-a-room-without-a-floor',
      comment: 'Importing a file under src/ that is on no floor escapes the layering: give its folder a floor.',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: anyOf(FLOORS.flat()) },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|fixtures|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
