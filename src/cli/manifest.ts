import { loadConfig, noConfigError } from '../config/load.js';
import { buildManifest } from '../egress/manifest.js';
import { renderManifest } from '../egress/render.js';
import { decideEgress } from '../host/egress.js';
import { type CommonOptions, describeError } from './options.js';

/** @internal `credential-broker manifest`: pure, no scratch dir, no resolution, no socket. */
export async function manifestCommand(
  options: CommonOptions & { json?: boolean; markdown?: boolean }
): Promise<number> {
  try {
    const loaded = await loadConfig(options.config === undefined ? {} : { configFile: options.config });
    if (loaded.searched !== undefined) {
      throw noConfigError(loaded.searched);
    }
    const manifest = buildManifest({
      credentials: loaded.credentials.values(),
      backends: loaded.config.backends,
      egress: decideEgress(options.egress === true ? true : undefined, process.env, loaded.config.egress?.enabled),
      env: process.env,
      baseDir: loaded.dir,
    });
    process.stdout.write(renderManifest(manifest, options.json ? 'json' : options.markdown ? 'markdown' : 'terminal'));
    return 0;
  } catch (error) {
    process.stderr.write(`credential-broker: ${describeError(error)}\n`);
    return 2;
  }
}
