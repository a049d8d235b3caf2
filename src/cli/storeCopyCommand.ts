/**
 * `ixhaus-admin store copy SRC DST` (issue 19; docs/postgresql.md "Move a file store to the server"): every table
 * from a file or PostgreSQL store into a new file or an empty PostgreSQL database, verified (row counts and
 * checksums per table) before the target's transaction commits. Progress on stderr.
 */
import * as fs from 'node:fs/promises';
import type { Command } from 'commander';
import { copyStore } from '../core/store/copyStore';
import type { CopySummary } from '../core/store/copyStore';
import { Store } from '../core/store/database';
import { StoreExistsError, StoreFolderMissingError } from '../core/store/errors';
import type { OpenedStore } from '../core/store/openStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import { checksumPathOf } from '../core/store/storeChecksum';
import { runVerb } from './output';
import type { VerbResult } from './output';
import { copyProgressReporter, locationOf, openLocation } from './storeLocations';
import type { LocationArgument } from './storeLocations';

interface CopyOptions {
  json?: boolean;
  sourcePasswordEnv?: string;
  targetPasswordEnv?: string;
  sourceCa?: string;
  targetCa?: string;
}

function argument(
  text: string,
  passwordEnv: string | undefined,
  option: string,
  ca: string | undefined,
): LocationArgument {
  return {
    text,
    passwordOption: option,
    ...(passwordEnv !== undefined ? { passwordEnv } : {}),
    ...(ca !== undefined ? { caFile: ca } : {}),
  };
}

async function exists(file: string): Promise<boolean> {
  return fs
    .stat(file)
    .then(() => true)
    .catch(() => false);
}

/**
 * Copies into a new store file: the copy runs while the file is being created ({@link Store.create} `populate`), so
 * the new file keeps no `.bak` of its empty schema; a missing folder is refused, not created. On any failure the
 * new file (and its checksum file) is removed again, so a failed copy leaves nothing behind.
 * @throws StoreExistsError, StoreFolderMissingError, the errors of {@link copyStore}
 */
async function copyToNewFile(source: OpenedStore, file: string): Promise<CopySummary> {
  if (await exists(file)) throw new StoreExistsError(file);
  let summary: CopySummary | undefined;
  try {
    const created = await Store.create(file, {
      createFolder: false,
      populate: async (store) => {
        summary = await copyStore(source.store, new SqlJsAsyncStore(store), { onProgress: copyProgressReporter() });
      },
    });
    await created.close();
  } catch (error) {
    if (!(error instanceof StoreExistsError) && !(error instanceof StoreFolderMissingError)) {
      await fs.rm(file, { force: true });
      await fs.rm(checksumPathOf(file), { force: true });
    }
    throw error;
  }
  if (summary === undefined) throw new Error(`the copy into ${file} ended without a summary`);
  return summary;
}

async function copyVerb(src: string, dst: string, options: CopyOptions): Promise<VerbResult> {
  const sourceArg = argument(src, options.sourcePasswordEnv, '--source-password-env', options.sourceCa);
  const targetArg = argument(dst, options.targetPasswordEnv, '--target-password-env', options.targetCa);
  const targetLocation = locationOf(targetArg);
  if (targetLocation.kind === 'file' && (await exists(targetLocation.path)))
    throw new StoreExistsError(targetLocation.path);
  const source = await openLocation(sourceArg, { migrate: false });
  let summary: CopySummary;
  try {
    if (targetLocation.kind === 'file') summary = await copyToNewFile(source, targetLocation.path);
    else {
      const target = await openLocation(targetArg);
      try {
        summary = await copyStore(source.store, target.store, { onProgress: copyProgressReporter() });
      } finally {
        await target.store.close();
      }
    }
  } finally {
    await source.store.close();
  }
  const lines = [
    `copied ${summary.rows} rows in ${summary.tables.length} tables from ${summary.source} to ${summary.target} in ${(summary.ms / 1000).toFixed(1)} s`,
    `verified: row count and checksum of every table match (schema v${summary.schemaVersion})`,
  ];
  if (summary.sequences.length > 0) lines.push(`id sequences moved past the copied ids: ${summary.sequences.length}`);
  return { json: { ...summary, verified: true }, text: `${lines.join('\n')}\n` };
}

/** Registers `store copy SRC DST` on the `store` command. */
export function registerStoreCopyCommand(store: Command): void {
  store
    .command('copy')
    .description(
      'copy every table from SRC into DST (a file or postgres:// URL each; a file DST must not exist, a database DST must be empty and migrated), in one transaction, verified by row counts and checksums',
    )
    .argument('<src>', 'source store file or postgres:// URL (read only)')
    .argument('<dst>', 'new store file, or postgres:// URL of an empty database')
    .option('--source-password-env <var>', 'environment variable with the password of a SRC URL (default: PGPASSWORD)')
    .option('--target-password-env <var>', 'environment variable with the password of a DST URL (default: PGPASSWORD)')
    .option('--source-ca <file>', 'PEM file with the CA certificate of the SRC server (sslmode=verify-full)')
    .option('--target-ca <file>', 'PEM file with the CA certificate of the DST server (sslmode=verify-full)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((src: string, dst: string, options: CopyOptions) =>
      runVerb(options.json === true, () => copyVerb(src, dst, options)),
    );
}
