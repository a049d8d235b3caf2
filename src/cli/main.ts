/**
 * `ixhaus-admin` — the command-line face of the core, for consultants' scripts (issue "Foundation" §7).
 * Exit codes: 0 ok, 1 refused or failed (message on stderr), 2 usage error. Every verb that prints data
 * offers `--json`.
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_DEMO_SIZES, DEMO_ADMIN_LOGIN, DEMO_PASSWORD, generateDemoData } from '../core/demo/demoData';
import type { DemoSizes } from '../core/demo/demoData';
import { Store, restoreFromBackup, verifyStoreFile } from '../core/store/database';
import { storeInfo } from '../core/store/storeInfo';
import { registerLicenseCommands } from './licenseCommands';
import { EXIT_FAILED, EXIT_USAGE, count, fail, formatMb, printJson, runVerb } from './output';
import type { VerbResult } from './output';

declare const IXHAUS_VERSION: string | undefined;

/**
 * Adds a verb `<name> <file> [--json]` whose body returns its result both as a JSON object (printed with
 * `ok: true` under --json) and as text; a thrown error is reported by {@link fail} (exit 1).
 */
function fileVerb(parent: Command, name: string, description: string, body: (file: string) => Promise<VerbResult>): Command {
  return parent
    .command(name)
    .description(description)
    .argument('<file>', 'store file')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((file: string, options: { json?: boolean }) => runVerb(options.json === true, () => body(file)));
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
    .description('create a new store file (never over an existing file); with --demo, fill it with demo data')
    .argument('<file>', 'path of the new store file (*.sqlite)')
    .option('--demo', 'fill the store with deterministic demo data')
    .addOption(new Option('--users <n>', 'demo users').argParser(count).default(DEFAULT_DEMO_SIZES.users))
    .addOption(new Option('--teams <n>', 'demo teams').argParser(count).default(DEFAULT_DEMO_SIZES.teams))
    .addOption(new Option('--objects <n>', 'demo objects').argParser(count).default(DEFAULT_DEMO_SIZES.objects))
    .addOption(new Option('--persons <n>', 'demo persons').argParser(count).default(DEFAULT_DEMO_SIZES.persons))
    .addOption(new Option('--creditors <n>', 'demo creditors').argParser(count).default(DEFAULT_DEMO_SIZES.creditors))
    .addOption(new Option('--owners <n>', 'demo owners').argParser(count).default(DEFAULT_DEMO_SIZES.owners))
    .addOption(new Option('--seed <n>', 'seed of the demo generator').argParser(count))
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action(async (file: string, options: { demo?: boolean; json?: boolean; seed?: number } & Omit<DemoSizes, 'meldungenPerObject' | 'auftraegePerObject'>) => {
      const json = options.json === true;
      const started = Date.now();
      let created: Store | undefined;
      try {
        created = await Store.create(file);
        let summary: Awaited<ReturnType<typeof generateDemoData>> | undefined;
        if (options.demo) {
          const sizes = { users: options.users, teams: options.teams, objects: options.objects, persons: options.persons, creditors: options.creditors, owners: options.owners };
          const tty = process.stderr.isTTY && !json;
          summary = await generateDemoData(created, {
            sizes,
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            onProgress: tty ? (done, total) => process.stderr.write(`\rdemo data: ${done} / ${total}`) : undefined,
          });
          if (tty) process.stderr.write('\n');
          await created.save();
        }
        const facts = created.facts();
        const ms = Date.now() - started;
        if (json) {
          printJson({ ok: true, file: facts.file, schemaVersion: facts.schemaVersion, sizeBytes: facts.sizeBytes, milliseconds: ms, demo: summary ?? null, demoLogin: summary ? { login: DEMO_ADMIN_LOGIN, password: DEMO_PASSWORD } : null });
        } else {
          process.stdout.write(`created ${facts.file} (schema v${facts.schemaVersion}, ${formatMb(facts.sizeBytes)}, ${ms} ms)\n`);
          if (summary) {
            process.stdout.write(`demo data: ${Object.entries(summary).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
            process.stdout.write(`demo login: ${DEMO_ADMIN_LOGIN} / ${DEMO_PASSWORD} (administrator)\n`);
          }
        }
      } catch (error) {
        fail(error, json);
      } finally {
        await created?.close();
      }
    });

  fileVerb(store, 'check', 'check a store file without changing it: SQLite header, size, quick_check, schema version', async (file) => {
    const result = await verifyStoreFile(file);
    return {
      json: { file, ...result },
      text: `ok: ${file} (schema v${result.schemaVersion}, ${formatMb(result.sizeBytes)}${result.backupFile ? `, backup ${result.backupFile} ok` : ''})\n`,
    };
  });

  fileVerb(store, 'info', 'show size, schema version and record counts of a store (opened read-only)', async (file) => {
    const opened = await Store.open(file, { readOnly: true });
    try {
      const info = storeInfo(opened);
      const lines = [`${info.file}`, `  schema v${info.schemaVersion}, ${formatMb(info.sizeBytes)} (${info.pageCount} pages of ${info.pageSize} bytes)${info.demo ? ', demo data' : ''}`];
      for (const [table, n] of Object.entries(info.counts)) lines.push(`  ${table.padEnd(18)} ${String(n).padStart(9)}`);
      return { json: { ...info }, text: `${lines.join('\n')}\n` };
    } finally {
      await opened.close();
    }
  });

  fileVerb(store, 'restore', 'replace a damaged store with its valid .bak copy (the damaged file is moved aside, never deleted)', async (file) => {
    const aside = await restoreFromBackup(file);
    return { json: { file, damagedFileMovedTo: aside }, text: `restored ${file} from its backup; the previous file was moved to ${aside}\n` };
  });

  registerLicenseCommands(program);
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
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
