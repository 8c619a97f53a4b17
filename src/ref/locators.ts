import type { RefReader } from './errors.js';
import { addressHint } from './sensitive.js';
import type {
  AwsSmRef,
  AwsStsRef,
  AzureKvRef,
  AzureTokenRef,
  EnvRef,
  GcpSmRef,
  GcpTokenRef,
  Scheme,
  VaultRef,
  VaultTokenRef,
} from './types.js';

/** A piece of the input and where it starts (0-based index into the whole ref). */
interface Span {
  readonly text: string;
  readonly start: number;
}

type Fields<R> = Omit<R, 'raw' | 'key' | 'scheme'>;

/** @internal What a locator contributes to its ref, per scheme. Versions in a path come back as `version`. */
export type LocatorFields =
  | ({ readonly scheme: 'vault' } & Pick<VaultRef, 'mount' | 'path'>)
  | ({ readonly scheme: 'aws-sm' } & Pick<AwsSmRef, 'id' | 'region'>)
  | ({ readonly scheme: 'gcp-sm'; readonly version?: string } & Pick<GcpSmRef, 'project' | 'secret'>)
  | ({ readonly scheme: 'azure-kv' } & Fields<AzureKvRef>)
  | { readonly scheme: 'sops' | 'age' | 'file'; readonly path: string }
  | ({ readonly scheme: 'env' } & Fields<EnvRef>)
  | ({ readonly scheme: 'aws-sts' } & Fields<AwsStsRef>)
  | ({ readonly scheme: 'vault-token' } & Fields<VaultTokenRef>)
  | ({ readonly scheme: 'gcp-token' } & Fields<GcpTokenRef>)
  | ({ readonly scheme: 'azure-token' } & Fields<AzureTokenRef>);

/** @internal Validate the locator of `scheme` (the text between `scheme:`/`scheme://` and `#`/`?`/end). */
export function parseLocator(scheme: Scheme, loc: Span, r: RefReader): LocatorFields {
  if (loc.text === '') {
    r.unexpected(loc.start, LOCATOR_EXPECTED[scheme]);
  }
  switch (scheme) {
    case 'vault':
      return parseVault(loc, r);
    case 'aws-sm':
      return parseAwsSm(loc, r);
    case 'gcp-sm':
      return parseGcpSm(loc, r);
    case 'azure-kv':
      return parseAzureKv(loc, r);
    case 'sops':
    case 'age':
    case 'file':
      // Any non-empty path; control characters (NUL included) were rejected for the whole ref already.
      return { scheme, path: loc.text };
    case 'env':
      checkChars(loc, /[A-Za-z0-9_]/, ENV_CHARS, r);
      if (/^[0-9]/.test(loc.text)) {
        r.unexpected(loc.start, 'a letter or "_" to start the variable name');
      }
      return { scheme, name: loc.text };
    case 'aws-sts':
      return parseAwsSts(loc, r);
    case 'vault-token':
      checkChars(loc, /[A-Za-z0-9_.-]/, 'a token role name character (A-Z a-z 0-9 _ . -)', r);
      return { scheme, role: loc.text };
    case 'gcp-token':
      return parseGcpToken(loc, r);
    case 'azure-token':
      return parseAzureToken(loc, r);
  }
}

const LOCATOR_EXPECTED: Readonly<Record<Scheme, string>> = {
  vault: 'a path "<mount>/<path>"',
  'aws-sm': 'a secret name or an ARN',
  'gcp-sm': '"<project>/<secret>" or "projects/<project>/secrets/<secret>"',
  'azure-kv': '"<vault-name>/<secret-name>"',
  sops: 'a file path',
  age: 'a file path',
  file: 'a file path',
  env: 'an environment variable name',
  'vault-token': 'a token role name (auth/token/roles/<name>)',
  'aws-sts': 'an IAM role ARN such as "arn:aws:iam::123456789012:role/ci"',
  'gcp-token': 'a service account email such as "ci@my-project.iam.gserviceaccount.com"',
  'azure-token': 'an application (client) id, a GUID such as "00000000-0000-0000-0000-000000000000"',
};

const ENV_CHARS = 'an environment variable name character (A-Z a-z 0-9 _)';

// ---------------------------------------------------------------------------------------------- vault

