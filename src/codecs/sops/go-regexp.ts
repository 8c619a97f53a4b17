import { SopsProblem } from './problem.js';

/**
 * @internal Compile a Go RE2 pattern from the metadata (`encrypted_regex` and friends) as an ECMAScript RegExp.
 * Covers the forms people write: leading `(?i)`-style flags, `(?P<name>…)`, `\A` and `\z`. RE2 has no
 * backreferences or lookaround, so the rest of its syntax reads the same in both languages.
 */
export function compileGoRegexp(pattern: string, option: string): RegExp {
  let source = pattern;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading !== null) {
    const wanted = leading[1] ?? '';
    if (wanted.includes('U')) {
      throw unsupported(option, 'the U (ungreedy) flag');
    }
    flags = [...new Set(wanted)].join('');
    source = source.slice(leading[0].length);
  }
  source = source.replaceAll('(?P<', '(?<').replaceAll('\\A', '^').replaceAll('\\z', '$(?![\\s\\S])');
  for (const candidate of [`${flags}u`, flags]) {
    try {
      return new RegExp(source, candidate);
    } catch {
      // Try without the `u` flag, which rejects escapes RE2 accepts (`\-`, `\_`).
    }
  }
  throw unsupported(option, 'a pattern this reader cannot compile');
}

function unsupported(option: string, what: string): SopsProblem {
  return new SopsProblem(
    'UNSUPPORTED',
    'parse',
    `the sops metadata field ${option} uses ${what}`,
    'Simplify the regular expression and re-encrypt the file'
  );
}
