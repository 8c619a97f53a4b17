import { resolve } from 'node:path';
import { noConfigError } from '../config/load.js';
import { type CredentialSpec, inlineCredential } from '../config/normalise.js';
import { docblockLine, readTestFileDocblockSync, realRoots } from '../docblock/index.js';
import { BrokerError, isBrokerError } from '../errors.js';
import type { FileDeclarations } from '../ipc/protocol.js';
import { formatRef } from '../ref/index.js';
import { isHighEntropy } from '../scrub/secret-like.js';

/**
 * @internal Who declared what: the config's credentials (usable by any test through the fixture) and each selected
 * test file's `@credentials` docblock (names from config, or inline `NAME=ref`). Docblocks are read only by the main
 * process, only from the files the runner selected (the plan), never from a path a worker names.
 */
export class Declarations {
  readonly #config: ReadonlyMap<string, CredentialSpec>;
  readonly #roots: readonly string[];
  readonly #files = new Map<string, ReadonlyMap<string, CredentialSpec>>();
  readonly #noConfigSearched: string | undefined;

  /** @param noConfigSearched set when no config file was found: where the search started (see `noConfigError`). */
  constructor(config: ReadonlyMap<string, CredentialSpec>, roots: readonly string[], noConfigSearched?: string) {
    this.#config = config;
    this.#roots = roots;
    this.#noConfigSearched = noConfigSearched;
  }

  /**
   * Read the docblocks of these files (again: a watch run sees edits); one error lists every bad file.
   * @returns every spec a file of this plan declares, config ones included.
   */
  async plan(files: readonly string[], roots: readonly string[] = []): Promise<CredentialSpec[]> {
    const problems: string[] = [];
    let noConfig: BrokerError | undefined;
    const read = new Map<string, ReadonlyMap<string, CredentialSpec>>();
    const all = [...new Set(files.map((f) => resolve(f)))];
    const real = realRoots([...this.#roots, ...roots]);
    for (const path of all) {
      try {
        read.set(path, this.#read(path, real));
      } catch (error) {
        noConfig ??= isBrokerError(error) && error.code === 'CONFIG_NOT_FOUND' ? error : undefined;
        problems.push(isBrokerError(error) ? error.message : `${path}: cannot be read`);
      }
    }
    if (noConfig !== undefined) {
      // One missing file, not one problem per test file that declares something.
      throw noConfig;
    }
    if (problems.length > 0) {
      throw new BrokerError(
        'CONFIG_INVALID',
        `bad @credentials docblocks:\n${problems
          .sort()
          .map((p) => `  - ${p}`)
          .join('\n')}`,
        { operation: 'plan' }
      );
    }
    for (const [path, specs] of read) {
      this.#files.set(path, specs);
    }
    return [...this.#config.values(), ...[...read.values()].flatMap((specs) => [...specs.values()])];
  }

  // `roots` are real paths already (once per plan, not per file).
  #read(path: string, roots: readonly string[]): ReadonlyMap<string, CredentialSpec> {
    const declared = new Map<string, CredentialSpec>();
    const { declarations, head } = readTestFileDocblockSync(path, roots);
    for (const { name, ref } of declarations) {
      const spec = ref === undefined ? this.#config.get(name) : inlineCredential(name, ref, path);
      if (spec === undefined) {
        const line = docblockLine(head, name);
        const where = line === undefined ? path : `${path}:${line}`;
        // A name matches [A-Za-z_][A-Za-z0-9_]*, and so does a pasted token (`ghp_…`): one that looks random is not echoed.
        if (isHighEntropy(name)) {
          throw pastedValueError(where);
        }
        if (this.#noConfigSearched !== undefined) {
          throw noConfigError(this.#noConfigSearched, `${where}: @credentials names ${name}`);
        }
        throw new BrokerError('UNKNOWN_CREDENTIAL', `@credentials names ${name}, which the config does not declare`, {
          operation: 'plan',
          ref: where,
          hint: `Add ${name} to "credentials" in credential-broker.config, or declare it inline as ${name}=<ref>`,
        });
      }
      declared.set(name, spec);
    }
    return declared;
  }

  /** Whether the plan holds this file. */
  has(file: string): boolean {
    return this.#files.has(resolve(file));
  }

  /** A planned file's docblock names, and which are inline, as a worker learns them. */
  declared(file: string): FileDeclarations {
    const specs = [...(this.#files.get(resolve(file))?.values() ?? [])];
    return { names: specs.map((s) => s.name), inline: specs.filter((s) => s.origin !== 'config').map((s) => s.name) };
  }

  /**
   * The spec a test in `file` gets for `name`: its docblock's first, then the config's. `file` undefined: config only
   * (the CLI). A file outside the plan gets nothing, whatever it declares.
   */
  lookup(file: string | undefined, name: string): CredentialSpec {
    const specs = file === undefined ? undefined : this.#files.get(resolve(file));
    if (file !== undefined && specs === undefined) {
      throw new BrokerError('DENIED', `${file} is not a test file selected for this run`, {
        operation: 'acquire',
        hint: 'Credentials are served only to the test files the runner selected',
      });
    }
    const spec = specs?.get(name) ?? this.#config.get(name);
    if (spec === undefined && this.#noConfigSearched !== undefined) {
      throw noConfigError(this.#noConfigSearched, `${file ?? 'the command'} asks for ${name}`);
    }
    if (spec === undefined) {
      throw new BrokerError(
        'UNKNOWN_CREDENTIAL',
        `${name} is declared neither in the config nor in the file's @credentials docblock`,
        {
          operation: 'acquire',
          ...(file === undefined ? {} : { ref: file }),
          hint: `Declare ${name} in the file's @credentials docblock or under "credentials" in credential-broker.config`,
        }
      );
    }
    return spec;
  }

  /** Every declared credential once (same name and ref), with where it was declared, for the manifest. */
  all(): (CredentialSpec & { readonly declaredIn: readonly string[] })[] {
    const byKey = new Map<string, CredentialSpec & { declaredIn: string[] }>();
    const add = (spec: CredentialSpec, where: string) => {
      const key = `${spec.name}\u0000${formatRef(spec.ref)}`;
      const entry = byKey.get(key) ?? { ...spec, declaredIn: [] };
      if (!entry.declaredIn.includes(where)) {
        entry.declaredIn.push(where);
      }
      byKey.set(key, entry);
    };
    for (const spec of this.#config.values()) {
      add(spec, 'config');
    }
    for (const [file, specs] of this.#files) {
      for (const spec of specs.values()) {
        add(spec, file);
      }
    }
    return [...byKey.values()];
  }
}

function pastedValueError(where: string): BrokerError {
  return new BrokerError(
    'UNKNOWN_CREDENTIAL',
    '@credentials lists an entry that looks like a secret value, not a credential name (not shown here)',
    {
      operation: 'plan',
      ref: where,
      hint: 'A docblock lists names (DATABASE_URL) or NAME=<ref>, never a value: remove it, and rotate the value if this file was ever committed or shared',
    }
  );
}