const MOUNT_CHARS = 'a mount name character (A-Z a-z 0-9 _ . -)';
const VAULT_CHARS = 'a path character (A-Z a-z 0-9 _ . ~ + = , @ -)';

function parseVault(loc: Span, r: RefReader): LocatorFields {
  const [mount, ...rest] = segments(loc, r, ['a mount name']);
  if (mount === undefined || rest.length === 0) {
    return r.unexpected(
      loc.start + loc.text.length,
      '"/" and a path after the mount',
      'A vault ref is "vault:<mount>/<path>"'
    );
  }
  if (/[:@]/.test(mount.text)) {
    // `vault://host:8200/…`, `vault://user:password@host/…`: an address where the mount belongs.
    r.fail(mount.start, 'a mount name', 'server address or credentials in place of the mount', addressHint('vault'));
  }
  checkChars(mount, /[A-Za-z0-9_.-]/, MOUNT_CHARS, r);
  for (const seg of [mount, ...rest]) {
    if (seg.text === '.' || seg.text === '..') {
      r.fail(seg.start, 'a path segment other than "." or ".."', `relative segment ${JSON.stringify(seg.text)}`);
    }
  }
  for (const seg of rest) {
    checkChars(seg, /[A-Za-z0-9_.~+=,@-]/, VAULT_CHARS, r);
  }
  return { scheme: 'vault', mount: mount.text, path: rest.map((s) => s.text).join('/') };
}

// --------------------------------------------------------------------------------------------- aws-sm

const AWS_NAME_CHARS = 'a secret name character (A-Z a-z 0-9 / _ + = . @ -)';
const ARN_PARTS = [
  '"arn"',
  'a partition such as "aws"',
  '"secretsmanager"',
  'a region such as "us-east-1"',
  'a 12-digit account id',
  '"secret"',
  'a secret name',
] as const;

function parseAwsSm(loc: Span, r: RefReader): LocatorFields {
  if (!loc.text.startsWith('arn:')) {
    if (/^[^/]*:[^/]*@/.test(loc.text)) {
      r.fail(loc.start, LOCATOR_EXPECTED['aws-sm'], 'credentials in place of the secret name', addressHint('aws-sm'));
    }
    checkAwsName(loc, r, 'An ARN starts with "arn:"');
    return { scheme: 'aws-sm', id: loc.text };
  }
  // arn:<partition>:secretsmanager:<region>:<account>:secret:<name> — the name holds no ":".
  const parts = split(loc, ':');
  if (parts.length < ARN_PARTS.length) {
    const last = parts.at(-1)!;
    r.unexpected(last.start + last.text.length, `":" and ${ARN_PARTS[parts.length]}`);
  }
  const [, partition, service, region, account, type] = parts as [Span, Span, Span, Span, Span, Span, Span];
  const name: Span = {
    text: parts
      .slice(6)
      .map((p) => p.text)
      .join(':'),
    start: parts[6]!.start,
  };
  expectShape(partition, /^aws(-[a-z]+)*$/, ARN_PARTS[1], 'partition', r);
  expectShape(service, /^secretsmanager$/, ARN_PARTS[2], 'service', r);
  expectShape(region, /^[a-z]{2}(-[a-z]+)+-[0-9]+$/, ARN_PARTS[3], 'region', r);
  expectShape(account, /^[0-9]{12}$/, ARN_PARTS[4], 'account id', r);
  expectShape(type, /^secret$/, ARN_PARTS[5], 'resource type', r);
  if (name.text === '') {
    r.unexpected(name.start, ARN_PARTS[6]);
  }
  checkAwsName(name, r);
  return { scheme: 'aws-sm', id: loc.text, region: region.text };
}

function checkAwsName(name: Span, r: RefReader, hint?: string): void {
  const bad = firstBad(name.text, /[A-Za-z0-9/_+=.@-]/);
  if (bad !== -1) {
    r.unexpected(name.start + bad, AWS_NAME_CHARS, name.text[bad] === ':' ? hint : undefined);
  }
  if (name.text.length > 512) {
    r.fail(name.start + 512, 'end of the secret name', 'secret name longer than 512 characters');
  }
}

// --------------------------------------------------------------------------------------------- gcp-sm

