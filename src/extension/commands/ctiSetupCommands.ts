/**
 * Setting CTI up in VS Code (issue 9, issue 16): the own area code (Ortsvorwahl) with the re-index, the telephone
 * system's credentials in secret storage, and the CTI-Test. The call-handling commands are in ctiCommands.ts.
 */
import * as vscode from 'vscode';
import { ownAreaCode, phoneNumberCount, setOwnAreaCode } from '../../core/cti/phoneIndex';
import { AreaCodeError, canonicalAreaCode } from '../../core/cti/phoneNumber';
import { AMI_SECRET_KEY, TR064_SECRET_KEY } from '../ctiService';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { scriptedArgs } from '../scriptedArgs';
import { requireActive } from './ctiCommands';

/**
 * "Eigene Ortsvorwahl festlegen…" (issue 16; like `cti area-code`): administrators set the own area code that local
 * numbers without one are read in; the number index is rebuilt with a progress notification, then saved. Args
 * `{ areaCode }` skip the prompt in the test extension mode only. Returns how many numbers were indexed, or undefined when cancelled.
 */
export async function setAreaCodeCommand(services: Services, arg?: unknown): Promise<number | undefined> {
  const { store, actor } = requireSignedIn(services);
  const current = await ownAreaCode(store);
  const given = (scriptedArgs(services.context, arg) as { areaCode?: string } | undefined)?.areaCode;
  const value =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Own Area Code (Ortsvorwahl)'),
      prompt: vscode.l10n.t('Area code that local numbers without one are read in, e.g. 030 (empty: none)'),
      value: current ? `0${current}` : '',
      validateInput: (text) => {
        try {
          canonicalAreaCode(text);
          return undefined;
        } catch (error) {
          return error instanceof AreaCodeError
            ? vscode.l10n.t('Give the area code as 2 to 5 digits, e.g. 030 or 0221.')
            : String(error);
        }
      },
    }));
  if (value === undefined) return undefined;
  const count = phoneNumberCount(store);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Rebuilding the phone number index ({0} numbers)…', count),
    },
    async (progress) => {
      progress.report({
        message:
          value.trim() === ''
            ? vscode.l10n.t('own area code cleared')
            : vscode.l10n.t('own area code {0}', value.trim()),
      });
      // let the notification paint before the index is rebuilt in one transaction
      await new Promise((resolve) => setTimeout(resolve, 0));
      const r = setOwnAreaCode(store, actor, value);
      progress.report({ increment: 100 });
      return r;
    },
  );
  void vscode.window.showInformationMessage(
    result.areaCode
      ? vscode.l10n.t('Own area code 0{0} set; {1} numbers indexed.', result.areaCode, result.indexed)
      : vscode.l10n.t('Own area code cleared; {0} numbers indexed.', result.indexed),
  );
  services.refreshViews();
  return result.indexed;
}

/**
 * Stores the Asterisk AMI secret or the Fritz!Box TR-064 password (per `ixhaus.cti.provider`) in VS Code's secret
 * storage — never in settings, the store or a log. Empty input removes it.
 */
export async function setCredentialsCommand(services: Services): Promise<void> {
  const fritz = vscode.workspace.getConfiguration('ixhaus.cti').get<string>('provider') === 'fritzbox';
  const prompt = fritz
    ? vscode.l10n.t("Password of the Fritz!Box user for dialling (TR-064); kept in VS Code's secret storage")
    : vscode.l10n.t("Secret of the Asterisk AMI user (manager.conf); kept in VS Code's secret storage");
  const secret = await vscode.window.showInputBox({
    title: vscode.l10n.t('Store CTI Credentials'),
    prompt,
    password: true,
    ignoreFocusOut: true,
  });
  if (secret === undefined) return;
  const key = fritz
    ? services.cti.secretKeyOf('cti.tr064Password', TR064_SECRET_KEY)
    : services.cti.secretKeyOf('cti.amiSecret', AMI_SECRET_KEY);
  if (secret === '') await services.context.secrets.delete(key);
  else await services.context.secrets.store(key, secret);
  await services.cti.restart();
}

/** The messages of the original CTI-Test tool (domain.md §5). */
const SUCCESS = 'CTI-Test erfolgreich abgeschlossen!';
const FAILURE = 'CTI-Test leider nicht erfolgreich, kontaktieren Sie Ihren Administrator.';

