import { describe, expect, it } from 'vitest';
import { formatRef, isNetworkScheme, parseRef, RefSyntaxError } from '../../../src/ref/index.js';
import { isMintedRef } from '../../../src/ref/types.js';

const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';

describe('azure-token: refs', () => {
  it('name an application by its client id, lower-cased, in either spelling', () => {
    const ref = parseRef(`azure-token:${CLIENT.toUpperCase()}`);
    expect(ref).toMatchObject({ scheme: 'azure-token', clientId: CLIENT });
    expect(parseRef(`azure-token://${CLIENT}`)).toMatchObject({ scheme: 'azure-token', clientId: CLIENT });
    expect(formatRef(ref)).toBe(`azure-token:${CLIENT}`);
    expect(isMintedRef(ref)).toBe(true);
    expect(isNetworkScheme('azure-token')).toBe(true);
  });

  it.each([
    ['azure-token:', /application \(client\) id/],
    ['azure-token:my-app', /not a GUID/],
    [`azure-token:${CLIENT}x`, /not a GUID/],
    [`azure-token:${CLIENT.slice(0, -1)}`, /not a GUID/],
    [`azure-token:${CLIENT}?scope=x`, /parameter|unknown|expected/],
  ])('rejects %s with where and why', (input, message) => {
    expect(() => parseRef(input)).toThrow(RefSyntaxError);
    expect(() => parseRef(input)).toThrow(message);
  });
});
