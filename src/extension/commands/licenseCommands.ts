import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { confirmOnProduction } from '../productionGuard';
import { germanDate } from '../../core/license/dates';
import { listInstalledLicenses } from '../../core/license/installedLicenses';
import { keyFileBeside, readKeyFile, readLicenseFile } from '../../core/license/licenseFileIo';
import type { TrustedKeys } from '../../core/license/licenseFile';
import {
  buildTrustedKeys,
  checkClock,
  dueReminders,
  installCandidates,
  installedPayload,
  markRemindersGiven,
  prepareInstall,
  renderLicenseText,
} from '../../core/license/licenseService';
import type { InstallResult, LicenseDiff, ModuleChange } from '../../core/license/licenseService';
import { canManageLicenses, requireLicenseManager } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { nodeOf } from '../../providers/tree/treeNode';
import { acceptsScriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

/** Arguments of `ixhaus.license.install` for scripted use (tests): skips the dialogs. */
interface InstallArgs {
  readonly licenseFile: string;
  /** the key text; default: the `.txt` beside the file */
  readonly keyText?: string;
  /** install without the confirmation dialog */
  readonly confirm?: boolean;
}

function isInstallArgs(value: unknown): value is InstallArgs {
  const v = value as Partial<InstallArgs> | undefined;
  return typeof v === 'object' && v !== null && typeof v.licenseFile === 'string';
}

/**
 * The trusted vendor keys: the built-in demo key plus `ixhaus.license.trustedVendorKeys` from the **user**
 * settings only (application scope; a workspace must not be able to add a key — product.md §2).
 */
export function trustedKeys(services: Services): TrustedKeys {
  const inspected = vscode.workspace
    .getConfiguration('ixhaus.license')
    .inspect<Record<string, string>>('trustedVendorKeys');
  const { keys, problems } = buildTrustedKeys(inspected?.globalValue ?? {});
  for (const problem of problems) services.logger.warn(`[license] ignoring trusted vendor key: ${problem}`);
  return keys;
}

/** Asks for the license key: the `.txt` beside the `.lic` is offered first, else "Bitte Lizenzkey eingeben". */
async function askForKey(licenseFile: string): Promise<string | Buffer | undefined> {
  const keyFile = keyFileBeside(licenseFile);
  const exists = await fs.stat(keyFile).then(
    () => true,
    () => false,
  );
  if (exists) {
    const useFile = vscode.l10n.t('Use the key from {0}', path.basename(keyFile));
    const typeKey = vscode.l10n.t('Enter the key…');
    const picked = await vscode.window.showQuickPick([useFile, typeKey], {
      title: vscode.l10n.t('License key'),
      ignoreFocusOut: true,
    });
    if (picked === undefined) return undefined;
    if (picked === useFile) return readKeyFile(keyFile);
  }
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Install License'),
    prompt: vscode.l10n.t('Please enter the license key (from the .txt delivered with the license)'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? vscode.l10n.t('The license key is empty.') : undefined),
  });
}

function moduleLine(m: ModuleChange): string {
  const until = (d: string | null): string =>
    d ? vscode.l10n.t('until {0}', germanDate(d)) : vscode.l10n.t('unlimited');
  switch (m.change) {
    case 'added':
      return vscode.l10n.t('+ {0}: {1} seats, {2}', m.name, m.seatsAfter ?? 0, until(m.validUntilAfter));
    case 'removed':
      return vscode.l10n.t('− {0} (had {1} seats)', m.name, m.seatsBefore ?? 0);
    default:
      return vscode.l10n.t(
        '~ {0}: {1} → {2} seats, {3} → {4}',
        m.name,
        m.seatsBefore ?? 0,
        m.seatsAfter ?? 0,
        until(m.validUntilBefore),
        until(m.validUntilAfter),
      );
  }
}

/** The summary of a diff for the confirmation dialog. */
export function diffSummary(diff: LicenseDiff): string {
  const changes = diff.modules.filter((m) => m.change !== 'unchanged').map(moduleLine);
  const head = diff.firstInstall
    ? vscode.l10n.t('License {0} is not installed yet (serial {1}).', diff.licenseNo, diff.serialAfter)
    : vscode.l10n.t('License {0}: serial {1} → {2}.', diff.licenseNo, diff.serialBefore ?? 0, diff.serialAfter);
  const counts = vscode.l10n.t('{0} modules added, {1} removed, {2} changed.', diff.added, diff.removed, diff.changed);
  return [head, counts, ...changes].join('\n');
}

/**
 * "Lizenz installieren…" (licenses issue §3): pick the `.lic`, take the key from the `.txt` beside it or ask for
 * it, verify, show the diff (summary + VS Code diff editor), install on confirmation, and say what follows
 * (restart iX-Haus plus; unlock Import per user; seat conflicts).
 */
