/**
 * `ixhaus-admin import KIND FILE`, `ixhaus-admin import undo BATCH` and `ixhaus-admin export KIND --out FILE`
 * (issue 22 "CLI"): the same core as the extension (src/core/import), administrators only (checked in core).
 * `import` prints what was detected about the file, the columns, the counts per status, every invalid row (row,
 * column, reason), warnings, reconstructed cells and the changes; without `--dry-run` it writes one batch (undo
 * with `import undo`). Exit codes: 0 done (or previewed without invalid rows), 1 refused or failed (invalid rows
 * without `--skip-invalid`, not an administrator, bad file), 2 usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { formatTemplate } from '../core/errors';
import { ownAreaCode } from '../core/cti/phoneIndex';
import { readImportFile } from '../core/import/importReader';
import type { ParsedImport, ReadImportOptions } from '../core/import/importReader';
import { IMPORT_KINDS, isImportKind } from '../core/import/importTypes';
import type { ImportKind, ImportMessage, RowIssue } from '../core/import/importTypes';
import { planImport } from '../core/import/plan';
import type { ImportPlan } from '../core/import/plan';
import { ImportHasInvalidRowsError, applyImport, undoImport } from '../core/import/importBatch';
import type { ApplyImportResult } from '../core/import/importBatch';
import { storeRecords } from '../core/import/storeRecords';
import { exportCsv, exportXlsx } from '../core/import/exportWriter';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';
import { EXIT_USAGE, collect, fail, printJson, runVerb } from './output';

interface ImportOptions extends SignInOptions {
  dryRun?: boolean;
  skipInvalid?: boolean;
  sheet?: string;
  encoding?: string;
  delimiter?: string;
  headerRow?: number;
  map?: string[];
}

interface ExportOptions extends StoreCliOptions {
  out: string;
  json?: boolean;
}

function kindArgument(value: string): ImportKind {
  if (!isImportKind(value)) throw new InvalidArgumentError(`expected one of ${IMPORT_KINDS.join(', ')} (or undo)`);
  return value;
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
    `Rows: ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.invalid} invalid${parsed.blankRows > 0 ? ` (${parsed.blankRows} blank rows skipped)` : ''}`,
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
          `  row ${r.row} ${r.key}: ${r.changes.map((ch) => `${ch.field} ${ch.before ?? '(empty)'} → ${ch.after ?? '(empty)'}`).join('; ')}`,
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
        const refusal = blocked ? new ImportHasInvalidRowsError(plan.counts.invalid) : undefined;
        if (json)
          printJson({
            ok: refusal === undefined,
            ...(refusal ? { code: refusal.code, message: refusal.message } : {}),
            dryRun: options.dryRun === true,
            ...previewJson(parsed, plan),
            ...(applied
              ? {
                  batchId: applied.batchId ?? null,
                  written: applied.counts,
                  phonesWritten: applied.phonesWritten,
                  phonesNotIndexed: applied.phonesNotIndexed,
                  ...(kind === 'users' ? { newUsersWithoutPassword: applied.counts.new } : {}),
                }
              : {}),
          });
        else {
          let tail = '';
          if (options.dryRun === true) tail = 'Dry run: nothing was written.\n';
          else if (applied?.batchId === undefined && !blocked)
            tail = 'Nothing to write: the store already holds these values.\n';
          else if (applied?.batchId !== undefined)
            tail = `Written as batch ${applied.batchId}: ${applied.counts.new} new, ${applied.counts.changed} changed${applied.counts.invalid > 0 ? `, ${applied.counts.invalid} invalid rows skipped` : ''}; ${applied.phonesWritten} phone numbers (${applied.phonesNotIndexed} not readable: stored as text, not indexed for the caller lookup).\nUndo with: ixhaus-admin import undo ${applied.batchId} --store ${options.store} --user ${options.user} --password-env ${options.passwordEnv}\n${newUsersHint(kind, applied, options)}`;
          process.stdout.write(previewText(parsed, plan) + tail);
        }
        if (refusal) {
          process.stderr.write(`ixhaus-admin: ${refusal.message}\n`);
          process.exitCode = 1;
        }
      },
      options.dryRun === true ? 'write-if-free' : 'write',
    );
  } catch (error) {
    fail(error, json);
  }
}

/** Imported new users cannot sign in to this suite until an administrator sets their password: say how. */
function newUsersHint(kind: ImportKind, applied: ApplyImportResult, options: ImportOptions): string {
  if (kind !== 'users' || applied.counts.new === 0) return '';
  return `${applied.counts.new} new users have no password yet: set one with ixhaus-admin users set-password LOGIN --new-password-env VAR --store ${options.store} --user ${options.user} --password-env ${options.passwordEnv}\n`;
}

