/**
 * @internal What the environment installs on each test file's global (under a well-known symbol) for the
 * `credential-broker/jest` module and the snapshot serializer, which run inside the sandbox and must not load
 * the broker themselves.
 */
export interface SandboxApi {
  /** Acquires `names` for the running test (or for the file when no test is running) and returns the values. */
  credentials(names: readonly string[]): Promise<Readonly<Record<string, string>>>;
  /** Credential name → 0600 file path, for everything materialised for the running test and the file. */
  files(): Readonly<Record<string, string>>;
  /** Env var name → value, for everything materialised for the running test and the file. */
  env(): Readonly<Record<string, string>>;
  /** Tags the tests `define` adds, so they get `names` at their start (or are skipped before they run). */
  declare(names: readonly string[], define: () => void): void;
  /** Replaces every value this worker has received. */
  scrub(text: string): string;
}
