/**
 * `ixhaus-admin` — the command-line face of the core, for consultants' scripts (issue "Foundation" §7).
 * Exit codes: 0 ok, 1 refused or failed (message on stderr), 2 usage error. Every verb that prints data
 * offers `--json`.
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_DEMO_SIZES, DEMO_ADMIN_LOGIN, DEMO_PASSWORD, generateDemoData } from '../core/demo/demoData';
import type { DemoSizes, DemoSummary } from '../core/demo/demoData';
import { Store, restoreFromBackup, verifyStoreFile } from '../core/store/database';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import { storeInfo } from '../core/store/storeInfo';
import { createFirstAdmin } from '../core/users/bootstrap';
import { registerAdminCommands } from './adminCommands';
import { registerCtiCommands } from './ctiCommands';
import { registerLicenseCommands } from './licenseCommands';
import { registerResponsibleCommands } from './responsibleCommands';
import { registerRightsCommands } from './rightsCommands';
import { registerMailCommands } from './mailCommands';
import { EXIT_FAILED, EXIT_USAGE, count, formatMb, runVerb, envValue } from './output';
import type { VerbResult } from './output';

declare const IXHAUS_VERSION: string | undefined;

/**
 * Adds a verb `<name> <file> [--json]` whose body returns its result both as a JSON object (printed with
 * `ok: true` under --json) and as text; a thrown error is reported by {@link fail} (exit 1).
 */
function fileVerb(
  parent: Command,
  name: string,
  description: string,
  body: (file: string, options: { force?: boolean; full?: boolean }) => Promise<VerbResult>,
  configure: (command: Command) => void = () => undefined,
): Command {
  const command = parent
    .command(name)
    .description(description)
    .argument('<file>', 'store file')
    .option('--json', 'print the result as JSON');
  configure(command);
  return command
    .exitOverride()
    .action((file: string, options: { json?: boolean; force?: boolean; full?: boolean }) =>
      runVerb(options.json === true, () => body(file, options)),
    );
}

interface InitOptions extends Omit<DemoSizes, 'meldungenPerObject' | 'auftraegePerObject'> {
  demo?: boolean;
  admin?: string;
  passwordEnv?: string;
  seed?: number;
  json?: boolean;
}

