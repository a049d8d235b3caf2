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
import { formatTemplate } from '../core/errors';
import { ownAreaCode } from '../core/cti/phoneIndex';
import { readImportFile } from '../core/import/importReader';
import type { ParsedImport, ReadImportOptions } from '../core/import/importReader';
import type { ImportKind, ImportMessage, RowIssue } from '../core/import/importTypes';
import { UnknownImportKindError, findImportKind, kindNamesText } from '../core/import/kindNames';
import { KIND_SPECS } from '../core/import/columnCatalog';
import { listImportBatches } from '../core/import/importHistory';
import type { ImportBatchSummary } from '../core/import/importHistory';
import { planImport } from '../core/import/plan';
import type { ImportPlan } from '../core/import/plan';
import { ImportHasInvalidRowsError, UNDO_REASON_TEXT, applyImport, undoImport } from '../core/import/importBatch';
import type { ApplyImportResult } from '../core/import/importBatch';
import { storeRecords } from '../core/import/storeRecords';
import { exportCsv, exportXlsx } from '../core/import/exportWriter';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';
import { EXIT_FAILED, EXIT_USAGE, collect, count, fail, printJson, runVerb } from './output';

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

/** English names of the kinds for counts: singular and plural. */
const KIND_NOUNS: Readonly<Record<ImportKind, readonly [string, string]>> = {
  users: ['user', 'users'],
  teams: ['team', 'teams'],
  objects: ['object', 'objects'],
  persons: ['person', 'persons'],
  creditors: ['creditor', 'creditors'],
  owners: ['owner', 'owners'],
  'object-links': ['object link', 'object links'],
  meldungen: ['Meldung', 'Meldungen'],
  auftraege: ['Auftrag', 'Aufträge'],
  responsibilities: ['responsibility', 'responsibilities'],
};

/** `1 row`, `2 rows`: a count with its noun in the singular or plural. */
function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** True when records of `kind` carry phone numbers (and the import reports them). */
function hasPhones(kind: ImportKind): boolean {
  return KIND_SPECS[kind].fields.some((f) => f.type === 'phone');
}

/** The column label of a field (`Telefon privat` for `phonePrivate`), as the docs and VS Code show it. */
function fieldLabel(kind: ImportKind, field: string): string {
  return KIND_SPECS[kind].fields.find((f) => f.id === field)?.label ?? field;
}

/** An ISO-8601 instant as local time of this machine with its UTC offset: `2026-12-03 11:15:00 +01:00`. */
export function localTimeText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
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

function text(message: ImportMessage): string {
  const own = formatTemplate(message.template, message.args);
  return message.detail ? `${own} ${text(message.detail)}` : own;
}

function issueLine(issue: RowIssue): string {
  const column = issue.column ? `, column ${issue.column.letter} (${issue.column.header})` : '';
  const line = issue.line !== undefined && issue.line !== issue.row ? ` [CSV line ${issue.line}]` : '';
  return `  row ${issue.row}${column}${line}: ${text(issue.message)}`;
}

/** The preview as text: detected, columns, counts, invalid rows, warnings, reconstructed values, changes. */
function previewText(parsed: ParsedImport, plan: ImportPlan): string {
  const kind = parsed.kind;
  const s = parsed.source;
  const out: string[] = [];
  const detected = [
    `${s.format.toUpperCase()}, ${s.bytes} bytes`,
    s.encoding ? `encoding ${s.encoding.name} (${s.encoding.how})` : '',
    s.delimiter ? `delimiter ${s.delimiter.char === '\t' ? 'tab' : `"${s.delimiter.char}"`} (${s.delimiter.how})` : '',
    s.sheet ? `sheet "${s.sheet.name}" (${s.sheet.how}; sheets: ${s.sheet.all.join(', ')})` : '',
    s.headerRow ? `header row ${s.headerRow.row} (${s.headerRow.how})` : '',
  ].filter((x) => x !== '');
  out.push(`File: ${detected.join(', ')}`);
  for (const note of s.notes) out.push(`  note: ${text(note)}`);
  out.push(`Kind: ${parsed.kind} (${parsed.kindHow})`);
  out.push(
    `Columns: ${parsed.mapping.columns.map((c) => `${c.letter} ${c.header} → ${c.field}${c.how === 'map' ? ' (--map)' : ''}`).join('; ')}`,
  );
  if (parsed.mapping.unknown.length > 0)
    out.push(`Unknown columns (ignored): ${parsed.mapping.unknown.map((c) => `${c.letter} ${c.header}`).join('; ')}`);
  if (plan.ignoredFields.length > 0)
    out.push(`Not stored (the store has no column for them): ${plan.ignoredFields.join(', ')}`);
  const c = plan.counts;
  out.push(
    `Rows: ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.invalid} invalid${parsed.blankRows > 0 ? ` (${counted(parsed.blankRows, 'blank row')} skipped)` : ''}`,
  );
  const errors = plan.rows.flatMap((r) => r.issues.filter((i) => i.severity === 'error'));
  if (errors.length > 0) out.push('Invalid rows:', ...errors.map(issueLine));
  const warnings = plan.rows.flatMap((r) => r.issues.filter((i) => i.severity === 'warning'));
  if (warnings.length > 0) out.push('Warnings:', ...warnings.map(issueLine));
  if (parsed.reconstructed.length > 0)
    out.push(
      'Reconstructed values:',
      ...parsed.reconstructed.map(
        (r) =>
          `  row ${r.row}, column ${r.column.letter} (${r.column.header}): ${r.stored} → ${r.used} (${text(r.message)})`,
      ),
    );
  const changed = plan.rows.filter((r) => r.status === 'changed');
  if (changed.length > 0)
    out.push(
      'Changes:',
      ...changed.map(
        (r) =>
          `  row ${r.row} ${r.key}: ${r.changes.map((ch) => `${fieldLabel(kind, ch.field)} ${ch.before ?? '(empty)'} → ${ch.after ?? '(empty)'}`).join('; ')}`,
      ),
    );
  return `${out.join('\n')}\n`;
}

