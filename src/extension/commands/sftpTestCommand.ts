/**
 * "Verbindung testen" (issue 5, product.md §3): connect, handshake, host key, sign in and list the folder of the
 * license server, each step with its outcome in the log and the result as a message.
 */
import * as vscode from 'vscode';
import { testLicenseServer } from '../../core/license/licenseFetch';
import type { ConnectionTestReport } from '../../core/license/licenseFetch';
import { SftpCancelledError, SftpHostKeyUnknownError } from '../../core/sftp/sftpErrors';
import { requireSignedIn } from '../signedIn';
import { requireLicenseManager } from '../../core/access/rights';
import { localizedMessage } from '../errors';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { connection, fetchArgs, sessionOptions } from './sftpConnection';
import { withHostKeyTrust } from './sftpHostKeyCommands';

const STEP_LABELS = (): Record<string, string> => ({
  connect: vscode.l10n.t('Connect'),
  handshake: vscode.l10n.t('Handshake (algorithms)'),
  hostKey: vscode.l10n.t('Host key'),
  authenticate: vscode.l10n.t('Sign in'),
  list: vscode.l10n.t('List folder'),
});

/** The step report as lines: "✓ Connect — 127.0.0.1:22", "✗ Sign in — …", "– List folder". */
export function stepLines(report: ConnectionTestReport): string[] {
  const labels = STEP_LABELS();
  return report.steps.map((s) => {
    const mark = s.outcome === 'ok' ? '✓' : s.outcome === 'failed' ? '✗' : '–';
    const detail = s.outcome === 'failed' && s.template ? vscode.l10n.t(s.template, ...(s.args ?? [])) : s.detail;
    return `${mark} ${labels[s.step] ?? s.step}${detail ? ` — ${detail}` : ''}`;
  });
}

/**
 * "Verbindung testen": connect, handshake, host key, sign in, list the folder; each step with its outcome in the
 * log, the result as a message (the failure in words, with "Open SFTP Settings").
 */
export async function testConnectionCommand(
  services: Services,
  args?: unknown,
): Promise<ConnectionTestReport | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireLicenseManager(actor, 'test the connection to the license server');
  const options = fetchArgs(scriptedArgs(services.context, args));
  const report = await withHostKeyTrust(services, store, actor, options, async () => {
    const { settings, credential } = await connection(services, store);
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Testing the connection to {0}…', settings.host),
        cancellable: true,
      },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return testLicenseServer({
          ...sessionOptions(services, settings, credential, controller.signal),
          remoteDir: settings.remoteDir,
        });
      },
    );
    if (result.error instanceof SftpHostKeyUnknownError) throw result.error;
    return result;
  });
  if (!report) return undefined;
  const lines = stepLines(report);
  for (const line of lines) services.logger.info(`[sftp] Verbindung testen: ${line}`);
  const showLog = vscode.l10n.t('Show log');
  if (report.ok) {
    // not awaited: the command ends now; the message waits for the user on its own
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t(
          'Connection OK in {0} ms: signed in, folder listed, {1} license pairs found.',
          report.durationMs,
          report.pairs ?? 0,
        ),
        showLog,
      )
      .then((picked) => (picked === showLog ? services.logChannel.show() : undefined));
  } else if (!(report.error instanceof SftpCancelledError)) {
    const settingsAction = vscode.l10n.t('Open SFTP Settings');
    const failed = lines.find((l) => l.startsWith('✗')) ?? localizedMessage(report.error);
    void vscode.window.showErrorMessage(failed, settingsAction, showLog).then((picked) => {
      if (picked === settingsAction) void vscode.commands.executeCommand('ixhaus.sftp.configure');
      if (picked === showLog) services.logChannel.show();
    });
  }
  return report;
}
