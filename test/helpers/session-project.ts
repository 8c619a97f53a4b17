import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp project for a session-level test of one backend. */
export interface SessionProject {
  readonly dir: string;
  /** `db.test.ts`, whose docblock declares the credentials. */
  readonly file: string;
  /** The process env with a private scratch base, and without CREDENTIAL_BROKER_EGRESS: the test decides egress. */
  readonly env: Record<string, string | undefined>;
  /** Removes the project and its scratch base. */
  cleanup(): void;
}

/** Writes `credential-broker.config.json` from `config`, a test file declaring `declared`, and `files`. */
export function sessionProject(options: {
  readonly config: unknown;
  readonly declared: readonly string[];
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
}): SessionProject {
  const dir = mkdtempSync(join(tmpdir(), 'cb-session-project-'));
  const scratch = mkdtempSync(join(tmpdir(), 'cb-session-scratch-'));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, 'credential-broker.config.json'), JSON.stringify(options.config));
  const file = join(dir, 'db.test.ts');
  writeFileSync(file, `/** @credentials ${options.declared.join(', ')} */\nexport {};\n`);
  const env: Record<string, string | undefined> = { ...process.env, ...options.env, XDG_RUNTIME_DIR: scratch };
  delete env['CREDENTIAL_BROKER_EGRESS'];
  return {
    dir,
    file,
    env,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
