import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { destinationPattern, matchesPattern, parseAddressPattern } from '../../../src/netaddr/pattern.js';

function matches(pattern: string, host: string, port?: number): boolean {
  const parsed = destinationPattern(pattern) ?? parseAddressPattern(pattern);
  if (typeof parsed === 'string') {
    throw new Error(`${pattern}: ${parsed}`);
  }
  return matchesPattern(parsed, host, port);
}

describe('address patterns', () => {
  it.each([
    ['127.0.0.0/8', '127.0.0.2', 80, true],
    ['127.0.0.0/8', '128.0.0.1', 80, false],
    ['127.0.0.0/8', 'localhost', 80, true],
    ['127.0.0.1', '127.0.0.1', 5432, true],
    ['127.0.0.1', '127.0.0.2', 5432, false],
    ['::1', '::1', 443, true],
    ['::1', '[::1]', 443, true],
    ['::1', '127.0.0.1', 443, false],
    ['[::1]:8200', '::1', 8200, true],
    ['[::1]:8200', '::1', 8201, false],
    ['10.0.0.0/8', '10.1.2.3', 22, true],
    ['db.internal', 'DB.internal.', 5432, true],
    ['db.internal:5432', 'db.internal', 5433, false],
    ['*.amazonaws.com', 'sts.us-east-1.amazonaws.com', 443, true],
    ['*.amazonaws.com', 'amazonaws.com.evil.test', 443, false],
    ['*.amazonaws.com', 'notamazonaws.com', 443, false],
    ['postgres://db.internal:5432/app', 'db.internal', 5432, true],
    ['postgres://db.internal:5432/app', 'db.internal', 5433, false],
    ['https://api.example.com', 'api.example.com', 443, true],
    ['https://api.example.com', 'api.example.com', 80, false],
    ['redis://cache.internal', 'cache.internal', 6379, true],
    ['http://[::1]:9000', '::1', 9000, true],
  ] as const)('%s vs %s:%s → %s', (pattern, host, port, expected) => {
    expect(matches(pattern, host, port)).toBe(expected);
  });

  it.each([
    ['10.0.0.0/33', 'the prefix length must be 0–32'],
    ['10.0.0.0/', 'the prefix length must be 0–32'],
    ['db.internal:99999', 'the port must be a number from 1 to 65535'],
    ['db internal', 'expected an address block (127.0.0.0/8), an IP, a host name or *.domain, optionally with :port'],
    ['db.internal/8', 'an address block is an IP address, "/" and a prefix length, such as 10.0.0.0/8'],
  ])('refuses %s', (input, message) => {
    expect(parseAddressPattern(input)).toBe(message);
  });

  it('the config refuses a bad egress.allow entry with the reason and its place', () => {
    const parsed = configSchema.safeParse({ egress: { guard: 'strict', allow: ['127.0.0.1', '10.0.0.0/40'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['egress.allow.1', 'not an address: the prefix length must be 0–32'],
    ]);
  });

  it('the config refuses an unknown guard mode', () => {
    expect(configSchema.safeParse({ egress: { guard: 'block' } }).success).toBe(false);
  });
});
