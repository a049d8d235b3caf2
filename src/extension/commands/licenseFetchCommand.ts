/**
 * "Lizenzen abrufen" (issue 5, issue 17, product.md §3): fetch the license files from the license server, show each
 * new license's diff, install on confirmation.
 */
import * as vscode from 'vscode';
import { fetchLicenses, installFetched } from '../../core/license/licenseFetch';
import type { FetchResult } from '../../core/license/licenseFetch';
import { installedPayload, renderLicenseText } from '../../core/license/licenseService';
import { requireSignedIn } from '../signedIn';
import { requireLicenseManager } from '../../core/access/rights';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { diffSummary, reportInstalled, trustedKeys } from './licenseCommands';
import { connection, fetchArgs, sessionOptions } from './sftpConnection';
import { withHostKeyTrust } from './sftpHostKeyCommands';

/** What `ixhaus.license.fetch` returns to a scripted caller. */
export interface FetchCommandResult {
  readonly candidates: readonly { licenseNo: string; serial: number; fileName: string }[];
  readonly installed: boolean;
  readonly rejected: readonly { fileName: string; code: string }[];
  readonly notNewer: number;
  readonly unpaired: readonly string[];
  readonly totalMs: number;
}

/**
 * "Lizenzen abrufen" (administrators and Hauptbenutzer): fetch with progress (cancellable), show each new license's
 * diff (summary + diff editor), install on confirmation; "Keine neuen Lizenzen" when nothing is newer.
 */
export async function fetchLicensesCommand(
  services: Services,
  args?: unknown,
): Promise<FetchCommandResult | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireLicenseManager(actor, 'fetch licenses');
  const options = fetchArgs(scriptedArgs(services.context, args));
  const result = await withHostKeyTrust(services, store, actor, options, async (): Promise<FetchResult> => {
    const { settings, credential } = await connection(services, store);
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Fetching licenses from {0}', settings.host),
        cancellable: true,
      },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return fetchLicenses(store, actor, {
          ...sessionOptions(services, settings, credential, controller.signal),
          remoteDir: settings.remoteDir,
          trustedKeys: trustedKeys(services),
          onProgress: (p) => progress.report({ message: vscode.l10n.t(p.template, ...p.args), increment: p.increment }),
        });
      },
    );
  });
  if (!result) return undefined;
  services.logger.info(
    `[license] fetched from the server in ${result.timings.totalMs} ms: ${result.candidates.length} new, ${result.rejected.length} rejected, ${result.notNewer.length} not newer, ${result.notTaken.length} not taken`,
  );
  // every file not taken is named with its reason (issue 17 §6); files that are no license files only in the log
  for (const r of result.notTaken.filter((n) => n.code === 'E_FETCH_NOT_LICENSE'))
    services.logger.info(`[license] ${r.message}`);
  const problems = [
    ...result.rejected.map((r) => `${r.fileName}: ${vscode.l10n.t(r.template, ...r.args)}`),
    ...result.notTaken.filter((n) => n.code !== 'E_FETCH_NOT_LICENSE').map((r) => vscode.l10n.t(r.template, ...r.args)),
  ];
  for (const p of problems) services.logger.warn(`[license] ${p}`);
  const summary = (installed: boolean): FetchCommandResult => ({
    candidates: result.candidates.map((c) => ({
      licenseNo: c.verified.payload.licenseNo,
      serial: c.verified.payload.serial,
      fileName: c.fileName,
    })),
    installed,
    rejected: result.rejected.map((r) => ({ fileName: r.fileName, code: r.code })),
    notNewer: result.notNewer.length,
    unpaired: result.unpaired,
    totalMs: result.timings.totalMs,
  });
  if (problems.length > 0) {
    const showLog = vscode.l10n.t('Show log');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('{0} file(s) on the server were not taken: {1}', problems.length, problems.join(' · ')),
        showLog,
      )
      .then((p) => (p === showLog ? services.logChannel.show() : undefined));
  }
  if (result.candidates.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No new licenses: the server has no license newer than the installed ones.'),
    );
    return summary(false);
  }
  if (!options.confirm) {
    for (const c of result.candidates) {
      const before = await installedPayload(store, c.diff.licenseNo);
      const installed = services.licenseDocuments.put(
        `installed/${c.diff.licenseNo}.txt`,
        renderLicenseText(before?.payload, before?.demo ?? false),
      );
      const candidate = services.licenseDocuments.put(
        `candidate/${c.diff.licenseNo}.txt`,
        renderLicenseText(c.verified.payload, c.verified.demo),
      );
      await vscode.commands.executeCommand(
        'vscode.diff',
        installed,
        candidate,
        vscode.l10n.t('License {0}: installed ↔ new', c.diff.licenseNo),
        { preview: false },
      );
    }
    const install = vscode.l10n.t('Install');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t('Install {0} new license(s) from the server?', result.candidates.length),
      { modal: true, detail: result.candidates.map((c) => diffSummary(c.diff)).join('\n\n') },
      install,
    );
    if (answer !== install) return summary(false);
  }
  const results = await installFetched(store, actor, result.candidates);
  services.refreshViews();
  reportInstalled(services, actor, results);
  return summary(true);
}
