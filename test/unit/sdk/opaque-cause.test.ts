import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { opaqueCause } from '../../../src/sdk/opaque-cause.js';

describe(opaqueCause.name, () => {
  test('keeps the name, the code and the HTTP status wherever the SDK put them', () => {
    const aws = Object.assign(new Error('CANARY_server_text'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const grpc = Object.assign(new Error('7 PERMISSION_DENIED: CANARY_details'), {
      code: 7,
      details: 'CANARY_details',
    });
    const axios = Object.assign(new Error('Request failed'), {
      code: 'ERR_BAD_REQUEST',
      response: { status: 403, data: 'CANARY_body' },
      config: { headers: { 'X-Vault-Token': 'CANARY_token' } },
    });
    expect([aws, grpc, axios].map((e) => opaqueCause(e, 'sdk').message)).toEqual([
      'AccessDeniedException (HTTP 400) from sdk',
      'Error 7 from sdk',
      'Error ERR_BAD_REQUEST (HTTP 403) from sdk',
    ]);
    for (const e of [aws, grpc, axios]) {
      expect(inspect(opaqueCause(e, 'sdk'), { depth: 20 })).not.toContain('CANARY');
    }
  });

  test('drops a name or code that is not an identifier, and survives a thrown string', () => {
    const odd = Object.assign(new Error('x'), { name: 'CANARY value with spaces', code: 'CANARY value' });
    expect(opaqueCause(odd, 'sdk').message).toBe('Error from sdk');
    expect(opaqueCause('CANARY_thrown', 'sdk').message).toBe('Error from sdk');
  });
});
