import { isAbsolute, join, resolve } from 'node:path';
import { type AgeIdentity, parseIdentityText, ReadProblem, readIdentityFile } from './identity.js';
import { AgeProblem } from './problem.js';

/** @public sops: age keys inline, several per line allowed. */
export const ENV_SOPS_AGE_KEY = 'SOPS_AGE_KEY';
/** @public sops: path of an age identity file. */
export const ENV_SOPS_AGE_KEY_FILE = 'SOPS_AGE_KEY_FILE';
/** @public sops: a command printing age keys. Not run by the broker. */
export const ENV_SOPS_AGE_KEY_CMD = 'SOPS_AGE_KEY_CMD';
/** @public sops: path of an SSH private key. */
export const ENV_SOPS_AGE_SSH_PRIVATE_KEY_FILE = 'SOPS_AGE_SSH_PRIVATE_KEY_FILE';
/** @public sops: a command printing an SSH private key. Not run by the broker. */
export const ENV_SOPS_AGE_SSH_PRIVATE_KEY_CMD = 'SOPS_AGE_SSH_PRIVATE_KEY_CMD';

/** @public The result of an identity search: what was found, and every place looked, each with what it gave. */
export interface IdentitySearch {
  readonly found: AgeIdentity[];
  /** `<place>: <outcome>`, e.g. `SOPS_AGE_KEY: not set`, `/home/u/.ssh/id_ed25519: 1 identity`. In search order. */
  readonly looked: readonly string[];
}

/** @public Knobs of the identity searches, for other platforms and for tests. */
export interface FindIdentitiesOptions {
  /** Decides the user config dir of sops. @default process.platform */
  readonly platform?: NodeJS.Platform;
  /**
   * The host keys agenix's NixOS module decrypts with.
   * @default ['/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key']
   */
  readonly hostKeys?: readonly string[];
}

const DEFAULT_HOST_KEYS = ['/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * @public The identities sops itself would use to open a file's age data key, in sops's order (getsops/sops v3.13.2,
 * `age/keysource.go`), after the `extra` paths from config: `SOPS_AGE_SSH_PRIVATE_KEY_FILE`, `~/.ssh/id_ed25519`,
 * `~/.ssh/id_rsa`, `SOPS_AGE_KEY` (inline), `SOPS_AGE_KEY_FILE`, then `sops/age/keys.txt` in the user config dir
 * (`$XDG_CONFIG_HOME` or `~/.config` on Linux; `$XDG_CONFIG_HOME` or `~/Library/Application Support` on macOS;
 * `%AppData%` on Windows). The `…_CMD` variables are noted but never run. Missing or unusable places are noted in
 * `looked` and skipped, as sops does; nothing throws.
 *
 * @param env - The environment to read (`HOME`, `XDG_CONFIG_HOME`, the `SOPS_AGE_*` variables).
 * @param extra - Identity file paths from config, already resolved against the config dir.
 */
export function findSopsAgeIdentities(
  env: Env,
  extra: readonly string[] = [],
  options: FindIdentitiesOptions = {}
): IdentitySearch {
  const search = new Search();
  search.files(extra);
  search.envFile(env, ENV_SOPS_AGE_SSH_PRIVATE_KEY_FILE);
  search.envCommand(env, ENV_SOPS_AGE_SSH_PRIVATE_KEY_CMD);
  search.homeSshKeys(env);
  const inline = env[ENV_SOPS_AGE_KEY];
  if (inline === undefined) {
    search.note(ENV_SOPS_AGE_KEY, 'not set');
  } else {
    search.text(ENV_SOPS_AGE_KEY, inline);
  }
  search.envFile(env, ENV_SOPS_AGE_KEY_FILE);
  search.envCommand(env, ENV_SOPS_AGE_KEY_CMD);
  const configDir = userConfigDir(env, options.platform ?? process.platform);
  if (typeof configDir === 'string') {
    search.file(join(configDir, 'sops', 'age', 'keys.txt'));
  } else {
    search.note('sops/age/keys.txt in the user config dir', configDir.skipped);
  }
  return search.result();
}

