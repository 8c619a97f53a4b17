import { RefReader, RefSyntaxError } from './errors.js';
import { parseKey } from './key.js';
import type { LocatorFields } from './locators.js';
import { parseLocator } from './locators.js';
import { describeParams, PARAMS } from './params.js';
import { addressHint, isSensitiveParam } from './sensitive.js';
import type { KeySelector, Scheme, SecretRef, SopsFormat } from './types.js';
import { SCHEMES } from './types.js';

/** Longer inputs are rejected before parsing; the longest real locator (an ARN) is far below this. */
const MAX_LENGTH = 4096;
const SCHEME_EXPECTED = 'a scheme such as "vault:"';
const EXACT_HINT = 'Refs are compared exactly: remove the surrounding whitespace';

interface Span {
  readonly text: string;
  readonly start: number;
}

interface Param {
  readonly value: string;
  /** Index of the parameter name, where errors about the parameter point. */
  readonly at: number;
}

/**
 * @public Parse a secret reference — `scheme:locator[#key][?param=value&…]`, `scheme://…` meaning the same,
 * the query allowed before or after the key — into its typed form.
 * @throws {@link RefSyntaxError} (a `BrokerError` with code `REF_SYNTAX`) naming the column and what was expected.
 */
export function parseRef(input: string): SecretRef {
  if (typeof input !== 'string') {
    throw new RefSyntaxError('', 0, 'a ref string', `got ${input === null ? 'null' : typeof input}`);
  }
  const r = new RefReader(input);
  checkWhole(r);

  const schemeMatch = /^[A-Za-z][A-Za-z0-9+.-]*/.exec(input);
  if (schemeMatch === null) {
    return r.unexpected(0, SCHEME_EXPECTED);
  }
  const schemeText = schemeMatch[0];
  if (input[schemeText.length] !== ':') {
    r.unexpected(schemeText.length, '":" after the scheme', 'A ref looks like "vault:secret/db#url"');
  }
  if (!(SCHEMES as readonly string[]).includes(schemeText)) {
    const lower = (SCHEMES as readonly string[]).includes(schemeText.toLowerCase());
    r.fail(
      0,
      `one of ${SCHEMES.join(', ')}`,
      `unknown scheme ${JSON.stringify(schemeText)}`,
      lower ? 'Schemes are lowercase' : undefined
    );
  }
  const scheme = schemeText as Scheme;

  const afterColon = schemeText.length + 1;
  const locStart = input.startsWith('//', afterColon) ? afterColon + 2 : afterColon;
  const locEnd = nextDelimiter(input, locStart);
  const locator = parseLocator(scheme, { text: input.slice(locStart, locEnd), start: locStart }, r);

  // The key and the query may come in either order, each at most once.
  let key: KeySelector | undefined;
  let params: Map<string, Param> | undefined;
  for (let pos = locEnd; pos < input.length; ) {
    const end = nextDelimiter(input, pos + 1);
    const span = { text: input.slice(pos + 1, end), start: pos + 1 };
    if (input[pos] === '#' ? key !== undefined : params !== undefined) {
      r.unexpected(
        pos,
        key === undefined ? '"#" or end of input' : params === undefined ? '"?" or end of input' : 'end of input'
      );
    }
    if (input[pos] === '#') {
      key = parseKey(span.text, span.start, r);
    } else {
      params = parseQuery(scheme, span, r);
    }
    pos = end;
  }
  return assemble(locator, params ?? new Map(), input, key, r);
}

/** @public {@link parseRef} without the throw, for validators that collect every problem. */
export function tryParseRef(input: string): { ok: true; ref: SecretRef } | { ok: false; error: RefSyntaxError } {
  try {
    return { ok: true, ref: parseRef(input) };
  } catch (error) {
    if (error instanceof RefSyntaxError) {
      return { ok: false, error };
    }
    throw error;
  }
}

