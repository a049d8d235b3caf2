/**
 * `ixhaus-admin import KIND FILE`, `ixhaus-admin import undo BATCH`, `ixhaus-admin import list` and
 * `ixhaus-admin export KIND --out FILE [--force]` (issue 22 "CLI"): the same core as the extension (src/core/import),
 * administrators only (checked in core). KIND is an English kind id or its German name (kindNames.ts).
 * `import` prints what was detected about the file, the columns, the counts per status, every invalid row (row,
 * column, reason), warnings, reconstructed cells and the changes (by column label); without `--dry-run` it writes
 * one batch (undo with `import undo`, list with `import list`). Exit codes: 0 done (or previewed without invalid
 * rows), 1 refused or failed (invalid rows found — also by `--dry-run` — unless `--skip-invalid`, not an
 * administrator, bad file, nothing to undo), 2 usage (unknown kind, missing argument).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ownAreaCode } from '../core/cti/phoneIndex';
import { readImportFile } from '../core/import/importReader';
import type { ReadImportOptions } from '../core/import/importReader';
import type { ImportKind } from '../core/import/importTypes';
import { UnknownImportKindError, findImportKind, kindNamesText } from '../core/import/kindNames';
import { listImportBatches } from '../core/import/importHistory';
import { planImport } from '../core/import/plan';
import { ImportHasInvalidRowsError, UNDO_REASON_TEXT, applyImport, undoImport } from '../core/import/importBatch';
import type { ApplyImportResult } from '../core/import/importBatch';
import { storeRecords } from '../core/import/storeRecords';
import { writeFileAtomic } from '../core/store/atomicFile';
import { exportCsv, exportXlsx } from '../core/import/exportWriter';
import { KIND_NOUNS, batchLine, counted, hasPhones, invalidRowsLine, previewJson, previewText } from './importText';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';
import { EXIT_FAILED, EXIT_USAGE, collect, count, fail, printJson, runVerb } from './output';
import { shellQuote, storeHintArgs } from './shellQuote';

interface ImportOptions extends SignInOptions {
  dryRun?: boolean;
  skipInvalid?: boolean;
  sheet?: string;
  encoding?: string;
  delimiter?: string;
  headerRow?: number;
  map?: string[];
  limit?: number;
}

interface ExportOptions extends StoreCliOptions {
  out: string;
  force?: boolean;
  json?: boolean;
}

/**
 * The kind named on the command line (English id or German name), or undefined after printing the one error both
 * `import` and `export` give for an unknown kind (usage error, exit 2).
 */
function kindOrUsageError(name: string): ImportKind | undefined {
  const kind = findImportKind(name);
  if (kind === undefined) {
    process.stderr.write(`ixhaus-admin: ${new UnknownImportKindError(name).message}\n`);
    process.exitCode = EXIT_USAGE;
  }
  return kind;
}

function rowNumber(value: string): number {
  if (!/^[1-9]\d{0,6}$/.test(value)) throw new InvalidArgumentError('expected a row number ≥ 1');
  return Number(value);
}

async function runImport(kind: ImportKind, file: string, options: ImportOptions): Promise<void> {
  const json = options.json === true;
  try {
    await asUser(
      options,
      async (store, actor) => {
        const areaCode = await ownAreaCode(store);
        const read: ReadImportOptions = {
          kind,
          ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
          ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
          ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
          ...(options.headerRow !== undefined ? { headerRow: options.headerRow } : {}),
          ...(options.map !== undefined ? { maps: options.map } : {}),
          ...(areaCode !== undefined ? { areaCode } : {}),
        };
        const parsed = await readImportFile(file, read);
        const plan = await planImport(store, actor, parsed);
        const blocked = plan.counts.invalid > 0 && options.skipInvalid !== true;
        let applied: ApplyImportResult | undefined;
        if (options.dryRun !== true && !blocked)
          applied = await applyImport(store, actor, plan, {
            skipInvalid: options.skipInvalid === true,
            sourceName: path.basename(file),
          });
        const dryRun = options.dryRun === true;
        const invalid = plan.counts.invalid;
        // a dry run that finds invalid rows ends with one line saying what to do (no second error: nothing was
        // to be written anyway); a real import names the refusal from core
        const dryRunInvalid = dryRun && blocked ? invalidRowsLine(invalid) : undefined;
        const refusal = blocked && !dryRun ? new ImportHasInvalidRowsError(invalid) : undefined;
        if (json)
          printJson({
            ok: !blocked,
            ...(refusal ? { code: refusal.code, message: refusal.message } : {}),
            ...(dryRunInvalid ? { code: 'E_IMPORT_INVALID_ROWS', message: dryRunInvalid } : {}),
            dryRun,
            ...previewJson(parsed, plan),
            ...(applied
              ? {
                  batchId: applied.batchId ?? null,
                  written: applied.counts,
                  ...(hasPhones(kind)
                    ? { phonesWritten: applied.phonesWritten, phonesNotIndexed: applied.phonesNotIndexed }
                    : {}),
                  ...(kind === 'users' ? { newUsersWithoutPassword: applied.counts.new } : {}),
                }
              : {}),
          });
        else {
          let tail = '';
          if (dryRun && !blocked)
            tail =
              invalid > 0
                ? `Dry run: nothing was written (${counted(invalid, 'invalid row')} would be skipped).\n`
                : 'Dry run: nothing was written.\n';
          else if (applied?.batchId === undefined && !blocked)
            tail = 'Nothing to write: the store already holds these values.\n';
          else if (applied?.batchId !== undefined) tail = writtenText(kind, applied, options);
          process.stdout.write(previewText(parsed, plan) + tail);
        }
        if (dryRunInvalid) {
          if (!json) process.stderr.write(`${dryRunInvalid}\n`);
          process.exitCode = EXIT_FAILED;
        }
        if (refusal) {
          process.stderr.write(`ixhaus-admin: ${refusal.message}\n`);
          process.exitCode = EXIT_FAILED;
        }
      },
      options.dryRun === true ? 'write-if-free' : 'write',
    );
  } catch (error) {
    fail(error, json);
  }
}

