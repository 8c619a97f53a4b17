import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchBaseCandidates } from '../../../src/materialise/base-dir.js';
import { installedCleanupCount } from '../../../src/materialise/cleanup-handlers.js';
import { createScratchRoot, type ScratchRoot } from '../../../src/materialise/index.js';
import { childEnv, spawnChild } from './children/spawn-child.js';

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

let base: string;
let project: string;
const created: ScratchRoot[] = [];

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'cb-root-base-')));
  project = realpathSync(mkdtempSync(join(tmpdir(), 'cb-root-project-')));
});

afterEach(() => {
  for (const root of created.splice(0)) {
    root.wipeSync();
  }
  rmSync(base, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

function create(options: Parameters<typeof createScratchRoot>[0]): ScratchRoot {
  const root = createScratchRoot(options);
  created.push(root);
  return root;
}

describe(scratchBaseCandidates.name, () => {
  it('prefers XDG_RUNTIME_DIR, then /dev/shm, then the temp dir from TMPDIR, TMP, TEMP or /tmp', () => {
    const order = (env: Record<string, string>) => scratchBaseCandidates(env).map((c) => `${c.source}=${c.path}`);
    expect(order({ XDG_RUNTIME_DIR: '/run/user/7', TMPDIR: '/var/tmp/' })).toEqual([
      'XDG_RUNTIME_DIR=/run/user/7',
      '/dev/shm=/dev/shm',
      'TMPDIR=/var/tmp',
    ]);
    expect(order({ XDG_RUNTIME_DIR: 'relative/run', TMP: '/t' })).toEqual(['/dev/shm=/dev/shm', 'TMP=/t']);
    expect(order({ TEMP: '/e' })).toEqual(['/dev/shm=/dev/shm', 'TEMP=/e']);
    expect(order({})).toEqual(['/dev/shm=/dev/shm', 'os.tmpdir()=/tmp']);
  });
});

describe(createScratchRoot.name, () => {
  it('creates a 0700 root named credential-broker-<pid>-<hex> under XDG_RUNTIME_DIR, with an owner record', () => {
    const root = create({ env: { XDG_RUNTIME_DIR: base }, projectDir: project });

    expect(root.base).toEqual({ path: base, source: 'XDG_RUNTIME_DIR' });
    expect(basename(root.path)).toMatch(new RegExp(`^credential-broker-${process.pid}-[0-9a-f]{12}$`));
    expect(readdirSync(base)).toEqual([basename(root.path)]);
    expect(mode(root.path)).toBe('700');
    expect(mode(join(root.path, '.owner.json'))).toBe('600');
    const record = JSON.parse(readFileSync(join(root.path, '.owner.json'), 'utf8'));
    expect(record).toEqual({
      version: 1,
      pid: process.pid,
      hostname: hostname(),
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ...(existsSync('/proc/self/stat') ? { startTicks: expect.stringMatching(/^\d+$/) } : {}),
    });
  });

  it('skips an XDG_RUNTIME_DIR that others can write', () => {
    chmodSync(base, 0o770);
    const root = create({ env: { XDG_RUNTIME_DIR: base }, projectDir: project });
    expect(root.base.source).not.toBe('XDG_RUNTIME_DIR');
    expect(root.path.startsWith(`${base}/`)).toBe(false);
  });

  it('creates 0700 task directories named from the sanitised task id', () => {
    const root = create({ baseDir: base, projectDir: project });
    const task = root.createTask('suite › reads ../../etc/passwd');
    expect(task.taskId).toBe('suite › reads ../../etc/passwd');
    expect(task.path.startsWith(`${root.path}/`)).toBe(true);
    expect(basename(task.path)).toMatch(/^suite-reads-.-.-etc-passwd-[0-9a-f]{8}$/);
    expect(mode(task.path)).toBe('700');
    expect(basename(root.createTask('...').path)).toMatch(/^task-[0-9a-f]{8}$/);
  });

  it('refuses an XDG_RUNTIME_DIR inside the project directory', () => {
    const inside = join(project, '.run');
    mkdirSync(inside, { mode: 0o700 });
    expect(() => createScratchRoot({ env: { XDG_RUNTIME_DIR: inside }, projectDir: project })).toThrow(
      `materialise: create scratch root: base directory ${inside} (from XDG_RUNTIME_DIR) is inside the project directory ${project}; scratch files hold plaintext secrets and must never be written into the project. Point XDG_RUNTIME_DIR outside the project directory, or unset it`
    );
    expect(readdirSync(inside)).toEqual([]);
  });

  it('refuses a base directory that reaches into the project through symbolic links', () => {
    const inside = join(project, 'tmp');
    mkdirSync(inside, { mode: 0o700 });
    const linkToBase = join(base, 'looks-outside');
    symlinkSync(inside, linkToBase);
    const linkToProject = join(base, 'project-link');
    symlinkSync(project, linkToProject);
    expect(() => createScratchRoot({ baseDir: linkToBase, projectDir: linkToProject })).toThrow(
      `materialise: create scratch root: base directory ${inside} (from baseDir option) is inside the project directory ${project}; scratch files hold plaintext secrets and must never be written into the project. Choose a base directory outside the project directory`
    );
    expect(readdirSync(inside)).toEqual([]);
  });

  it('refuses the project directory itself as the base', () => {
    expect(() => createScratchRoot({ baseDir: project, projectDir: project })).toThrow(
      `materialise: create scratch root: base directory ${project} (from baseDir option) is inside the project directory ${project}; scratch files hold plaintext secrets and must never be written into the project. Choose a base directory outside the project directory`
    );
  });

  it('refuses a base directory that is missing, or writable by others without the sticky bit', () => {
    const missing = join(base, 'missing');
    expect(() => createScratchRoot({ baseDir: missing, projectDir: project })).toThrow(
      `materialise: create scratch root: base directory ${missing} is unusable: ENOENT. Pass an existing directory that only you can write, or a sticky shared one such as /tmp`
    );
    chmodSync(base, 0o777);
    expect(() => createScratchRoot({ baseDir: base, projectDir: project })).toThrow(
      `materialise: create scratch root: base directory ${base} is unusable: writable by group or others without the sticky bit. Pass an existing directory that only you can write, or a sticky shared one such as /tmp`
    );
    chmodSync(base, 0o1777);
    expect(create({ baseDir: base, projectDir: project }).base).toEqual({ path: base, source: 'baseDir option' });
  });

  it('wipes idempotently, uninstalls its cleanup handler, and refuses new tasks afterwards', async () => {
    const before = installedCleanupCount();
    const root = create({ baseDir: base, projectDir: project });
    expect(installedCleanupCount()).toBe(before + 1);
    const task = root.createTask('t');
    task.writeFile('TOKEN', 'CANARY_root_wipe');

    await root.wipe();
    await root.wipe();
    root.wipeSync();

    expect([root.wiped, task.wiped]).toEqual([true, true]);
    expect(readdirSync(base)).toEqual([]);
    expect(installedCleanupCount()).toBe(before);
    expect(() => root.createTask('late')).toThrow(
      `materialise: create task directory: scratch root ${root.path} was already wiped. Create a new scratch root for a new run`
    );
  });

  it('is disposable with await using', async () => {
    let path = '';
    {
      await using root = createScratchRoot({ baseDir: base, projectDir: project });
      path = root.createTask('t').writeFile('TOKEN', 'CANARY_dispose');
      expect(existsSync(path)).toBe(true);
    }
    expect(readdirSync(base)).toEqual([]);
  });

  it('keeps its files when asked, says so loudly, and installs no wipe', async () => {
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (message: string) => warnings.push(message) };
    const before = installedCleanupCount();
    const root = createScratchRoot({
      baseDir: base,
      projectDir: project,
      env: { CREDENTIAL_BROKER_KEEP_FILES: '1' },
      log,
    });
    const file = root.createTask('t').writeFile('TOKEN', 'CANARY_keep');
    await root.wipe();

    expect(root.keep).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('CANARY_keep');
    expect(installedCleanupCount()).toBe(before);
    expect(warnings).toEqual([
      `credential-broker: keeping scratch files in ${root.path} (CREDENTIAL_BROKER_KEEP_FILES=1 or keep: true). They hold plaintext secrets: delete the directory when done; a sweep removes it once this process has exited.`,
    ]);
    expect(createScratchRoot({ baseDir: base, projectDir: project, env: {}, installHandlers: false }).keep).toBe(false);
  });

  it('creates 0700 directories and 0600 files even under a umask that strips owner bits', async () => {
    const child = spawnChild('umask-write.mjs', [base, '377'], { cwd: project, env: childEnv({}) });
    expect(JSON.parse(await child.nextLine())).toEqual({ root: '700', task: '700', file: '600' });
    expect((await child.exited).code).toBe(0);
    expect(readdirSync(base)).toEqual([]);
  });
});
