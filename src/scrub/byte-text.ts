/**
 * @internal The bytes of a Buffer or typed array as UTF-8 text, or undefined for any other value. A snapshot prints
 * bytes one decimal number per line, a form no scrubber matches; the snapshot serializers scrub this text instead and
 * print it when it holds a value (docs/security.md, "Files the run writes").
 */
export function bytesAsText(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) {
    return undefined;
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

/** @internal How a redacted byte array prints in a snapshot: its class, then its scrubbed text. */
export function redactedBytes(value: ArrayBufferView, printedText: string): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `${typeof name === 'string' && name !== '' ? name : 'Uint8Array'} ${printedText}`;
}
