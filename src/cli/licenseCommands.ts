/**
 * `ixhaus-admin license …` (licenses issue §2 and §8): the vendor tool (keygen, issue; licenseVendorCommands.ts) and
 * the administrator's verbs (verify, diff, install, show here; fetch in licenseFetchCommand.ts) over the same core as
 * the extension.
 */
import type { Command } from 'commander';
import { germanDate } from '../core/license/dates';
import { listInstalledLicenses } from '../core/license/installedLicenses';
import { installCandidates } from '../core/license/licenseService';
import type { AsyncStore } from '../core/store/asyncStore';
import { addFetchCommand } from './licenseFetchCommand';
import { addKeyOptions, diffText, prepareAll, summary, verifyAll } from './licenseKeyOptions';
import type { KeyOptions } from './licenseKeyOptions';
import { addIssueCommand, addKeygenCommand } from './licenseVendorCommands';
import { asUser } from './adminCommands';
import { runVerb } from './output';
import type { VerbResult } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

/** Adds the `license` verbs to the program. */
export function registerLicenseCommands(program: Command): void {
  const license = program
    .command('license')
    .description('issue, verify, compare and install license files')
    .exitOverride();
  addKeygenCommand(license);
  addIssueCommand(license);
  addVerifyCommand(license);
  addDiffCommand(license);
  addInstallCommand(license);
  addFetchCommand(license);
  addShowCommand(license);
}

/** `license verify` (one verb per function, so each reads on its own). */
function addVerifyCommand(license: Command): void {
  addKeyOptions(
    addStoreOptions(
      license
        .command('verify')
        .description(
          'verify license files (signature, key, content, dates); exit 1 with the reason when one is invalid',
        )
        .argument('<files...>', '.lic files'),
      {
        optional: true,
        description: 'also check against the installed serials of this store (anti-rollback): a store file',
      },
    ),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & Partial<StoreCliOptions>) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const verify = async (store: AsyncStore | undefined): Promise<VerbResult> => {
          const verified = await verifyAll(files, options, store);
          return {
            json: { licenses: verified.map((v) => ({ kid: v.kid, demo: v.demo, payload: v.payload })) },
            text: verified.map((v) => `ok: ${summary(v.payload, v.demo)}`).join(''),
          };
        };
        const { store } = options;
        return store !== undefined ? withCliStore({ ...options, store }, 'read', verify) : verify(undefined);
      }),
    );
}

/** `license diff` (one verb per function, so each reads on its own). */
function addDiffCommand(license: Command): void {
  addKeyOptions(
    addStoreOptions(
      license
        .command('diff')
        .description('show what installing the license files would change in the store')
        .argument('<files...>', '.lic files'),
    ),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & StoreCliOptions) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store): Promise<VerbResult> => {
          const candidates = await prepareAll(files, options, store);
          const diffs = candidates.map((c) => c.diff);
          // seat conflicts belong to the decision, so they show before installing, not only after
          const conflicts = candidates.map((c) => c.conflicts);
          const text = diffs
            .map(
              (d, i) =>
                diffText(d) +
                (conflicts[i] ?? [])
                  .map(
                    (c) =>
                      `  seat conflict: ${c.name} would have ${c.seats} seats but ${c.unlockedByActiveUsers} active users have it unlocked (${c.logins.join(', ')})\n`,
                  )
                  .join(''),
            )
            .join('');
          return { json: { diffs, conflicts }, text };
        }),
      ),
    );
}

/** `license install` (one verb per function, so each reads on its own). */
function addInstallCommand(license: Command): void {
  addKeyOptions(
    addStoreOptions(
      license
        .command('install')
        .description('verify and install license files into the store (admin or Hauptbenutzer)')
        .argument('<files...>', '.lic files'),
    )
      .requiredOption('--user <login>', 'iX-Haus login of an administrator or Hauptbenutzer')
      .requiredOption('--password-env <var>', 'name of the environment variable holding the password'),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & StoreCliOptions & { user: string; passwordEnv: string }) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor): Promise<VerbResult> => {
          // all files or none: one transaction
          const results = await installCandidates(store, actor, await prepareAll(files, options, store));
          const text = results
            .map((r) =>
              [
                diffText(r.diff),
                ...r.conflicts.map(
                  (c) =>
                    `  seat conflict: ${c.name} has ${c.seats} seats but ${c.unlockedByActiveUsers} active users have it unlocked (${c.logins.join(', ')})`,
                ),
                r.addsImport ? '  the license adds Import: unlock it per user (usually one).' : '',
              ]
                .filter(Boolean)
                .join('\n'),
            )
            .join('\n');
          return {
            json: { installed: results },
            text: `${text}\ninstalled. Restart iX-Haus plus so that it takes effect.\n`,
          };
        }),
      ),
    );
}

/** `license show` (one verb per function, so each reads on its own). */
function addShowCommand(license: Command): void {
  addStoreOptions(
    license.command('show').description('show the installed licenses with their modules, seats used and validity'),
  )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: StoreCliOptions & { json?: boolean }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store): Promise<VerbResult> => {
          const licenses = await listInstalledLicenses(store);
          const text = licenses
            .map((l) =>
              [
                `license ${l.licenseNo}${l.demo ? ' (Demo)' : ''} — ${l.customerName} (${l.customerNo}), serial ${l.serial}, valid until ${l.validUntil ? germanDate(l.validUntil) : 'unlimited'}`,
                ...l.modules.map(
                  (m) =>
                    `  ${m.name.padEnd(28)} ${String(m.seatsUsed).padStart(4)}/${String(m.seats).padEnd(4)} seats${m.validUntil ? `  until ${germanDate(m.validUntil)}` : ''}${m.seatsUsed > m.seats ? '  OVER SEATS' : ''}`,
                ),
              ].join('\n'),
            )
            .join('\n');
          return { json: { licenses }, text: `${text || 'no license installed'}\n` };
        }),
      ),
    );
}
