#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { checkCommand } from './check.js';
import { manifestCommand } from './manifest.js';
import { describeError } from './options.js';
import { runCommand } from './run.js';
import { sweepCommand } from './sweep.js';

const program = new Command('credential-broker')
  .description(
    'Resolve secret references for tests, materialise them for exactly one process or test, scrub them from output.'
  )
  .version(ownVersion(), '-V, --version', 'print the version')
  .option('-c, --config <file>', 'config file (default: credential-broker.config.* found upwards from the cwd)')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Egress is off by default: only local credentials (env:, file:, sops:, age:) resolve and nothing leaves the
machine. Turn it on with --egress or CREDENTIAL_BROKER_EGRESS=1.

Examples:
  credential-broker manifest                 what would be resolved, from where, delivered how
  credential-broker manifest --json          the same as JSON (schema in the README)
  credential-broker check --egress           validate config and refs, probe every backend
  credential-broker run -- npm test          run a command with the credentials in its environment
  credential-broker sweep                    remove scratch dirs left by killed runs`
  );

const egressOption = () => new Option('--egress', 'allow network credentials to resolve (default: off)');

program
  .command('manifest')
  .description('print every declared credential with its source, badge, delivery and status')
  .addOption(new Option('--json', 'JSON output').conflicts('markdown'))
  .addOption(new Option('--markdown', 'Markdown output'))
  .addOption(egressOption())
  .action(async (opts: { json?: boolean; markdown?: boolean; egress?: boolean }) => {
    process.exitCode = await manifestCommand({ ...globals(), ...opts });
  });

program
  .command('check')
  .description('validate the config and refs; resolve local credentials and (with --egress) probe network ones')
  .addOption(egressOption())
  .action(async (opts: { egress?: boolean }) => {
    process.exitCode = await checkCommand({ ...globals(), ...opts });
  });

program
  .command('run')
  .description('run a command with credentials in its environment (and 0600 files), scrub its output, wipe after')
  .addOption(egressOption())
  .option('--only <names>', 'comma-separated credential names (default: all in the config)')
  .option('--audit <file>', "write the run's audit record (JSON: who held what, when; never a value) to this file")
  .argument('<command...>', 'the command, after --')
  .action(async (command: string[], opts: { egress?: boolean; only?: string; audit?: string }) => {
    process.exitCode = await runCommand(command, { ...globals(), ...opts });
  });

program
  .command('sweep')
  .description('remove scratch directories whose owning process is gone')
  .action(() => {
    process.exitCode = sweepCommand();
  });

/** Our package.json, found upwards from this file: `dist/cli.js` when installed, `src/cli/main.ts` in the repo. */
function ownVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'credential-broker' && typeof pkg.version === 'string') {
        return pkg.version;
      }
    }
  }
  return 'unknown';
}

function globals(): { config?: string } {
  const { config } = program.opts<{ config?: string }>();
  return config === undefined ? {} : { config };
}

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`credential-broker: ${describeError(error)}\n`);
  process.exitCode = 2;
}