/**
 * @public The identities agenix would use: the `extra` paths from config, `~/.ssh/id_ed25519`, `~/.ssh/id_rsa`
 * (its CLI and home-manager module), then the host keys of its NixOS module (`/etc/ssh/ssh_host_ed25519_key`,
 * `/etc/ssh/ssh_host_rsa_key`; usually readable by root only). Unreadable, empty and missing files are skipped and
 * noted in `looked`; nothing throws.
 */
export function findAgenixIdentities(
  env: Env,
  extra: readonly string[] = [],
  options: FindIdentitiesOptions = {}
): IdentitySearch {
  const search = new Search();
  search.files(extra);
  search.homeSshKeys(env);
  search.files(options.hostKeys ?? DEFAULT_HOST_KEYS);
  return search.result();
}

class Search {
  readonly #found: AgeIdentity[] = [];
  readonly #looked: string[] = [];
  readonly #seen = new Set<string>();

  note(place: string, outcome: string): void {
    this.#looked.push(`${place}: ${outcome}`);
  }

  files(paths: readonly string[]): void {
    for (const path of paths) {
      this.file(resolve(path));
    }
  }

  file(path: string, origin: string = path): void {
    if (this.#seen.has(path)) {
      return;
    }
    this.#seen.add(path);
    this.#take(origin, readIdentityFile(path, origin));
  }

  text(origin: string, text: string): void {
    this.#take(origin, parseIdentityText(text, origin));
  }

  envFile(env: Env, name: string): void {
    const value = env[name];
    if (value === undefined) {
      this.note(name, 'not set');
    } else if (value === '') {
      this.note(name, 'set but empty');
    } else {
      const path = resolve(value);
      this.file(path, `${name} (${path})`);
    }
  }

  envCommand(env: Env, name: string): void {
    if (env[name] !== undefined) {
      this.note(name, 'set, but key commands are not run by credential-broker');
    }
  }

  homeSshKeys(env: Env): void {
    const home = env['HOME'];
    if (home === undefined || home === '' || !isAbsolute(home)) {
      this.note('~/.ssh/id_ed25519 and ~/.ssh/id_rsa', 'skipped, HOME is not set to an absolute path');
      return;
    }
    this.file(join(home, '.ssh', 'id_ed25519'));
    this.file(join(home, '.ssh', 'id_rsa'));
  }

  result(): IdentitySearch {
    return { found: [...this.#found], looked: [...this.#looked] };
  }

  #take(origin: string, result: AgeIdentity[] | AgeProblem): void {
    if (result instanceof AgeProblem) {
      this.note(origin, result instanceof ReadProblem ? result.reason : `unusable, ${result.reason}`);
    } else if (result.length === 0) {
      this.note(origin, 'no identities');
    } else {
      this.#found.push(...result);
      this.note(origin, result.length === 1 ? '1 identity' : `${result.length} identities`);
    }
  }
}

// Go's os.UserConfigDir, plus sops's own rule that XDG_CONFIG_HOME also counts on macOS.
function userConfigDir(env: Env, platform: NodeJS.Platform): string | { skipped: string } {
  const xdg = env['XDG_CONFIG_HOME'];
  const home = env['HOME'];
  if (platform === 'win32') {
    return env['AppData'] || env['APPDATA'] || { skipped: 'skipped, %AppData% is not set' };
  }
  if (xdg !== undefined && xdg !== '') {
    return isAbsolute(xdg) ? xdg : { skipped: 'skipped, XDG_CONFIG_HOME is a relative path' };
  }
  if (home === undefined || home === '') {
    return { skipped: 'skipped, neither XDG_CONFIG_HOME nor HOME is set' };
  }
  return platform === 'darwin' ? join(home, 'Library', 'Application Support') : join(home, '.config');
}
