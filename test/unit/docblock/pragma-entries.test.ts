import { describe, expect, it } from 'vitest';
import { configNamesOf } from '../../../src/docblock/pragma-entries.js';

describe(configNamesOf.name, () => {
  it('lists the names of pragmas that name config credentials only, as jest-docblock hands them over', () => {
    expect(configNamesOf(undefined)).toEqual([]);
    expect(configNamesOf('DATABASE_URL, API_TOKEN')).toEqual(['DATABASE_URL', 'API_TOKEN']);
    expect(configNamesOf(['A B', 'C,A'])).toEqual(['A', 'B', 'C']);
  });

  it('is undefined when an entry is an inline ref or not a name: that file’s names come with its own claim', () => {
    expect(configNamesOf('A, TOKEN=sops:secrets.enc.yaml#/token')).toBeUndefined();
    expect(configNamesOf(['A', '1BAD'])).toBeUndefined();
  });
});