export async function installLicenseCommand(services: Services, args?: unknown): Promise<void> {
  const { store, actor } = requireSignedIn(services);
  requireLicenseManager(actor, 'install a license');
  let licenseFile: string;
  let key: string | Buffer | undefined;
  if (isInstallArgs(args)) {
    licenseFile = args.licenseFile;
    key = args.keyText ?? (await readKeyFile(keyFileBeside(licenseFile)));
  } else {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Install License'),
      canSelectMany: false,
      filters: { [vscode.l10n.t('iX-Haus license')]: ['lic'] },
      openLabel: vscode.l10n.t('Verify'),
    });
    if (!picked?.[0]) return;
    licenseFile = picked[0].fsPath;
    key = await askForKey(licenseFile);
  }
  if (key === undefined) return;
  const candidate = await prepareInstall(store, await readLicenseFile(licenseFile), key, trustedKeys(services));
  const { verified, installed, diff } = candidate;
  const summary = diffSummary(diff);

  // skipping the confirmation is for the in-host tests only: any extension can run this command with arguments
  if (!(isInstallArgs(args) && args.confirm && acceptsScriptedArgs(services.context))) {
    const left = services.licenseDocuments.put(
      `installed/${diff.licenseNo}.txt`,
      renderLicenseText(installed?.payload, installed?.demo ?? false),
    );
    const right = services.licenseDocuments.put(
      `candidate/${diff.licenseNo}.txt`,
      renderLicenseText(verified.payload, verified.demo),
    );
    await vscode.commands.executeCommand(
      'vscode.diff',
      left,
      right,
      vscode.l10n.t('License {0}: installed ↔ new', diff.licenseNo),
      { preview: true },
    );
    const install = vscode.l10n.t('Install');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Install license {0} for {1}{2}?',
        diff.licenseNo,
        verified.payload.customer.name,
        verified.demo ? ` (${vscode.l10n.t('Demo')})` : '',
      ),
      { modal: true, detail: summary },
      install,
    );
    if (answer !== install) return;
  }
  const production = vscode.l10n.t('Install license {0}', diff.licenseNo);
  if (!(await confirmOnProduction(services, production, isInstallArgs(args) && args.confirm === true))) return;

  const results = await installCandidates(store, actor, [candidate]);
  reportInstalled(services, actor, results);
}

/**
 * After installing (from a file or fetched): logs each license and tells the user what follows — restart iX-Haus
 * plus, unlock Import per user, seat conflicts.
 */
export function reportInstalled(services: Services, actor: Actor, results: readonly InstallResult[]): void {
  for (const { diff } of results) {
    services.logger.info(
      `[license] ${actor.login} installed license ${diff.licenseNo} serial ${diff.serialAfter}: ${diff.added} added, ${diff.removed} removed, ${diff.changed} changed`,
    );
    void vscode.window.showInformationMessage(
      vscode.l10n.t('License {0} installed. Restart iX-Haus plus so that it takes effect.', diff.licenseNo),
    );
  }
  if (results.some((r) => r.addsImport))
    void vscode.window.showInformationMessage(
      vscode.l10n.t('The license adds the Import module: unlock it per user (usually one) in the user management.'),
    );
  const conflicts = results.flatMap((r) => r.conflicts);
  if (conflicts.length > 0) {
    const lines = conflicts.map((c) =>
      vscode.l10n.t(
        '{0}: {1} seats, unlocked for {2} active users ({3})',
        c.name,
        c.seats,
        c.unlockedByActiveUsers,
        c.logins.join(', '),
      ),
    );
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The new license has fewer seats than users with the module unlocked; no further unlock is possible until enough are locked: {0}',
        lines.join('; '),
      ),
    );
  }
}

/** Opens the canonical text of an installed license (context action of a license in the Lizenzen view). */
export async function showLicenseTextCommand(services: Services, node?: unknown): Promise<void> {
  const store = services.storeHost.db;
  const licenseNo = licenseNoOf(node) ?? (store ? (await listInstalledLicenses(store))[0]?.licenseNo : undefined);
  if (!store || typeof licenseNo !== 'string') return;
  const installed = await installedPayload(store, licenseNo);
  const uri = services.licenseDocuments.put(
    `installed/${licenseNo}.txt`,
    renderLicenseText(installed?.payload, installed?.demo ?? false),
  );
  await vscode.window.showTextDocument(uri, { preview: true });
}

/** Copies the license number (context action). */
export async function copyLicenseNumberCommand(_services: Services, node?: unknown): Promise<void> {
  const licenseNo = licenseNoOf(node);
  if (licenseNo) await vscode.env.clipboard.writeText(licenseNo);
}

function licenseNoOf(node: unknown): string | undefined {
  return nodeOf(node, 'license')?.data.licenseNo;
}

/**
 * After sign-in of an admin or Hauptbenutzer: warns once per threshold (30, 7, 1 days) before a license or module
 * ends, and when the system clock is more than 48 h behind the highest time the store has seen (product.md §2).
 */
export async function remindAfterSignIn(services: Services): Promise<void> {
  const store = services.storeHost.db;
  const actor = services.session.actor;
  if (!store || !actor) return;
  const clock = await checkClock(store);
  if (clock.suspicious) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The system clock is {0} hours behind a time this store has already seen ({1}). License validity is judged by this clock: check the date and time.',
        Math.round(clock.behindMs / 3600_000),
        clock.highestSeen ?? '',
      ),
    );
  }
  if (!canManageLicenses(actor)) {
    return;
  }
  const due = await dueReminders(store);
  for (const r of due) {
    const what = r.moduleCode ? vscode.l10n.t('The module {0}', r.name) : vscode.l10n.t('The license {0}', r.name);
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} ends on {1} ({2} days left). Ask CREM SOLUTIONS for a renewed license in time.',
        what,
        germanDate(r.validUntil),
        r.daysLeft,
      ),
    );
  }
  await markRemindersGiven(store, due);
}