const GCP_PROJECT = 'a project id (6–30 of a-z 0-9 -, starting with a letter) or a project number';
const GCP_SECRET_CHARS = 'a secret id character (A-Z a-z 0-9 _ -)';
// Project ids: 6–30 chars; legacy domain-scoped ids look like "example.com:my-project"; numbers are accepted too.
const GCP_PROJECT_RE = /^(?:(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20})$/;

function parseGcpSm(loc: Span, r: RefReader): LocatorFields {
  const names = loc.text.startsWith('projects/')
    ? ['"projects"', 'a project id', '"secrets"', 'a secret id', '"versions"', 'a version']
    : ['a project id', 'a secret id'];
  const segs = segments(loc, r, names);
  const end = loc.start + loc.text.length;
  let project: Span;
  let secret: Span;
  let version: Span | undefined;
  if (segs[0]!.text === 'projects' && segs.length > 2) {
    // projects/<p>/secrets/<s>[/versions/<v>]
    const keywords = [undefined, undefined, 'secrets', undefined, 'versions'] as const;
    keywords.forEach((kw, i) => {
      const seg = segs[i];
      if (kw !== undefined && seg !== undefined && seg.text !== kw) {
        r.fail(seg.start, JSON.stringify(kw), `unexpected ${JSON.stringify(seg.text)}`);
      }
    });
    if (segs.length === 3 || segs.length === 5) {
      r.unexpected(end, segs.length === 3 ? '"/" and a secret id' : '"/" and a version');
    }
    if (segs.length > 6) {
      r.unexpected(segs[6]!.start - 1, 'end of the resource name');
    }
    [, project, , secret, , version] = segs as [Span, Span, Span, Span, Span?, Span?];
  } else {
    if (segs.length === 1) {
      r.unexpected(end, '"/" and a secret id', 'A gcp-sm ref is "gcp-sm:<project>/<secret>"');
    }
    if (segs.length > 2) {
      r.unexpected(segs[2]!.start - 1, '"#", "?" or end of input', 'A gcp-sm ref is "gcp-sm:<project>/<secret>"');
    }
    [project, secret] = segs as [Span, Span];
  }
  if (project.text.includes('@')) {
    r.fail(project.start, 'a project id', 'credentials in place of the project', addressHint('gcp-sm'));
  }
  if (!GCP_PROJECT_RE.test(project.text)) {
    r.fail(project.start, GCP_PROJECT, `invalid project id ${JSON.stringify(project.text)}`);
  }
  checkChars(secret, /[A-Za-z0-9_-]/, GCP_SECRET_CHARS, r);
  if (secret.text.length > 255) {
    r.fail(secret.start + 255, 'end of the secret id', 'secret id longer than 255 characters');
  }
  if (version !== undefined && version.text !== 'latest' && !/^[1-9][0-9]*$/.test(version.text)) {
    r.fail(version.start, 'a positive integer or "latest"', `invalid version ${JSON.stringify(version.text)}`);
  }
  return {
    scheme: 'gcp-sm',
    project: project.text,
    secret: secret.text,
    ...(version === undefined ? {} : { version: version.text }),
  };
}

// ------------------------------------------------------------------------------------------- azure-kv

const AZURE_VAULT = 'a vault name (3–24 of A-Z a-z 0-9 -, starting with a letter)';
const AZURE_SECRET_CHARS = 'a secret name character (A-Z a-z 0-9 -)';