function checkWhole(r: RefReader): void {
  const { input } = r;
  if (input === '') {
    r.unexpected(0, SCHEME_EXPECTED);
  }
  if (input.length > MAX_LENGTH) {
    r.fail(MAX_LENGTH, 'end of input', `ref longer than ${MAX_LENGTH} characters`);
  }
  if (/^\s/.test(input)) {
    r.unexpected(0, SCHEME_EXPECTED, EXACT_HINT);
  }
  const trailing = input.search(/\s+$/);
  if (trailing !== -1) {
    r.unexpected(trailing, 'end of input', EXACT_HINT);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  const control = input.search(/[\u0000-\u001f\u007f-\u009f]/);
  if (control !== -1) {
    r.unexpected(control, 'a printable character');
  }
}

function nextDelimiter(input: string, from: number): number {
  for (let i = from; i < input.length; i++) {
    if (input[i] === '#' || input[i] === '?') {
      return i;
    }
  }
  return input.length;
}

function parseQuery(scheme: Scheme, query: Span, r: RefReader): Map<string, Param> {
  const params = new Map<string, Param>();
  let start = query.start;
  for (const pair of query.text.split('&')) {
    const at = start;
    start += pair.length + 1;
    if (pair === '' || pair.startsWith('=')) {
      r.unexpected(at, 'a parameter "<name>=<value>"');
    }
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (isSensitiveParam(name)) {
      r.fail(at, describeParams(scheme), `parameter ${JSON.stringify(name)} is not allowed`, addressHint(scheme));
    }
    const spec = PARAMS[scheme].find((p) => p.name === name);
    if (spec === undefined) {
      const lower = PARAMS[scheme].some((p) => p.name === name.toLowerCase());
      r.fail(
        at,
        describeParams(scheme),
        `unknown parameter ${JSON.stringify(name)}`,
        lower ? 'Parameter names are lowercase' : undefined
      );
    }
    if (params.has(name)) {
      r.fail(at, 'each parameter at most once', `duplicate parameter ${JSON.stringify(name)}`);
    }
    if (eq === -1) {
      r.unexpected(at + name.length, `"=" and ${spec.expected}`);
    }
    const value = pair.slice(eq + 1);
    if (!spec.valid(value)) {
      if (value === '') {
        r.unexpected(at + eq + 1, spec.expected);
      }
      r.fail(at + eq + 1, spec.expected, `invalid ${JSON.stringify(name)} value ${JSON.stringify(value)}`);
    }
    params.set(name, { value, at });
  }
  return params;
}

function assemble(
  loc: LocatorFields,
  params: ReadonlyMap<string, Param>,
  raw: string,
  key: KeySelector | undefined,
  r: RefReader
): SecretRef {
  const base = key === undefined ? { raw } : { raw, key };
  const version = params.get('version');
  switch (loc.scheme) {
    case 'vault':
      return { ...base, ...loc, ...(version === undefined ? {} : { version: Number(version.value) }) };
    case 'aws-sm': {
      const id = params.get('version-id');
      const stage = params.get('version-stage');
      if (id !== undefined && stage !== undefined) {
        const later = id.at > stage.at ? 'version-id' : 'version-stage';
        const earlier = later === 'version-id' ? 'version-stage' : 'version-id';
        r.fail(
          Math.max(id.at, stage.at),
          `only one of "version-id" or "version-stage"`,
          `"${later}" cannot be combined with "${earlier}"`
        );
      }
      return {
        ...base,
        ...loc,
        ...(id === undefined ? {} : { versionId: id.value }),
        ...(stage === undefined ? {} : { versionStage: stage.value }),
      };
    }
    case 'gcp-sm':
    case 'azure-kv': {
      if (loc.version !== undefined && version !== undefined) {
        r.fail(version.at, 'the version only once', 'version given both in the path and as "?version"');
      }
      const v = version?.value ?? loc.version;
      if (loc.scheme === 'gcp-sm') {
        return { ...base, ...loc, version: v ?? 'latest' };
      }
      return { ...base, ...loc, ...(v === undefined ? {} : { version: v }) };
    }
    case 'sops': {
      const format = params.get('format');
      return {
        ...base,
        ...loc,
        scheme: 'sops',
        ...(format === undefined ? {} : { format: format.value as SopsFormat }),
      };
    }
    case 'age':
    case 'file':
      return { ...base, ...loc, scheme: loc.scheme };
    case 'env':
    case 'aws-sts':
    case 'vault-token':
    case 'gcp-token':
    case 'azure-token':
      return { ...base, ...loc };
  }
}
