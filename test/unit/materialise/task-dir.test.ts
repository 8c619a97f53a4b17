import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScratchRoot, openTaskDir, type ScratchRoot, type TaskDir } from '../../../src/materialise/index.js';

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

let base: string;
let outside: string;
let root: ScratchRoot;
let task: TaskDir;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'cb-task-base-')));
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'cb-task-outside-')));
  root = createScratchRoot({ baseDir: base, projectDir: outside, installHandlers: false });
  task = root.createTask('task');
});

afterEach(() => {
  root.wipeSync();
  rmSync(base, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('TaskDir.writeFile', () => {
  it('creates a 0600 file with the value and returns its absolute path', () => {
    const path = task.writeFile('KUBECONFIG', 'CANARY_kubeconfig\n');
    expect(path).toBe(join(task.path, 'KUBECONFIG'));
    expect(mode(path)).toBe('600');
    expect(readFileSync(path, 'utf8')).toBe('CANARY_kubeconfig\n');
    const bytes = task.writeFile('key.bin', new Uint8Array([0, 255, 1]));
    expect([...readFileSync(bytes)]).toEqual([0, 255, 1]);
  });

  it('does not follow a symbolic link planted at the target path, and leaves its target untouched', () => {
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'ORIGINAL', { mode: 0o644 });
    const planted = join(task.path, 'TOKEN');
    symlinkSync(victim, planted);

    expect(() => task.writeFile('TOKEN', 'CANARY_symlink')).toThrow(
      `materialise: write file: ${planted} is a symbolic link; refusing to follow it. Something planted a link in the private scratch directory: check which processes can write there`
    );
    expect(readFileSync(victim, 'utf8')).toBe('ORIGINAL');
    expect(mode(victim)).toBe('644');
    expect(readlinkSync(planted)).toBe(victim);
  });

  it('does not create the target of a dangling symbolic link', () => {
    const wouldBeCreated = join(outside, 'created-through-link');
    const planted = join(task.path, 'TOKEN');
    symlinkSync(wouldBeCreated, planted);
    expect(() => task.writeFile('TOKEN', 'CANARY_dangling')).toThrow(
      `materialise: write file: ${planted} is a symbolic link; refusing to follow it. Something planted a link in the private scratch directory: check which processes can write there`
    );
    expect(existsSync(wouldBeCreated)).toBe(false);
  });

  it('refuses to overwrite an existing file', () => {
    const path = task.writeFile('TOKEN', 'CANARY_first');
    expect(() => task.writeFile('TOKEN', 'CANARY_second')).toThrow(
      `materialise: write file: ${path} already exists; refusing to overwrite it. Write each file name once per task`
    );
    expect(readFileSync(path, 'utf8')).toBe('CANARY_first');
  });

  it.each([
    ['', 'it is empty'],
    ['.', 'it contains "." or ".." path syntax'],
    ['..', 'it contains "." or ".." path syntax'],
    ['a..b', 'it contains "." or ".." path syntax'],
    ['../escape', 'it contains a path separator'],
    ['dir/file', 'it contains a path separator'],
    ['dir\\file', 'it contains a path separator'],
    ['nul\0byte', 'it contains a NUL byte'],
    ['x'.repeat(256), 'it is longer than 255 bytes'],
  ])('refuses the file name %j', (name, problem) => {
    expect(() => task.writeFile(name, 'CANARY_name')).toThrow(
      `materialise: write file: invalid file name ${JSON.stringify(name)}: ${problem}. Use a plain file name such as KUBECONFIG or db-url.txt`
    );
    expect(readdirSync(task.path)).toEqual([]);
  });

  it('refuses to write after the task directory was wiped', () => {
    task.wipeSync();
    expect(() => task.writeFile('TOKEN', 'CANARY_late')).toThrow(
      `materialise: write file: task directory ${task.path} was already wiped. Create a new task directory for each task`
    );
  });
});

describe('TaskDir.wipe', () => {
  it('overwrites each file with zeros of the same length before unlinking it', async () => {
    const path = task.writeFile('TOKEN', 'CANARY_overwritten_value');
    // A descriptor open on the inode shows what the wipe did to the data (a hard link would make it skip the zeros).
    const witness = openSync(path, 'r');
    try {
      await task.wipe();
      const data = Buffer.alloc('CANARY_overwritten_value'.length, 1);
      readSync(witness, data, 0, data.length, 0);
      expect(data).toEqual(Buffer.alloc('CANARY_overwritten_value'.length));
    } finally {
      closeSync(witness);
    }
    expect(existsSync(task.path)).toBe(false);
    expect(task.wiped).toBe(true);
    expect(readdirSync(root.path)).toEqual(['.owner.json']);
  });

  it("unlinks a hard link to the user's file without zeroing the file, also one put in place of a credential", () => {
    const precious = join(outside, 'precious-hard');
    writeFileSync(precious, 'ORIGINAL');
    const path = task.writeFile('TOKEN', 'CANARY_replaced_by_a_link');
    rmSync(path);
    linkSync(precious, path);
    linkSync(precious, join(task.path, 'planted'));

    task.wipeSync();

    expect(existsSync(task.path)).toBe(false);
    expect(readFileSync(precious, 'utf8')).toBe('ORIGINAL');
    expect(statSync(precious).nlink).toBe(1);
  });

  it('removes links and nested directories without following links', () => {
    writeFileSync(join(outside, 'precious'), 'ORIGINAL');
    mkdirSync(join(outside, 'precious-dir'));
    writeFileSync(join(outside, 'precious-dir', 'inner'), 'ORIGINAL');
    symlinkSync(join(outside, 'precious'), join(task.path, 'link-to-file'));
    symlinkSync(join(outside, 'precious-dir'), join(task.path, 'link-to-dir'));
    mkdirSync(join(task.path, 'nested', 'deeper'), { recursive: true });
    writeFileSync(join(task.path, 'nested', 'deeper', 'file'), 'CANARY_nested');

    task.wipeSync();

    expect(existsSync(task.path)).toBe(false);
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('ORIGINAL');
    expect(readFileSync(join(outside, 'precious-dir', 'inner'), 'utf8')).toBe('ORIGINAL');
  });

  it('is idempotent, also after the directory vanished, and works through using', () => {
    rmSync(task.path, { recursive: true });
    task.wipeSync();
    task.wipeSync();
    expect(task.wiped).toBe(true);
    let path = '';
    {
      using scoped = root.createTask('scoped');
      path = scoped.writeFile('TOKEN', 'CANARY_using');
      expect(existsSync(path)).toBe(true);
    }
    expect(existsSync(path)).toBe(false);
  });
});

describe(openTaskDir.name, () => {
  it('creates a 0700 task directory inside a scratch root known by its path', () => {
    const opened = openTaskDir(root.path, 'worker test');
    expect(opened.path).toMatch(new RegExp(`^${root.path}/worker-test-[0-9a-f]{8}$`));
    expect(mode(opened.path)).toBe('700');
    expect(mode(opened.writeFile('TOKEN', 'CANARY_worker'))).toBe('600');
    opened.wipeSync();
    expect(existsSync(opened.path)).toBe(false);
  });

  it('refuses a path that is not a private scratch root', () => {
    const message = (path: string, problem: string) =>
      `materialise: open task directory: ${path} is not a scratch root: ${problem}. Pass the path of a scratch root created by createScratchRoot in this run`;
    const link = join(base, 'credential-broker-1-aa');
    symlinkSync(root.path, link);
    const open = join(base, 'credential-broker-1-bb');
    mkdirSync(open);
    chmodSync(open, 0o755);
    const missing = join(base, 'credential-broker-1-cc');
    const cases = [
      ['relative/credential-broker-1-aa', 'the path is not absolute'],
      [outside, 'its name does not match credential-broker-<pid>-<hex>'],
      [link, 'it is a symbolic link'],
      [open, 'its mode is 0755, not 0700'],
      [missing, 'it does not exist (already wiped?)'],
    ] as const;
    for (const [path, problem] of cases) {
      expect(() => openTaskDir(path, 't')).toThrow(message(path, problem));
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(open)).toEqual([]);
  });
});
