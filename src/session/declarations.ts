import { resolve } from 'node:path';
import { type CredentialSpec, inlineCredential } from '../config/normalise.js';
import { readCredentialPragmasFromFile } from '../docblock/index.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { formatRef } from '../ref/index.js';

/**
 * @internal Who declared what: the config's credentials (usable by any test through the fixture) and each test
 * file's `@credentials` docblock (names from config, or inline `NAME=ref`).
 */
export class Declarations {
  readonly #config: ReadonlyMap<string, CredentialSpec>;
  readonly #files = new Map<string, ReadonlyMap<string, CredentialSpec>>();

  constructor(config: ReadonlyMap<string, CredentialSpec>) {
    this.#config = config;
  }

  /** Read the docblocks of these files; one error lists every bad file. */
  plan(files: readonly string[]): void {
    const problems: string[] = [];
    for (const file of files) {
      try {
        this.forFile(file);
      } catch (error) {
        problems.push(isBrokerError(error) ? error.message : `${file}: cannot be read`);
      }
    }
    if (problems.length > 0) {
      throw new BrokerError(
        'CONFIG_INVALID',
        `bad @credentials docblocks:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        {
          operation: 'plan',
        }
      );
    }
  }

  /** The credentials a file's docblock declares, by name (read once, then cached). */
  forFile(file: string): ReadonlyMap<string, CredentialSpec> {
    const path = resolve(file);
    let specs = this.#files.get(path);
    if (specs === undefined) {
      const declared = new Map<string, CredentialSpec>();
      for (const { name, ref } of readCredentialPragmasFromFile(path)) {
        const spec = ref === undefined ? this.#config.get(name) : inlineCredential(name, ref, path);
        if (spec === undefined) {
          throw new BrokerError('UNKNOWN_CREDENTIAL', `@credentials names ${name}, which the config does not declare`, {
            operation: 'plan',
            ref: path,
            hint: `Add ${name} to "credentials" in credential-broker.config, or declare it inline as ${name}=<ref>`,
          });
        }
        declared.set(name, spec);
      }
      specs = declared;
      this.#files.set(path, specs);
    }
    return specs;
  }

  /** The spec a test in `file` gets for `name`: its docblock's first, then the config's. */
  lookup(file: string | undefined, name: string): CredentialSpec {
    const spec = (file === undefined ? undefined : this.forFile(file).get(name)) ?? this.#config.get(name);
    if (spec === undefined) {
      const known = [...this.#config.keys()];
      throw new BrokerError(
        'UNKNOWN_CREDENTIAL',
        `${name} is declared neither in the config nor in the file's @credentials docblock`,
        {
          operation: 'acquire',
          ...(file === undefined ? {} : { ref: file }),
          hint: known.length === 0 ? 'The config declares no credentials' : `The config declares: ${known.join(', ')}`,
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
