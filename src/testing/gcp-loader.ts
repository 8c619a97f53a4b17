/**
 * The Secret Manager server needs gRPC and the SDK's protos, which only users of `gcp-sm://` refs have installed:
 * it is loaded when a `gcp-sm://` ref is seeded, and a missing package is named with the command that installs it.
 */

type GcpServers = typeof import('./gcp/index.js');

/** @internal */
export async function loadGcpServers(load: () => Promise<GcpServers> = () => import('./gcp/index.js')) {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
      throw error;
    }
    const missing = /['"]((?:@[^/'"]+\/)?[^/'"]+)/.exec(String((error as Error).message))?.[1] ?? 'a package';
    throw new Error(
      `startBackends: the local Secret Manager needs ${missing}, which is not installed. ` +
        'Install it: npm install -D @grpc/grpc-js @grpc/proto-loader @google-cloud/secret-manager',
      { cause: error }
    );
  }
}