async function runUndo(batchId: string, options: SignInOptions): Promise<void> {
  await runVerb(options.json === true, () =>
    asUser(options, async (store, actor) => {
      const result = await undoImport(store, actor, batchId);
      const skipped = result.skipped.map(
        (s) =>
          `  ${s.entity} ${s.key}: ${s.reason === 'changed' ? 'changed since the import' : s.reason === 'deleted' ? 'deleted since the import' : 'other records refer to it now'} — left alone`,
      );
      return {
        json: result,
        text: `Undid import batch ${result.batchId} (${result.kind}): ${result.restored} records restored, ${result.skipped.length} left alone.\n${skipped.length > 0 ? `${skipped.join('\n')}\n` : ''}`,
      };
    }),
  );
}

async function runExport(kind: ImportKind, options: ExportOptions): Promise<void> {
  await runVerb(options.json === true, () =>
    withCliStore(options, 'read', async (store) => {
      const ext = path.extname(options.out).toLowerCase();
      if (ext !== '.csv' && ext !== '.xlsx')
        throw new Error(`--out must name a .csv or .xlsx file, not "${options.out}"`);
      const records = await storeRecords(store, kind);
      const bytes = ext === '.csv' ? exportCsv(kind, records) : await exportXlsx(kind, records);
      // write next to the target and rename, so that a failed export never leaves half a file under the name
      const temp = `${options.out}.${process.pid}.tmp`;
      await fs.promises.writeFile(temp, bytes);
      await fs.promises.rename(temp, options.out);
      return {
        json: { kind, file: options.out, records: records.length, bytes: bytes.length },
        text: `Exported ${records.length} ${kind} to ${options.out} (${bytes.length} bytes).\n`,
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
        'import master data from .xlsx or .csv (administrators): KIND FILE, or "undo BATCH" to undo an import',
      )
      .argument('<kind>', `${IMPORT_KINDS.join(', ')}, or undo`)
      .argument('<file>', 'the .xlsx/.csv file (or, after undo, the batch id)')
      .option('--dry-run', 'only show what would be written')
      .option('--skip-invalid', 'write the valid rows although some rows are invalid')
      .option('--sheet <name>', 'XLSX: the sheet to read (default: the first)')
      .option('--encoding <name>', 'CSV: the encoding (utf-8, cp1252, latin1, utf-16le …; default: detected)')
      .option('--delimiter <char>', 'CSV: the delimiter (; , tab |; default: detected)')
      .option('--header-row <n>', 'row number of the header row (default: detected)', rowNumber)
      .option('--map <column=field>', 'map a column (header or letter) to a field, or to ignore; repeatable', collect),
  )
    .exitOverride()
    .action(async (kind: string, file: string, options: ImportOptions) => {
      if (kind === 'undo') return runUndo(file, options);
      if (!isImportKind(kind)) {
        process.stderr.write(
          `ixhaus-admin: unknown kind "${kind}": expected one of ${IMPORT_KINDS.join(', ')}, or undo\n`,
        );
        process.exitCode = EXIT_USAGE;
        return;
      }
      return runImport(kind, file, options);
    });

  addStoreOptions(
    program
      .command('export')
      .description('export master data to .xlsx or .csv (as the import reads it)')
      .argument('<kind>', IMPORT_KINDS.join(', '), kindArgument)
      .requiredOption('--out <file>', 'the .xlsx or .csv file to write')
      .option('--json', 'print the result as JSON'),
  )
    .exitOverride()
    .action((kind: ImportKind, options: ExportOptions) => runExport(kind, options));
}
