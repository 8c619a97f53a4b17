import { BrokerError } from '../errors.js';
import { pointerText } from './key.js';
import type { KeySelector } from './types.js';

const MAX_LISTED = 20;

/**
 * @public Select a ref's `#key` in a parsed document. A field name reads a top-level property; a JSON Pointer
 * walks objects by name and arrays by decimal index (no `-`). Only own properties count, so `#constructor`
 * finds nothing on a plain object.
 * @param refDisplay the ref in display form, named in the error.
 * @throws `BrokerError('FIELD_NOT_FOUND')` naming what is missing and the field names available where the
 * walk stopped (the top level for a field name) — names only, never values, at most 20.
 */
export function selectKey(tree: unknown, key: KeySelector, refDisplay: string): unknown {
  const tokens = key.kind === 'field' ? [key.name] : key.tokens;
  const missing = key.kind === 'field' ? `field ${JSON.stringify(key.name)}` : JSON.stringify(pointerText(tokens));
  let node = tree;
  for (const [i, token] of tokens.entries()) {
    const at = i === 0 ? '' : ` at ${JSON.stringify(pointerText(tokens.slice(0, i)))}`;
    const fail = (why: string): BrokerError =>
      new BrokerError('FIELD_NOT_FOUND', `${missing} not found${why}`, { operation: 'select', ref: refDisplay });
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= node.length) {
        throw fail(`: no index ${JSON.stringify(token)} in the array${at} (length ${node.length})`);
      }
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null) {
      if (!Object.hasOwn(node, token)) {
        const which = key.kind === 'field' ? '' : `: no field ${JSON.stringify(token)}${at}`;
        throw fail(`${which}; ${availableFields(node, at)}`);
      }
      node = (node as Record<string, unknown>)[token];
    } else {
      throw fail(`: ${i === 0 ? 'the document' : `the value${at}`} is ${kindOf(node)}, not an object or array`);
    }
  }
  return node;
}

function availableFields(node: object, at: string): string {
  const names = Object.keys(node);
  if (names.length === 0) {
    return `the object${at} has no fields`;
  }
  const shown = names.slice(0, MAX_LISTED).map((n) => JSON.stringify(n));
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  return `available fields${at}: ${shown.join(', ')}${more}`;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  return `a ${typeof value}`;
}
