/**
 * `ixhaus-admin store …`: create, check, describe, restore and copy stores — files and PostgreSQL URLs (issue 19
 * "CLI: `store init --demo URL`, `store init --admin LOGIN --password-env V URL`, `store check URL`, `store info
 * URL`, and `store copy SRC DST`"). A URL's password comes only from `--store-password-env VAR` or PGPASSWORD.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import { DEFAULT_DEMO_SIZES, DEMO_ADMIN_LOGIN, DEMO_PASSWORD, generateDemoData } from '../core/demo/demoData';
import type { DemoSizes, DemoSummary } from '../core/demo/demoData';
import { copyStore, refuseNonEmptyStore } from '../core/store/copyStore';
import { Store, restoreFromBackup, verifyStoreFile } from '../core/store/database';
import { isPostgresUrl, parseStoreLocation } from '../core/store/location';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import { checkStoreConsistency } from '../core/store/storeCheck';
import { asyncStoreInfo, storeInfo } from '../core/store/storeInfo';
import { createFirstAdmin } from '../core/users/bootstrap';
import { count, envValue, formatMb, runVerb } from './output';
import type { VerbResult } from './output';
import { SYSTEMS_ENV } from '../core/systems/systems';
import { registerStoreCopyCommand } from './storeCopyCommand';
import { copyProgressReporter, locationOf, openLocation } from './storeLocations';
import type { LocationArgument } from './storeLocations';
import { announceSystem, resolveCliSystem } from './writableStore';

interface UrlOptions {
  json?: boolean;
  storePasswordEnv?: string;
  storeCa?: string;
}

interface SystemOptions extends UrlOptions {
  system?: string;
  systemsFile?: string;
}

interface InitOptions extends Omit<DemoSizes, 'meldungenPerObject' | 'auftraegePerObject'>, UrlOptions {
  demo?: boolean;
  admin?: string;
  passwordEnv?: string;
  seed?: number;
}

function urlOptions(command: Command): Command {
  return command
    .option('--store-password-env <var>', 'environment variable with the PostgreSQL password (default: PGPASSWORD)')
    .option('--store-ca <file>', 'PEM file with the CA certificate of the PostgreSQL server (sslmode=verify-full)');
}

/** Adds `--system NAME` / `--systems-file FILE` to a verb whose store is its argument (issue 20). */
function systemOptions(command: Command): Command {
  return command
    .option(
      '--system <name>',
      `a customer system by name instead of the argument (from --systems-file or $${SYSTEMS_ENV})`,
    )
    .option(
      '--systems-file <file>',
      `the systems list: a JSON array, or a VS Code settings.json with "ixhaus.systems" (default: $${SYSTEMS_ENV})`,
    );
}

/**
 * Refuses a `store check|info` that names its store twice (argument and `--system`) or not at all.
 * @throws CommanderError (exit 2, usage)
 */
function requireOneStore(command: Command, text: string | undefined, options: SystemOptions): void {
  if (options.system !== undefined && text !== undefined)
    command.error('error: give either a store (file or URL) or --system NAME, not both', {
      code: 'commander.conflictingOption',
    });
  if (options.system === undefined && text === undefined)
    command.error('error: name the store: a file, a postgres:// URL, or --system NAME', {
      code: 'commander.missingArgument',
    });
}

/**
 * The store a `store check|info` names: its argument, or the store of `--system` (announced on stderr).
 * @throws SystemError from {@link resolveCliSystem}
 */
function storeArgument(text: string | undefined, options: SystemOptions): string {
  if (options.system === undefined) return text ?? '';
  const system = resolveCliSystem(options.system, options.systemsFile);
  announceSystem(system);
  return system.store;
}

function argumentOf(text: string, options: UrlOptions): LocationArgument {
  return {
    text,
    passwordOption: '--store-password-env',
    ...(options.storePasswordEnv !== undefined ? { passwordEnv: options.storePasswordEnv } : {}),
    ...(options.storeCa !== undefined ? { caFile: options.storeCa } : {}),
  };
}