/** What a written import says: the batch, the counts, phone numbers (kinds with phones), undo, new users. */
function writtenText(kind: ImportKind, applied: ApplyImportResult, options: ImportOptions): string {
  const c = applied.counts;
  const skipped = c.invalid > 0 ? `, ${counted(c.invalid, 'invalid row')} skipped` : '';
  const phones = hasPhones(kind)
    ? `; ${counted(applied.phonesWritten, 'phone number')} (${applied.phonesNotIndexed} not readable: stored as text, not indexed for the caller lookup)`
    : '';
  return `Written as batch ${applied.batchId ?? ''}: ${c.new} new, ${c.changed} changed${skipped}${phones}.
Undo with: ixhaus-admin import undo ${shellQuote(applied.batchId ?? '')} ${storeHintArgs(options)} --user ${shellQuote(options.user)} --password-env ${shellQuote(options.passwordEnv)}
${newUsersHint(kind, applied, options)}`;
}

/** Imported new users cannot sign in to this suite until an administrator sets their password: say how. */
function newUsersHint(kind: ImportKind, applied: ApplyImportResult, options: ImportOptions): string {
  if (kind !== 'users' || applied.counts.new === 0) return '';
  const n = applied.counts.new;
  return `${n === 1 ? '1 new user has' : `${n} new users have`} no password yet: set one with ixhaus-admin users set-password LOGIN --new-password-env VAR ${storeHintArgs(options)} --user ${shellQuote(options.user)} --password-env ${shellQuote(options.passwordEnv)}\n`;
}

async function runUndo(batchId: string, options: SignInOptions): Promise<void> {
  await runVerb(options.json === true, () =>
    asUser(options, async (store, actor) => {
      const result = await undoImport(store, actor, batchId);
      const skipped = result.skipped.map((s) => `  ${s.entity} ${s.key}: ${UNDO_REASON_TEXT[s.reason]} — left alone`);
      return {
        json: result,
        text: `Undid import batch ${result.batchId} (${result.kind}): ${counted(result.restored, 'record')} restored, ${result.skipped.length} left alone.\n${skipped.length > 0 ? `${skipped.join('\n')}\n` : ''}`,
      };
    }),
  );
}

async function runList(options: ImportOptions): Promise<void> {
  await runVerb(options.json === true, () =>
    asUser(
      options,
      async (store, actor) => {
        const batches = await listImportBatches(store, actor, { limit: options.limit ?? 50 });
        return {
          json: { batches },
          text:
            batches.length === 0
              ? 'No master data imports yet. Import a file with: ixhaus-admin import KIND FILE …\n'
              : `Import batches, newest first (times local):\n${batches.map(batchLine).join('\n')}\n`,
        };
      },
      'read',
    ),
  );
}

/** The refusal to overwrite an existing export file: names it and the fix. */
function exportFileExists(file: string): Error {
  return new Error(
    `the file ${file} exists already; choose another --out file, or add --force to replace it (nothing was written)`,
  );
}

/**
 * Writes `bytes` to `target` atomically (temp file in the same folder, synced; no partial file under the name).
 * Without `force` an existing `target` is never replaced, also not one that appeared meanwhile.
 * @throws Error naming the file and `--force` when it exists and `force` is not set
 */