function parseAzureKv(loc: Span, r: RefReader): LocatorFields {
  const segs = segments(loc, r, ['a vault name', 'a secret name', 'a version']);
  const [vault, name, version] = segs;
  if (name === undefined) {
    return r.unexpected(
      loc.start + loc.text.length,
      '"/" and a secret name',
      'An azure-kv ref is "azure-kv:<vault-name>/<secret-name>"'
    );
  }
  if (segs.length > 3) {
    r.unexpected(segs[3]!.start - 1, '"#", "?" or end of input');
  }
  const v = vault!;
  if (/[:@]/.test(v.text)) {
    r.fail(
      v.start,
      'a vault name',
      'server address or credentials in place of the vault name',
      addressHint('azure-kv')
    );
  }
  const bad = firstBad(v.text, /[A-Za-z0-9-]/);
  if (bad !== -1) {
    // `myvault.vault.azure.net` is the vault's host; the ref wants only its name.
    r.unexpected(v.start + bad, AZURE_VAULT, v.text[bad] === '.' ? 'Use the vault name, not its host name' : undefined);
  }
  // Azure: 3–24 characters, starts with a letter, ends with a letter or digit, no consecutive hyphens.
  if (!/^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$/.test(v.text)) {
    r.fail(v.start, AZURE_VAULT, `invalid vault name ${JSON.stringify(v.text)}`);
  }
  checkChars(name, /[A-Za-z0-9-]/, AZURE_SECRET_CHARS, r);
  if (name.text.length > 127) {
    r.fail(name.start + 127, 'end of the secret name', 'secret name longer than 127 characters');
  }
  if (version !== undefined && !/^[0-9a-fA-F]{32}$/.test(version.text)) {
    r.fail(version.start, 'a version id (32 hex digits)', `invalid version ${JSON.stringify(version.text)}`);
  }
  return {
    scheme: 'azure-kv',
    vault: v.text,
    name: name.text,
    ...(version === undefined ? {} : { version: version.text }),
  };
}

// -------------------------------------------------------------------------------------------- helpers

function split(span: Span, sep: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (const text of span.text.split(sep)) {
    out.push({ text, start: span.start + start });
    start += text.length + sep.length;
  }
  return out;
}

/** `/`-separated segments, none empty: no leading, trailing or double slash. */
function segments(span: Span, r: RefReader, names: readonly string[]): Span[] {
  const segs = split(span, '/');
  segs.forEach((seg, i) => {
    if (seg.text === '') {
      r.unexpected(seg.start, names[i] ?? 'a path segment');
    }
  });
  return segs;
}

function firstBad(text: string, allowed: RegExp): number {
  let i = 0;
  for (const ch of text) {
    if (!allowed.test(ch)) {
      return i;
    }
    i += ch.length;
  }
  return -1;
}

function checkChars(span: Span, allowed: RegExp, expected: string, r: RefReader): void {
  const bad = firstBad(span.text, allowed);
  if (bad !== -1) {
    r.unexpected(span.start + bad, expected);
  }
}

function expectShape(span: Span, shape: RegExp, expected: string, what: string, r: RefReader): void {
  if (!shape.test(span.text)) {
    if (span.text === '') {
      r.unexpected(span.start, expected);
    }
    r.fail(span.start, expected, `invalid ARN ${what} ${JSON.stringify(span.text)}`);
  }
}

// -------------------------------------------------------------------------------------------- aws-sts

// arn:<partition>:iam::<account>:role/<path/name>, as IAM spells role ARNs.
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;

function parseAwsSts(loc: Span, r: RefReader): LocatorFields {
  if (!ROLE_ARN.test(loc.text)) {
    r.fail(loc.start, LOCATOR_EXPECTED['aws-sts'], 'not an IAM role ARN', 'An aws-sts ref names the role to assume');
  }
  return { scheme: 'aws-sts', roleArn: loc.text };
}

// ------------------------------------------------------------------------------------------ gcp-token

// A service account's email, as IAM spells them: `<name>@<project>.iam.gserviceaccount.com`, and the Google-managed
// forms (`<number>-compute@developer.gserviceaccount.com`, `<project>@appspot.gserviceaccount.com`).
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9._-]{0,99}@[a-z0-9][a-z0-9.:-]{0,250}\.gserviceaccount\.com$/;

function parseGcpToken(loc: Span, r: RefReader): LocatorFields {
  if (!SERVICE_ACCOUNT.test(loc.text)) {
    r.fail(
      loc.start,
      LOCATOR_EXPECTED['gcp-token'],
      'not a service account email',
      'A gcp-token ref names the service account to impersonate'
    );
  }
  return { scheme: 'gcp-token', serviceAccount: loc.text };
}

// ---------------------------------------------------------------------------------------------- azure-token

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function parseAzureToken(loc: Span, r: RefReader): LocatorFields {
  if (!GUID.test(loc.text)) {
    r.fail(
      loc.start,
      LOCATOR_EXPECTED['azure-token'],
      'not a GUID',
      'An azure-token ref names the application (client id) whose token is minted'
    );
  }
  // Entra compares client ids case-insensitively: one spelling keeps one cache entry per application.
  return { scheme: 'azure-token', clientId: loc.text.toLowerCase() };
}
