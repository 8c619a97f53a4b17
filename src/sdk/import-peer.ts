import { BrokerError } from '../errors.js';

/** @internal What an optional peer is, for the error that says how to install it. */
export interface Peer {
  /** The npm package, e.g. `node-vault`. */
  readonly name: string;
  /** The backend that needs it, e.g. `vault`. */
  readonly backend: string;
  /** What it is needed for. @default `<backend>: references` */
  readonly use?: string;
}

/**
 * @internal Loads an optional peer (a cloud SDK) at the first fetch that needs it: a package that is not installed
 * is MISSING_DEPENDENCY with the command that installs it; any other failure to load is INTERNAL.
 */
export async function importPeer<T>(load: () => Promise<T>, peer: Peer): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const meta = { backend: peer.backend, operation: 'load client', cause: error } as const;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new BrokerError('MISSING_DEPENDENCY', `${peer.name} is not installed`, {
        ...meta,
        hint: `npm install -D ${peer.name} to use ${peer.use ?? `${peer.backend}: references`}`,
      });
    }
    const kind = error instanceof Error && /^\w{1,64}$/.test(error.name) ? error.name : 'error';
    throw new BrokerError('INTERNAL', `${peer.name} failed to load (${kind})`, {
      ...meta,
      hint: `Reinstall ${peer.name}`,
    });
  }
}