function previewJson(parsed: ParsedImport, plan: ImportPlan): object {
  const issue = (i: RowIssue): object => ({ ...i, text: text(i.message) });
  return {
    kind: parsed.kind,
    kindHow: parsed.kindHow,
    source: parsed.source,
    mapping: parsed.mapping,
    counts: plan.counts,
    blankRows: parsed.blankRows,
    ignoredFields: plan.ignoredFields,
    rows: plan.rows.map((r) => ({
      row: r.row,
      ...(r.line !== undefined ? { line: r.line } : {}),
      key: r.key,
      status: r.status,
      changes: r.changes,
      issues: r.issues.map(issue),
    })),
    reconstructed: parsed.reconstructed.map((r) => ({ ...r, text: text(r.message) })),
  };
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

/** The last line of a dry run that found invalid rows (exit 1). */
function invalidRowsLine(invalid: number): string {
  return invalid === 1
    ? '1 invalid row: correct it, or import only the valid rows with --skip-invalid.'
    : `${invalid} invalid rows: correct them, or import only the valid rows with --skip-invalid.`;
}

/** What a written import says: the batch, the counts, phone numbers (kinds with phones), undo, new users. */
function writtenText(kind: ImportKind, applied: ApplyImportResult, options: ImportOptions): string {
  const c = applied.counts;
  const skipped = c.invalid > 0 ? `, ${counted(c.invalid, 'invalid row')} skipped` : '';
  const phones = hasPhones(kind)
    ? `; ${counted(applied.phonesWritten, 'phone number')} (${applied.phonesNotIndexed} not readable: stored as text, not indexed for the caller lookup)`
    : '';
  return `Written as batch ${applied.batchId ?? ''}: ${c.new} new, ${c.changed} changed${skipped}${phones}.
Undo with: ixhaus-admin import undo ${applied.batchId ?? ''} --store ${options.store ?? 'S'} --user ${options.user} --password-env ${options.passwordEnv}
${newUsersHint(kind, applied, options)}`;
}

/** Imported new users cannot sign in to this suite until an administrator sets their password: say how. */
function newUsersHint(kind: ImportKind, applied: ApplyImportResult, options: ImportOptions): string {
  if (kind !== 'users' || applied.counts.new === 0) return '';
  const n = applied.counts.new;
  return `${n === 1 ? '1 new user has' : `${n} new users have`} no password yet: set one with ixhaus-admin users set-password LOGIN --new-password-env VAR --store ${options.store ?? 'S'} --user ${options.user} --password-env ${options.passwordEnv}\n`;
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

/** One line of `import list`. */
function batchLine(b: ImportBatchSummary): string {
  const c = b.counts;
  const undone =
    b.undoneAt === null
      ? 'can be undone'
      : `undone ${localTimeText(b.undoneAt)}${b.undoneBy ? ` by ${b.undoneBy}` : ''} (${b.undoRestored ?? 0} restored, ${b.undoSkipped ?? 0} left alone)`;
  return `${b.batchId}  ${localTimeText(b.at)}  ${b.kind}  ${b.sourceName ?? '(no file name)'}  by ${b.by ?? '?'}  ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.invalid} invalid  ${undone}`;
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
 * Writes `bytes` to `target` through a temp file in the same folder (fsync, then rename), so that a failure leaves no
 * partial file under the name. Without `force`, an existing `target` is never replaced: the temp file is linked to the
 * name (which fails when it exists, also when it appeared meanwhile) instead of renamed over it.
 * @throws Error naming the file and `--force` when it exists and `force` is not set
 */
async function writeExportFile(target: string, bytes: Buffer, force: boolean): Promise<void> {
  if (!force && fs.existsSync(target)) throw exportFileExists(target);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    const handle = await fs.promises.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (force) await fs.promises.rename(temp, target);
    else {
      try {
        await fs.promises.link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exportFileExists(target);
        throw error;
      }
    }
  } finally {
    await fs.promises.rm(temp, { force: true });
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
