import { relative, resolve } from 'node:path';
import type {
  Reporter,
  SerializedError,
  TestCase,
  TestModule,
  TestSpecification,
  TestSuite,
  Vitest,
} from 'vitest/node';
import { addSkipMessagesToFile, type SkipReasons, testcaseKey } from '../src/ci/junit-skips.js';
import { isBrokerError } from '../src/errors.js';
import { type BrokerSession, scrubProcessOutput } from '../src/host/index.js';
import { RunBaseline } from '../src/scan/index.js';
import { type Scrubber, scrubDeep } from '../src/scrub/index.js';
import { coverageDirectory } from './ci.js';
import type { BrokerHost } from './host.js';
import { renderSkipSummary, type SkippedTest, skipNote } from './skip-summary.js';
import { auditWrittenFiles, renderLeaks, type WrittenFile } from './snapshot-audit.js';

type ConsoleLog = Parameters<NonNullable<Reporter['onUserConsoleLog']>>[0];
type Annotation = Parameters<NonNullable<Reporter['onTestCaseAnnotate']>>[1];
type Artifact = Parameters<NonNullable<Reporter['onTestCaseArtifactRecord']>>[1];
type RunnerTask = import('vitest').RunnerTask;
type TaskUpdate = readonly import('vitest').RunnerTaskResultPack[];

/**
 * A mistake the user can fix (a docblock typo, a bad `configFile`, no config): one message naming the file, the line
 * and the fix, then the run stops before any test — not a Vitest "Unhandled Error" with a stack of our internals.
 * Anything else is ours and keeps its stack. In watch mode the watcher stays up: fixing the file reruns.
 */
async function stopCleanly(vitest: Vitest, error: unknown): Promise<void> {
  if (!isBrokerError(error)) {
    throw error;
  }
  vitest.logger.error(`\ncredential-broker: ${error.message}\n`);
  process.exitCode = 1;
  if (!vitest.config.watch) {
    await vitest.exit(true);
  }
}

// `task` is public at runtime but marked internal in Vitest's types; it is the object every reporter reads.
function taskOf(entity: TestCase | TestSuite | TestModule): RunnerTask {
  return (entity as unknown as { readonly task: RunnerTask }).task;
}

/**
 * @internal The broker's main-process reporter, placed first in `vitest.config.reporters` so that it survives a CLI
 * `--reporter` and runs before every other reporter. It plans the run (reads the docblocks of the selected files),
 * announces the manifest, and scrubs, in place and synchronously, every object the other reporters will print or
 * write — so each handler does its mutation before its first `await`.
 */
export class CredentialBrokerReporter implements Reporter {
  readonly #host: BrokerHost;
  #session: BrokerSession | undefined;
  #baseline = new RunBaseline();
  #skipReasons: SkipReasons = new Map();

  constructor(host: BrokerHost) {
    this.#host = host;
  }