/**
 * "CTI-Test" (issue 9 §5): choose a line (warn when there are none or several), "Überwachung starten", get
 * called or "Anwählen", "Überwachung beenden"; the log goes to the output channel "iX-Haus CTI-Test" with the
 * original tool's messages and a verdict. Args `{ line, mode: 'simulate' | 'dial', number }` skip the prompts.
 * Returns true on success.
 */
export async function ctiTestCommand(services: Services, arg?: unknown): Promise<boolean> {
  const a = (arg ?? {}) as { line?: string; mode?: 'simulate' | 'dial' | 'wait'; number?: string; timeoutMs?: number };
  const out = (services.ctiTestChannel ??= vscode.window.createOutputChannel('iX-Haus CTI-Test'));
  const log = (text: string): void => out.appendLine(`${new Date().toLocaleTimeString()}  ${text}`);
  out.show(true);
  log(vscode.l10n.t('CTI-Test started.'));
  const verdict = (ok: boolean): boolean => {
    log(ok ? SUCCESS : FAILURE);
    log(vscode.l10n.t('Stop monitoring'));
    return ok;
  };
  // the CTI test reports "not configured" in its log instead of failing the command when nobody is signed in
  if (!services.storeHost.db || !services.session.actor || !(await requireActive(services))) {
    log('TAPI Treiber nicht installiert oder nicht konfiguriert.');
    return verdict(false);
  }
  if (!services.cti.active) await services.cti.restart();
  const dial = services.cti.dialSession;
  if (!dial) return verdict(false);
  const lines = [...new Set([services.cti.line ?? '', ...dial.provider.lines()].filter((l) => l !== ''))];
  log(vscode.l10n.t('Telephone system: {0}; lines: {1}', dial.provider.kind, lines.join(', ') || '–'));
  if (lines.length === 0) {
    log(vscode.l10n.t('No line is offered: the administrator must clarify which line is coupled.'));
    return verdict(false);
  }
  let line = a.line ?? (lines.length === 1 ? lines[0] : undefined);
  if (!line) {
    log(vscode.l10n.t('Several lines are offered: the administrator must clarify which line is coupled.'));
    line = await vscode.window.showQuickPick(lines, { title: vscode.l10n.t('Phone line') });
    if (!line) return verdict(false);
  }
  log(`${vscode.l10n.t('Phone line')}: ${line}`);
  log(vscode.l10n.t('Start monitoring'));
  if (dial.provider.status() !== 'connected') await dial.provider.connect();
  log(vscode.l10n.t('Connection: {0}', dial.provider.status()));
  if (dial.provider.status() !== 'connected') return verdict(false);
  const mode =
    a.mode ??
    (
      await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Wait for a call'), mode: 'wait' as const },
          { label: vscode.l10n.t('Dial'), mode: 'dial' as const },
        ],
        { title: vscode.l10n.t('CTI Test') },
      )
    )?.mode;
  if (!mode) return verdict(false);
  if (mode === 'dial') {
    const number =
      a.number ??
      (await vscode.window.showInputBox({ title: vscode.l10n.t('Dial'), prompt: vscode.l10n.t('Number to call') }));
    if (!number) return verdict(false);
    try {
      const result = await dial.dial(number);
      log(
        vscode.l10n.t(
          'Dialled {0}: {1}',
          result.dialString,
          result.outcome.kind === 'placed' ? result.outcome.reference : result.outcome.uri,
        ),
      );
      if (result.outcome.kind === 'uri') await vscode.env.openExternal(vscode.Uri.parse(result.outcome.uri));
      return verdict(true);
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      return verdict(false);
    }
  }
  log(vscode.l10n.t('Call the line {0} now, or have it called.', line));
  const watched = mode === 'simulate' ? (services.cti.simulatorSession ?? dial) : dial;
  const rang = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), a.timeoutMs ?? 60_000);
    const off = watched.onCall((event) => {
      if (event.kind === 'ringing') {
        clearTimeout(timer);
        off();
        log(vscode.l10n.t('Call received from {0}.', event.remote || vscode.l10n.t('Number withheld')));
        resolve(true);
      }
    });
  });
  if (mode === 'simulate') services.cti.simulator.ring(a.number ?? '030 6667777', line);
  return verdict(await rang);
}
