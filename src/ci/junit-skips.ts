import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Neither Vitest's JUnit reporter nor jest-junit writes why a test was skipped: both write a bare `<skipped/>`. CI
 * systems show a `<skipped message="…">`, so after the run the broker adds the reason to the report the runner
 * wrote. Only bare `<skipped/>` elements of testcases it knows a reason for are touched; the rest stays byte for byte.
 */

/** @internal `classname` and `name` of a testcase as the report writes them (unescaped), to the reason. */
export type SkipReasons = ReadonlyMap<string, string>;

/** @internal The key of a testcase in {@link SkipReasons}. */
export function testcaseKey(classname: string, name: string): string {
  return `${classname}\u0000${name}`;
}

const TESTCASE = /<testcase\b([^>]*)>(\s*)<skipped\s*\/>/g;

/** @internal The report with `message="reason"` on each bare `<skipped/>` whose testcase has a reason. */
export function addSkipMessages(xml: string, reasons: SkipReasons): string {
  if (reasons.size === 0) {
    return xml;
  }
  return xml.replace(TESTCASE, (whole, attributes: string, space: string) => {
    const classname = attribute(attributes, 'classname');
    const name = attribute(attributes, 'name');
    const reason =
      classname === undefined || name === undefined ? undefined : reasons.get(testcaseKey(classname, name));
    return reason === undefined ? whole : `<testcase${attributes}>${space}<skipped message="${escapeXml(reason)}"/>`;
  });
}

/** @internal {@link addSkipMessages} on a report file, if it exists. Never throws: a report is a courtesy. */
export function addSkipMessagesToFile(path: string, reasons: SkipReasons): void {
  try {
    if (reasons.size > 0 && existsSync(path)) {
      const xml = readFileSync(path, 'utf8');
      const updated = addSkipMessages(xml, reasons);
      if (updated !== xml) {
        writeFileSync(path, updated);
      }
    }
  } catch {
    // An unreadable or vanished report: the run's result does not depend on it.
  }
}

function attribute(attributes: string, key: string): string | undefined {
  const found = new RegExp(`\\s${key}="([^"]*)"`).exec(attributes)?.[1];
  return found === undefined ? undefined : unescapeXml(found);
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\n', '&#10;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(Number.parseInt(code, 16)))
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