  get #vitest(): Vitest {
    return this.#host.vitest;
  }

  // Scrubbing is a no-op until the first value is delivered, and only the session knows the values.
  get #scrubber(): Scrubber | undefined {
    const scrubber = this.#session?.scrubber;
    return scrubber !== undefined && scrubber.size > 0 ? scrubber : undefined;
  }

  async onTestRunStart(specifications: readonly TestSpecification[]): Promise<void> {
    try {
      await this.#start(specifications);
    } catch (error) {
      await stopCleanly(this.#vitest, error);
    }
  }

  async #start(all: readonly TestSpecification[]): Promise<void> {
    const specifications = await this.#ownShard(all);
    const session = await this.#host.session();
    this.#session = session;
    // A coverage directory outside the root: what it holds now (after Vitest's clean) is not the run's.
    const coverage = coverageDirectory(this.#vitest);
    if (coverage !== undefined) {
      session.ci.listing.add([coverage]);
    }
    // What reporters render and what workers' children wrote to their inherited pipes (forks pool).
    scrubProcessOutput(() => this.#session?.scrubber);
    // What the workers may rewrite, as it is before they run: the audit looks only at what the run changes.
    this.#baseline = new RunBaseline().capture(this.#writtenFiles(specifications).map((f) => f.path));
    await session.plan([...new Set(specifications.map((spec) => spec.moduleId))], [this.#vitest.config.root]);
    if (this.#host.options.announce === false) {
      return;
    }
    const announcement = session.egressEnabled ? session.renderManifest('terminal') : session.egressSummaryLine();
    if (announcement !== undefined) {
      this.#print(announcement);
    }
  }

  /**
   * Vitest hands reporters every file and shards later, in the pool, with its sequencer: plan (and announce) only
   * the files this shard runs, picked the same way, so a shard does not announce the skips of another's tests.
   */
  async #ownShard(specifications: readonly TestSpecification[]): Promise<readonly TestSpecification[]> {
    const { shard, sequence } = this.#vitest.config;
    if (shard === undefined || shard === null) {
      return specifications;
    }
    try {
      return await new sequence.sequencer(this.#vitest).shard([...specifications]);
    } catch {
      // Vitest reports a bad --shard itself; planning every file is never wrong, only wordier.
      return specifications;
    }
  }

  // `vitest --reporter=json > report.json` must stay parseable: our lines go to stderr when stdout is a report.
  #print(text: string): void {
    if (stdoutIsReport(this.#vitest)) {
      this.#vitest.logger.error(text);
    } else {
      this.#vitest.logger.log(text);
    }
  }

  onUserConsoleLog(log: ConsoleLog): void {
    const scrubber = this.#scrubber;
    if (scrubber !== undefined) {
      log.content = scrubber.scrub(log.content);
    }
  }

  onTestModuleCollected(module: TestModule): void {
    const scrubber = this.#scrubber;
    if (scrubber !== undefined) {
      scrubNames(taskOf(module), scrubber);
    }
  }

  onTestCaseReady(test: TestCase): void {
    this.#scrubTask(taskOf(test));
    this.#scrubEntityName(test);
  }

  onTestCaseResult(test: TestCase): void {
    this.#scrubTask(taskOf(test));
    this.#scrubEntityName(test);
  }

  onTestSuiteResult(suite: TestSuite): void {
    this.#scrubTask(taskOf(suite));
    this.#scrubEntityName(suite);
  }

  // Reporters of Vitest's newer API read the entity's own copy of the name, and `fullName` is derived (and cached)
  // from its ancestors' copies on first read: the suites above it are scrubbed first.
  #scrubEntityName(entity: TestCase | TestSuite): void {
    const scrubber = this.#scrubber;
    let current: TestCase | TestSuite | TestModule = entity;
    while (scrubber !== undefined && current.type !== 'module') {
      (current as { name: string }).name = scrubber.scrub(current.name);
      current = current.parent;
    }
  }

  onTestModuleEnd(module: TestModule): void {
    this.#scrubTask(taskOf(module));
  }

  onTestCaseAnnotate(_test: TestCase, annotation: Annotation): void {
    this.#scrub(annotation);
  }

  onTestCaseArtifactRecord(_test: TestCase, artifact: Artifact): void {
    this.#scrub(artifact);
  }

  // Not in the typed Reporter interface, still called: intermediate packs (a retry, a throttled update) share
  // their objects with the tasks.
  onTaskUpdate(packs: TaskUpdate): void {
    this.#scrub(packs);
  }

  onTestRunEnd(modules: readonly TestModule[], errors: readonly SerializedError[]): void {
    const scrubber = this.#scrubber;
    if (scrubber !== undefined) {
      scrubDeep(errors, scrubber);
      for (const module of modules) {
        this.#scrubTree(taskOf(module), scrubber);
      }
    }
    const skipped = collectSkipped(modules, this.#vitest.config.root);
    this.#skipReasons = new Map(skipped.map((t) => [testcaseKey(t.file, t.name), skipNote(t.missing)]));
    const summary = renderSkipSummary(skipped);
    if (summary !== undefined) {
      this.#print(summary);
    }
    const guard = this.#session?.guardReport().summary;
    if (guard !== undefined) {
      this.#print(guard);
    }
    if (scrubber !== undefined) {
      this.#auditSnapshots(modules, scrubber);
    }
  }

  /** After the run (the plugin calls it on close): the skip reasons into the JUnit reports the run wrote. */
  addSkipReasonsToJUnit(): void {
    for (const path of junitReports(this.#vitest)) {
      addSkipMessagesToFile(path, this.#skipReasons);
    }
  }

  #auditSnapshots(modules: readonly TestModule[], scrubber: Scrubber): void {
    const files = this.#writtenFiles(modules);
    const findings = auditWrittenFiles(this.#baseline, files, scrubber);
    if (findings.length > 0) {
      this.#vitest.logger.error(renderLeaks(findings, this.#vitest.config.root));
      process.exitCode = 1;
    }
  }

  // A project's `serializedConfig` serialises the whole config again on every read: read once per project here,
  // not once per file (in a profile, the paths of 40 files took ~1.7 ms before the first fork, that part of it).
  #writtenFiles(
    files: readonly { readonly moduleId: string; readonly project: TestModule['project'] }[]
  ): WrittenFile[] {
    const configs = new Map<TestModule['project'], TestModule['project']['serializedConfig']>();
    return files.flatMap(({ moduleId, project }) => {
      let config = configs.get(project);
      if (config === undefined) {
        config = project.serializedConfig;
        configs.set(project, config);
      }
      return [
        { path: this.#vitest.snapshot.resolvePath(moduleId, { config }), kind: 'snapshot' as const },
        { path: moduleId, kind: 'test source' as const },
      ];
    });
  }

  #scrub(value: unknown): void {
    const scrubber = this.#scrubber;
    if (scrubber !== undefined) {
      scrubDeep(value, scrubber);
    }
  }

  #scrubTask(task: RunnerTask): void {
    const scrubber = this.#scrubber;
    if (scrubber !== undefined) {
      scrubTask(task, scrubber);
    }
  }

  #scrubTree(task: RunnerTask, scrubber: Scrubber): void {
    scrubTask(task, scrubber);
    if ('tasks' in task) {
      for (const child of task.tasks) {
        this.#scrubTree(child, scrubber);
      }
    }
  }
}

function scrubTask(task: RunnerTask, scrubber: Scrubber): void {
  // Again here, not only at collection: a name can hold a value resolved after its file was collected (a `file:`
  // ref first asked for by a later test), and the JSON and JUnit reporters read `task.name` when they write.
  scrubTitles(task, scrubber);
  const seen = new WeakSet<object>();
  scrubDeep(task.result, scrubber, seen);
  scrubDeep(task.meta, scrubber, seen);
  if ('annotations' in task) {
    scrubDeep(task.annotations, scrubber, seen);
    scrubDeep(task.artifacts, scrubber, seen);
  }
  scrubDeep(task.logs, scrubber, seen);
}

// Every title a task carries: the blob reporter writes `fullTestName` (Vitest 4) beside the other two.
function scrubTitles(task: RunnerTask, scrubber: Scrubber): void {
  task.name = scrubber.scrub(task.name);
  task.fullName = scrubber.scrub(task.fullName);
  if (typeof task.fullTestName === 'string') {
    task.fullTestName = scrubber.scrub(task.fullTestName);
  }
}

// Titles can hold values too (`test.each` over data read from a credential in an earlier file of the worker).
function scrubNames(task: RunnerTask, scrubber: Scrubber): void {
  scrubTitles(task, scrubber);
  if ('tasks' in task) {
    for (const child of task.tasks) {
      scrubNames(child, scrubber);
    }
  }
}

const STDOUT_REPORTERS = new Set(['json', 'junit', 'tap', 'tap-flat']);

/** @internal Whether a built-in reporter writes its report to stdout (no output file for it). */
export function stdoutIsReport(vitest: Pick<Vitest, 'config'>): boolean {
  const { reporters, outputFile } = vitest.config;
  return reporters.some((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !STDOUT_REPORTERS.has(entry[0])) {
      return false;
    }
    const options = entry[1] as { outputFile?: unknown } | undefined;
    const configured = typeof outputFile === 'string' ? outputFile : outputFile?.[entry[0]];
    return options?.outputFile === undefined && configured === undefined;
  });
}

/** The files Vitest's JUnit reporter wrote: its `outputFile` option, or the config's. */
function junitReports(vitest: Vitest): string[] {
  const { reporters, outputFile, root } = vitest.config;
  return reporters.flatMap((entry) => {
    const [name, options] = Array.isArray(entry) ? entry : [entry, undefined];
    if (name !== 'junit') {
      return [];
    }
    const own = (options as { outputFile?: unknown } | undefined)?.outputFile;
    const file = typeof own === 'string' ? own : typeof outputFile === 'string' ? outputFile : outputFile?.['junit'];
    return typeof file === 'string' ? [resolve(root, file)] : [];
  });
}

function collectSkipped(
  modules: readonly TestModule[],
  root: string
): (SkippedTest & { readonly file: string; readonly name: string })[] {
  const skipped: (SkippedTest & { readonly file: string; readonly name: string })[] = [];
  for (const module of modules) {
    for (const test of module.children.allTests('skipped')) {
      const missing = test.meta().credentialsMissing;
      if (missing !== undefined && missing.length > 0) {
        const file = relative(root, module.moduleId);
        // As Vitest's JUnit reporter names a testcase: classname the file, name the titles joined with " > ".
        skipped.push({ title: `${file} > ${test.fullName}`, missing, file, name: test.fullName });
      }
    }
  }
  return skipped;
}
