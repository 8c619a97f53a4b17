import { inspect } from 'node:util';

const kValue = Symbol('credential-broker.secret');

/**
 * @public A resolved secret. Every way JavaScript turns it into text — `String()`, template literals,
 * `JSON.stringify`, `util.inspect`, `console.log`, an Error message — yields a redacted label.
 * Only {@link SecretValue.reveal} returns the plaintext; materialisation is the one caller.
 */
export class SecretValue {
  readonly label: string;
  readonly #value: string;

  constructor(value: string, label: string) {
    this.#value = value;
    this.label = label;
    // A non-enumerable symbol slot keeps the value out of structuredClone/Object.keys/JSON.
    Object.defineProperty(this, kValue, { value: true, enumerable: false });
  }

  /** The plaintext. Call only where the value is handed over (env var, 0600 file, private channel). */
  reveal(): string {
    return this.#value;
  }

  /** Byte length of the UTF-8 plaintext, safe to log. */
  get byteLength(): number {
    return Buffer.byteLength(this.#value);
  }

  toString(): string {
    return `[redacted:${this.label}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** @public */
export function isSecretValue(value: unknown): value is SecretValue {
  return value instanceof SecretValue;
}
