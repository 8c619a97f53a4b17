import type { SecretDocument } from '../contract/backend.js';
import { BrokerError } from '../errors.js';
import { formatRef, selectKey } from '../ref/index.js';
import type { SecretRef } from '../ref/types.js';
import { SecretValue } from '../scrub/secret-value.js';

/** @internal Pick the `#key` of a ref out of a fetched document; the whole text when there is no key. */
export function selectValue(document: SecretDocument, ref: SecretRef, label: string): SecretValue {
  if (ref.key === undefined) {
    return new SecretValue(document.text.reveal(), label);
  }
  const node = selectKey(treeOf(document, ref), ref.key, formatRef(ref));
  if (typeof node === 'string') {
    return new SecretValue(node, label);
  }
  if (node === null || typeof node === 'number' || typeof node === 'boolean') {
    return new SecretValue(String(node), label);
  }
  // A sub-document (object or array) is delivered as JSON, the way `jq -c` would print it.
  return new SecretValue(JSON.stringify(node), label);
}

function treeOf(document: SecretDocument, ref: SecretRef): unknown {
  if (document.tree !== undefined) {
    return document.tree();
  }
  try {
    return JSON.parse(document.text.reveal());
  } catch {
    throw new BrokerError('FIELD_NOT_FOUND', 'the secret is plain text, not a JSON document, so it has no fields', {
      backend: ref.scheme,
      operation: 'select',
      ref: formatRef(ref),
      hint: 'Drop the "#…" part to receive the whole value',
    });
  }
}
