/** @public Every scratch root is named `credential-broker-<pid>-<random hex>`; `sweep` looks for this prefix. */
export const SCRATCH_DIR_PREFIX = 'credential-broker-';

/** @public Set to `1` to keep scratch files after the run for debugging. They hold plaintext secrets. */
export const ENV_KEEP_FILES = 'CREDENTIAL_BROKER_KEEP_FILES';

/** @public Preferred base directory for scratch roots: a per-user tmpfs on systemd machines. */
export const ENV_XDG_RUNTIME_DIR = 'XDG_RUNTIME_DIR';

/** @internal Owner record inside each scratch root; the leading dot keeps it apart from task dir names. */
export const OWNER_RECORD_NAME = '.owner.json';

/** @internal A sweeper renames a stale root to `.credential-broker-sweep-<sweeper pid>-<hex>` before removing it. */
export const TOMBSTONE_PREFIX = '.credential-broker-sweep-';

/** @internal Matches a scratch root or tombstone name and captures the pid it names. */
export const SCRATCH_NAME_PATTERN = /^credential-broker-(\d+)-[0-9a-f]+$/;

/** @internal */
export const TOMBSTONE_NAME_PATTERN = /^\.credential-broker-sweep-(\d+)-[0-9a-f]+$/;
