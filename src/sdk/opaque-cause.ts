/**
 * @internal What a backend keeps of a cloud SDK's error as `cause`: its name, its code and its HTTP status, nothing
 * else. An SDK error's message is the server's text, which can echo input, and HTTP clients keep the request on the
 * error, headers included (tokens). Vitest and Node print causes in full, so only identifiers may be kept.
 */
export function opaqueCause(error: unknown, from: string): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const name = typeof e['name'] === 'string' && /^\w{1,64}$/.test(e['name']) ? e['name'] : 'Error';
  const code = identifier(e['code']);
  const status = statusOf(e);
  return new Error(
    `${name}${code === undefined ? '' : ` ${code}`}${status === undefined ? '' : ` (HTTP ${status})`} from ${from}`
  );
}

function identifier(code: unknown): string | undefined {
  if (typeof code === 'number' && Number.isInteger(code)) {
    // gRPC status codes are numbers.
    return String(code);
  }
  return typeof code === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(code) ? code : undefined;
}

function statusOf(e: Record<string, unknown>): number | undefined {
  const response = e['response'] as Record<string, unknown> | undefined;
  const metadata = e['$metadata'] as Record<string, unknown> | undefined;
  for (const candidate of [
    metadata?.['httpStatusCode'],
    e['statusCode'],
    e['status'],
    response?.['status'],
    response?.['statusCode'],
  ]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) {
      return candidate;
    }
  }
  return undefined;
}