/** Builds the command tree. Exported for tests, which run it in-process. */
export function buildProgram(): Command {
  const program = new Command('ixhaus-admin')
    .description('Administration of iX-Haus plus stores from the command line')
    .version(typeof IXHAUS_VERSION === 'string' ? IXHAUS_VERSION : 'dev')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const store = program.command('store').description('create, check and describe store files').exitOverride();

  store
    .command('init')
    .description(
      'create a new store file (never over an existing file): with --demo filled with demo data, or with a first administrator (--admin)',
    )
    .argument('<file>', 'path of the new store file (*.sqlite)')
    .option('--demo', 'fill the store with deterministic demo data (login admin / demo)')
    .option('--admin <login>', 'create the first administrator with this login (at most 8 characters)')
    .option('--password-env <var>', "environment variable holding the first administrator's password (with --admin)")
    .addOption(new Option('--users <n>', 'demo users').argParser(count).default(DEFAULT_DEMO_SIZES.users))
    .addOption(new Option('--teams <n>', 'demo teams').argParser(count).default(DEFAULT_DEMO_SIZES.teams))
    .addOption(new Option('--objects <n>', 'demo objects').argParser(count).default(DEFAULT_DEMO_SIZES.objects))
    .addOption(new Option('--persons <n>', 'demo persons').argParser(count).default(DEFAULT_DEMO_SIZES.persons))
    .addOption(new Option('--creditors <n>', 'demo creditors').argParser(count).default(DEFAULT_DEMO_SIZES.creditors))
    .addOption(new Option('--owners <n>', 'demo owners').argParser(count).default(DEFAULT_DEMO_SIZES.owners))
    .addOption(new Option('--seed <n>', 'seed of the demo generator').argParser(count))
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((file: string, options: InitOptions) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        if (options.demo && options.admin)
          throw new Error('--demo and --admin exclude each other: a demo store has its own admin (admin / demo)');
        if (options.admin && options.passwordEnv === undefined)
          throw new Error('--admin needs --password-env VAR with the password in that environment variable');
        const password =
          options.admin && options.passwordEnv !== undefined
            ? envValue(options.passwordEnv, '--password-env')
            : undefined;
        const started = Date.now();
        let summary: DemoSummary | undefined;
        const tty = process.stderr.isTTY && options.json !== true;
        const created = await Store.create(file, {
          populate: async (store) => {
            if (options.demo) {
              const sizes = {
                users: options.users,
                teams: options.teams,
                objects: options.objects,
                persons: options.persons,
                creditors: options.creditors,
                owners: options.owners,
              };
              summary = await generateDemoData(store, {
                sizes,
                ...(options.seed !== undefined ? { seed: options.seed } : {}),
                onProgress: tty ? (done, total) => process.stderr.write(`\rdemo data: ${done} / ${total}`) : undefined,
              });
              if (tty) process.stderr.write('\n');
            } else if (options.admin && password !== undefined) {
              // the first admin goes through the async core; its transaction saves the new file, as the end of create does
              await createFirstAdmin(new SqlJsAsyncStore(store), options.admin, password);
            }
          },
        });
        const facts = created.facts();
        await created.close();
        const ms = Date.now() - started;
        const lines = [
          `created ${facts.file} (schema v${facts.schemaVersion}, ${formatMb(facts.sizeBytes)}, ${ms} ms)`,
        ];
        if (summary) {
          lines.push(
            `demo data: ${Object.entries(summary)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')}`,
            `demo login: ${DEMO_ADMIN_LOGIN} / ${DEMO_PASSWORD} (administrator)`,
          );
        } else if (options.admin) {
          lines.push(`first administrator: ${options.admin}`);
        } else {
          lines.push(
            'the store has no users yet, so nobody can sign in: create it with --admin LOGIN --password-env VAR, or use --demo',
          );
        }
        return {
          json: {
            file: facts.file,
            schemaVersion: facts.schemaVersion,
            sizeBytes: facts.sizeBytes,
            milliseconds: ms,
            demo: summary ?? null,
            demoLogin: summary ? { login: DEMO_ADMIN_LOGIN, password: DEMO_PASSWORD } : null,
            admin: options.admin ?? null,
          },
          text: `${lines.join('\n')}\n`,
        };
      }),
    );

  fileVerb(
    store,
    'check',
    'check a store file without changing it: SQLite header, size, the checksum of its last save (quick_check when it has none), schema version',
    async (file, options) => {
      const result = await verifyStoreFile(file, undefined, { full: options.full === true });
      const how = result.verifiedBy === 'checksum' ? 'checksum of the last save matches' : 'quick_check ok';
      return {
        json: { file, ...result },
        text: `ok: ${file} (schema v${result.schemaVersion}, ${formatMb(result.sizeBytes)}, ${how}${result.backupFile ? `, backup ${result.backupFile} ok` : ''})\n`,
      };
    },
    (command) => command.option('--full', "also run SQLite's quick_check when the checksum matches"),
  );

  fileVerb(store, 'info', 'show size, schema version and record counts of a store (opened read-only)', async (file) => {
    const opened = await Store.open(file, { readOnly: true });
    try {
      const info = storeInfo(opened);
      const lines = [
        `${info.file}`,
        `  schema v${info.schemaVersion}, ${formatMb(info.sizeBytes)} (${info.pageCount} pages of ${info.pageSize} bytes)${info.demo ? ', demo data' : ''}`,
      ];
      for (const [table, n] of Object.entries(info.counts))
        lines.push(`  ${table.padEnd(18)} ${String(n).padStart(9)}`);
      return { json: { ...info }, text: `${lines.join('\n')}\n` };
    } finally {
      await opened.close();
    }
  });

  fileVerb(
    store,
    'restore',
    'replace a damaged store with its valid .bak copy (the damaged file is moved aside, never deleted)',
    async (file, options) => {
      const aside = await restoreFromBackup(file, { force: options.force === true });
      return {
        json: { file, damagedFileMovedTo: aside },
        text: `restored ${file} from its backup; the previous file was moved to ${aside}\n`,
      };
    },
    (command) => command.option('--force', 'restore even when the store is intact'),
  );

  registerLicenseCommands(program);
  registerAdminCommands(program);
  registerResponsibleCommands(program);
  registerMailCommands(program);
  registerCtiCommands(program);
  registerRightsCommands(program);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`ixhaus-admin: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
  return Number(process.exitCode ?? 0);
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
