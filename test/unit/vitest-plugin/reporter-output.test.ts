import { describe, expect, it } from 'vitest';
import { stdoutIsReport } from '../../../vitest-plugin/reporter.js';

type Config = Parameters<typeof stdoutIsReport>[0]['config'];
const vitest = (reporters: unknown[], outputFile?: string | Record<string, string>) => ({
  config: { reporters, outputFile } as unknown as Config,
});

describe(stdoutIsReport.name, () => {
  it('is false for terminal reporters and for reports written to files', () => {
    expect(stdoutIsReport(vitest([['default', {}]]))).toBe(false);
    expect(stdoutIsReport(vitest([['json', { outputFile: 'r.json' }]]))).toBe(false);
    expect(stdoutIsReport(vitest([['json', {}]], 'r.json'))).toBe(false);
    expect(stdoutIsReport(vitest([['junit', {}]], { junit: 'j.xml' }))).toBe(false);
    expect(stdoutIsReport(vitest([{ onInit() {} }]))).toBe(false);
  });

  it('is true when a json, junit or tap reporter writes to stdout', () => {
    expect(
      stdoutIsReport(
        vitest([
          ['default', {}],
          ['json', {}],
        ])
      )
    ).toBe(true);
    expect(stdoutIsReport(vitest([['junit', {}]], { json: 'r.json' }))).toBe(true);
    expect(stdoutIsReport(vitest([['tap-flat', {}]]))).toBe(true);
  });
});