async function writeExportFile(target: string, bytes: Buffer, force: boolean): Promise<void> {
  if (!force && fs.existsSync(target)) throw exportFileExists(target);
  try {
    await writeFileAtomic(path.resolve(target), bytes, { keepBackup: false, mode: 0o644, exclusive: !force });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exportFileExists(target);
    throw error;
  }
}

async function runExport(kind: ImportKind, options: ExportOptions): Promise<void> {
  await runVerb(options.json === true, () =>
    withCliStore(options, 'read', async (store) => {
      const ext = path.extname(options.out).toLowerCase();
      if (ext !== '.csv' && ext !== '.xlsx')
        throw new Error(`--out must name a .csv or .xlsx file, not "${options.out}"`);
      // refused before the records are read; writeExportFile checks again when it writes
      if (options.force !== true && fs.existsSync(options.out)) throw exportFileExists(options.out);
      const records = await storeRecords(store, kind);
      const bytes = ext === '.csv' ? exportCsv(kind, records) : await exportXlsx(kind, records);
      await writeExportFile(options.out, bytes, options.force === true);
      const [singular, plural] = KIND_NOUNS[kind];
      return {
        json: { kind, file: options.out, records: records.length, bytes: bytes.length },
        text: `Exported ${counted(records.length, singular, plural)} to ${options.out} (${bytes.length} bytes).\n`,
      };
    }),
  );
}

/** Adds the `import` and `export` verbs. */
export function registerImportCommands(program: Command): void {
  signInOptions(
    program
      .command('import')
      .description(
        'import master data from .xlsx or .csv (administrators): "KIND FILE", "undo BATCH" to undo an import, or "list" to list the imports',
      )
      .argument('<kind>', `the kind of data: ${kindNamesText()}; or undo, or list`)
      .argument('[file]', 'the .xlsx/.csv file (after undo: the batch id; none after list)')
      .option('--dry-run', 'only show what would be written (exit 1 when invalid rows were found)')
      .option('--skip-invalid', 'write the valid rows although some rows are invalid')
      .option('--sheet <name>', 'XLSX: the sheet to read (default: the first)')
      .option('--encoding <name>', 'CSV: the encoding (utf-8, cp1252, latin1, utf-16le …; default: detected)')
      .option('--delimiter <char>', 'CSV: the delimiter (; , tab |; default: detected)')
      .option('--header-row <n>', 'row number of the header row (default: detected)', rowNumber)
      .option('--map <column=field>', 'map a column (header or letter) to a field, or to ignore; repeatable', collect)
      .option('--limit <n>', 'list: at most this many batches, newest first (default 50)', count),
  )
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  ixhaus-admin import personen Personen.csv --store S --user admin --password-env IX_PW --dry-run
  ixhaus-admin import list --store S --user admin --password-env IX_PW
  ixhaus-admin import undo BATCH --store S --user admin --password-env IX_PW

Exit codes: 0 written or previewed, 1 refused or failed (invalid rows found — also with --dry-run — unless
--skip-invalid; not an administrator; bad file; nothing left to undo), 2 usage (unknown kind, missing argument).`,
    )
    .action(async (kindName: string, file: string | undefined, options: ImportOptions) => {
      if (kindName === 'list') {
        if (file !== undefined) return usageError(`"import list" takes no further argument (got "${file}")`);
        return runList(options);
      }
      if (kindName === 'undo') {
        if (file === undefined)
          return usageError('"import undo" needs the batch id: import undo BATCH (see "import list")');
        return runUndo(file, options);
      }
      const kind = kindOrUsageError(kindName);
      if (kind === undefined) return;
      if (file === undefined)
        return usageError(`"import ${kindName}" needs the file to import: import ${kindName} FILE`);
      return runImport(kind, file, options);
    });

  addStoreOptions(
    program
      .command('export')
      .description('export master data to .xlsx or .csv (as the import reads it)')
      .argument('<kind>', `the kind of data: ${kindNamesText()}`)
      .requiredOption('--out <file>', 'the .xlsx or .csv file to write (refused when it exists, unless --force)')
      .option('--force', 'replace the --out file when it exists')
      .option('--json', 'print the result as JSON'),
  )
    .exitOverride()
    .action(async (kindName: string, options: ExportOptions) => {
      const kind = kindOrUsageError(kindName);
      if (kind === undefined) return;
      return runExport(kind, options);
    });
}

function usageError(message: string): void {
  process.stderr.write(`ixhaus-admin: ${message}\n`);
  process.exitCode = EXIT_USAGE;
}