/** Fills `store` with the demo or the first administrator, as `store init` asks. */
async function populate(
  store: Store,
  options: InitOptions,
  password: string | undefined,
): Promise<DemoSummary | undefined> {
  if (options.demo) {
    const tty = process.stderr.isTTY && options.json !== true;
    const summary = await generateDemoData(store, {
      sizes: {
        users: options.users,
        teams: options.teams,
        objects: options.objects,
        persons: options.persons,
        creditors: options.creditors,
        owners: options.owners,
      },
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      onProgress: tty ? (done, total) => process.stderr.write(`\rdemo data: ${done} / ${total}`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    return summary;
  }
  if (options.admin && password !== undefined)
    await createFirstAdmin(new SqlJsAsyncStore(store), options.admin, password);
  return undefined;
}

function initLines(summary: DemoSummary | undefined, admin: string | undefined): string[] {
  if (summary)
    return [
      `demo data: ${Object.entries(summary)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
      `demo login: ${DEMO_ADMIN_LOGIN} / ${DEMO_PASSWORD} (administrator)`,
    ];
  if (admin) return [`first administrator: ${admin}`];
  return [
    'the store has no users yet, so nobody can sign in: create it with --admin LOGIN --password-env VAR, or use --demo',
  ];
}

/**
 * `store init URL`: migrates the database (as the schema-owner role) and, with --demo or --admin, fills an
 * in-memory store the same way as a file and copies it in with {@link copyStore} (one transaction, verified).
 */
async function initUrl(text: string, options: InitOptions, password: string | undefined): Promise<VerbResult> {
  const started = Date.now();
  const opened = await openLocation(argumentOf(text, options));
  try {
    const target = opened.store;
    let summary: DemoSummary | undefined;
    let rows = 0;
    // refused with init's own words before anything is generated (copyStore would say "nothing was copied")
    await refuseNonEmptyStore(target, 'init');
    if (options.demo || options.admin) {
      const memory = await Store.inMemory();
      const source = new SqlJsAsyncStore(memory);
      try {
        summary = await populate(memory, options, password);
        rows = (await copyStore(source, target, { onProgress: copyProgressReporter() })).rows;
      } finally {
        await memory.close({ save: false });
      }
    }
    const version = await target.schemaVersion();
    const ms = Date.now() - started;
    return {
      json: {
        location: target.location,
        schemaVersion: version,
        rows,
        milliseconds: ms,
        demo: summary ?? null,
        demoLogin: summary ? { login: DEMO_ADMIN_LOGIN, password: DEMO_PASSWORD } : null,
        admin: options.admin ?? null,
      },
      text: `${[`initialised ${target.location} (schema v${version}, ${rows} rows, ${ms} ms)`, ...initLines(summary, options.admin)].join('\n')}\n`,
    };
  } finally {
    await opened.store.close();
  }
}

async function initFile(file: string, options: InitOptions, password: string | undefined): Promise<VerbResult> {
  const started = Date.now();
  let summary: DemoSummary | undefined;
  const created = await Store.create(file, {
    // a mistyped path must not create folders (store copy refuses the same way)
    createFolder: false,
    populate: async (store) => void (summary = await populate(store, options, password)),
  });
  const facts = created.facts();
  await created.close();
  const ms = Date.now() - started;
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
    text: `${[`created ${facts.file} (schema v${facts.schemaVersion}, ${formatMb(facts.sizeBytes)}, ${ms} ms)`, ...initLines(summary, options.admin)].join('\n')}\n`,
  };
}

/**
 * `store check URL`: connects (without migrating) and runs {@link checkStoreConsistency}; exit 1 when it finds
 * problems.
 */
async function checkUrl(text: string, options: UrlOptions): Promise<VerbResult> {
  const opened = await openLocation(argumentOf(text, options), { migrate: false });
  try {
    const store = opened.store;
    const { schemaVersion: version, counts, problems } = await checkStoreConsistency(store);
    const tables = Object.keys(counts);
    if (problems.length > 0) process.exitCode = 1;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return {
      json: { ok: problems.length === 0, location: store.location, schemaVersion: version, counts, problems },
      text:
        problems.length === 0
          ? `ok: ${store.location} (schema v${version}, ${tables.length} tables, ${total} rows, every foreign key has its row)\n`
          : `problems in ${store.location}:\n${problems.map((p) => `  ${p}\n`).join('')}`,
    };
  } finally {
    await opened.store.close();
  }
}

function printCounts(lines: string[], counts: Readonly<Record<string, number>>): void {
  for (const [table, n] of Object.entries(counts)) lines.push(`  ${table.padEnd(18)} ${String(n).padStart(9)}`);
}

async function infoUrl(text: string, options: UrlOptions): Promise<VerbResult> {
  const opened = await openLocation(argumentOf(text, options), { migrate: false });
  try {
    const info = await asyncStoreInfo(opened.store);
    const lines = [
      info.location,
      `  PostgreSQL ${info.serverVersion ?? '?'}, schema v${info.schemaVersion}, ${formatMb(info.sizeBytes ?? 0)} on the server${info.demo ? ', demo data' : ''}`,
    ];
    printCounts(lines, info.counts);
    return { json: { ...info }, text: `${lines.join('\n')}\n` };
  } finally {
    await opened.store.close();
  }
}

async function infoFile(file: string): Promise<VerbResult> {
  const opened = await Store.open(file, { readOnly: true });
  try {
    const info = storeInfo(opened);
    const lines = [
      `${info.file}`,
      `  schema v${info.schemaVersion}, ${formatMb(info.sizeBytes)} (${info.pageCount} pages of ${info.pageSize} bytes)${info.demo ? ', demo data' : ''}`,
    ];
    printCounts(lines, info.counts);
    return { json: { ...info }, text: `${lines.join('\n')}\n` };
  } finally {
    await opened.close();
  }
}

/** Registers `store init|check|info|restore|copy`. */
export function registerStoreCommands(program: Command): void {
  const store = program
    .command('store')
    .description('create, check, describe and copy stores (files and postgres:// URLs)')
    .exitOverride();
  const isUrl = (text: string, options: UrlOptions): boolean =>
    locationOf(argumentOf(text, options)).kind === 'postgres';

  urlOptions(
    store
      .command('init')
      .description(
        'create a new store (a file is never created over an existing one; a postgres:// database is migrated and must be empty): with --demo filled with demo data, or with a first administrator (--admin)',
      )
      .argument('<file|url>', 'path of the new store file (*.sqlite), or postgres://user@host:port/database'),
  )
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
    .action((text: string, options: InitOptions) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        if (options.demo && options.admin)
          throw new Error('--demo and --admin exclude each other: a demo store has its own admin (admin / demo)');
        if (options.admin && options.passwordEnv === undefined)
          throw new Error('--admin needs --password-env VAR with the password in that environment variable');
        const password =
          options.admin && options.passwordEnv !== undefined
            ? envValue(options.passwordEnv, '--password-env')
            : undefined;
        return isUrl(text, options) ? initUrl(text, options, password) : initFile(text, options, password);
      }),
    );

  systemOptions(
    urlOptions(
      store
        .command('check')
        .description(
          'check a store without changing it. File: SQLite header, size, the checksum of its last save (quick_check when it has none), schema version. URL: connection, schema version, row counts, every foreign key has its row',
        )
        .argument('[file|url]', 'store file or postgres:// URL (or --system NAME)'),
    ),
  )
    .option('--full', "file: also run SQLite's quick_check when the checksum matches")
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((given: string | undefined, options: SystemOptions & { full?: boolean }, command: Command) => {
      requireOneStore(command, given, options);
      return runVerb(options.json === true, async () => {
        const text = storeArgument(given, options);
        if (isUrl(text, options)) return checkUrl(text, options);
        const result = await verifyStoreFile(text, undefined, { full: options.full === true });
        const how = result.verifiedBy === 'checksum' ? 'checksum of the last save matches' : 'quick_check ok';
        return {
          json: { file: text, ...result },
          text: `ok: ${text} (schema v${result.schemaVersion}, ${formatMb(result.sizeBytes)}, ${how}${result.backupFile ? `, backup ${result.backupFile} ok` : ''})\n`,
        };
      });
    });

  systemOptions(
    urlOptions(
      store
        .command('info')
        .description('show size, schema version and record counts of a store (a file is opened read-only)')
        .argument('[file|url]', 'store file or postgres:// URL (or --system NAME)'),
    ),
  )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((given: string | undefined, options: SystemOptions, command: Command) => {
      requireOneStore(command, given, options);
      return runVerb(options.json === true, () => {
        const text = storeArgument(given, options);
        return isUrl(text, options) ? infoUrl(text, options) : infoFile(text);
      });
    });

  store
    .command('restore')
    .description(
      'replace a damaged store file with its valid .bak copy (the damaged file is moved aside, never deleted)',
    )
    .argument('<file>', 'store file')
    .option('--force', 'restore even when the store is intact')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((file: string, options: { json?: boolean; force?: boolean }) =>
      runVerb(options.json === true, async () => {
        // a URL would otherwise be taken for a relative file path ("no backup copy of the store ./postgres:/…")
        if (isPostgresUrl(file))
          throw new Error(
            `store restore is for store files (it puts back the .bak copy a file keeps); ${parseStoreLocation(file).redacted} is a PostgreSQL store and has no .bak: back it up and restore it with pg_dump / pg_restore (docs/postgresql.md, "Backup and restore")`,
          );
        const aside = await restoreFromBackup(file, { force: options.force === true });
        return {
          json: { file, damagedFileMovedTo: aside },
          text: `restored ${file} from its backup; the previous file was moved to ${aside}\n`,
        };
      }),
    );

  registerStoreCopyCommand(store);
}
