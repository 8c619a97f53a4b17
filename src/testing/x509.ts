import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * A minimal DER writer for the two certificates the local servers need (a CA and a leaf it signs), so the shipped
 * servers generate them in-process: no `openssl` CLI on the user's machine, no dependency. P-256 keys, ECDSA-SHA256
 * signatures. TEST ONLY: nothing here is fit for a real PKI.
 */

/** @internal What one certificate says. */
export interface CertificateSpec {
  readonly subject: string;
  readonly issuer: string;
  /** The subject's public key. */
  readonly publicKey: KeyObject;
  /** The issuer's public key (for the authority key identifier) and private key (to sign). */
  readonly issuerPublicKey: KeyObject;
  readonly issuerKey: KeyObject;
  readonly ca: boolean;
  /** DNS names and IP literals of a leaf. */
  readonly hosts?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** @internal Returns the certificate as PEM. */
export function createCertificate(spec: CertificateSpec): string {
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const extensions = [
    extension('2.5.29.19', true, seq(spec.ca ? [bool(true)] : [])),
    // keyCertSign + cRLSign for the CA; digitalSignature for a leaf.
    extension('2.5.29.15', true, spec.ca ? tlv(0x03, Buffer.from([0x01, 0x06])) : tlv(0x03, Buffer.from([0x07, 0x80]))),
    extension('2.5.29.14', false, octets(keyId(spec.publicKey))),
    extension('2.5.29.35', false, seq([tlv(0x80, keyId(spec.issuerPublicKey))])),
  ];
  if (!spec.ca) {
    extensions.push(extension('2.5.29.37', false, seq([oid('1.3.6.1.5.5.7.3.1')])));
    extensions.push(extension('2.5.29.17', false, seq((spec.hosts ?? []).map(altName))));
  }
  const serial = randomBytes(16);
  // Positive and minimal: top bit clear (no sign byte needed) and second-highest set (no leading zero byte, which
  // OpenSSL 3 rejects as "illegal padding" — one serial in 512 would otherwise fail to parse).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const algorithm = seq([oid('1.2.840.10045.4.3.2')]);
  const tbs = seq([
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(spec.issuer),
    seq([time(spec.notBefore), time(spec.notAfter)]),
    name(spec.subject),
    spki,
    tlv(0xa3, seq(extensions)),
  ]);
  const signature = sign('sha256', tbs, spec.issuerKey);
  const der = seq([tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]);
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) {
    length = Buffer.from([n]);
  } else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest >>= 8) {
      bytes.unshift(rest & 0xff);
    }
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (items: readonly Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (items: readonly Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (content: Buffer) => tlv(0x04, content);
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

function integer(bytes: Buffer): Buffer {
  // DER integers are signed: a leading byte with its top bit set needs a zero before it.
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function name(commonName: string): Buffer {
  return seq([set([seq([oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8'))])])]);
}

function time(date: Date): Buffer {
  // UTCTime (YYMMDDHHMMSSZ) covers the years 1950–2049, enough for certificates that live a day.
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Buffer.from(`${text}Z`, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq([oid(id), ...(critical ? [bool(true)] : []), octets(value)]);
}

function altName(host: string): Buffer {
  const family = isIP(host);
  if (family === 4) {
    return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  }
  if (family === 6) {
    throw new Error(`IPv6 subject names are not supported by the test CA: ${host}`);
  }
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function keyId(key: KeyObject): Buffer {
  return createHash('sha1')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest();
}
