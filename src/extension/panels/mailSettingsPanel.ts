/**
 * Host panel of the "SMTP Einstellungen" webview (issue 7 §1, issue 18 §1): the suite's one webview stack — the
 * shared HTML shell and {@link MessageEndpoint} of {@link connectWebview}, typed requests from
 * src/shared/protocol/mailSettings.ts, errors as localized replies — with the request logic in
 * {@link MailSettingsController}. One panel per window; {@link MailSettingsPanels} is the one record of it.
 */
import * as vscode from 'vscode';
import { vscodeHttpsClient } from '../mail/proxySettings';
import type { Logger } from '../../core/log';
import type { MailTestInput, MailTestResult } from '../../core/mail/mailTest';
import { MAIL_ISSUE_TEMPLATES } from '../../shared/mail/messages';
import type { MailStringKey } from '../../shared/protocol/mailSettings';
import type { MessageEndpoint } from '../../shared/protocol/endpoint';
import type { MailHost } from '../mail/mailHost';
import type { Session } from '../session';
import type { StoreHost } from '../storeHost';
import { connectWebview } from '../webview/webviewHost';
import { MailSettingsController } from './mailSettingsController';

/** The webview type of "SMTP Einstellungen" (package.json activation event `onWebviewPanel:`). */
export const MAIL_SETTINGS_VIEW_TYPE = 'ixhaus.mailSettings';

/** The strings the page shows, localized here (the page has no l10n API): its labels and every validator message. */
export function mailSettingsStrings(): Record<string, string> {
  const labels: Record<MailStringKey, string> = {
    title: vscode.l10n.t('SMTP Einstellungen'),
    'field.authType': vscode.l10n.t('Mail-Server Autorisierungstyp'),
    'auth.basic': vscode.l10n.t('Basic authorization (SMTP)'),
    'auth.oauth': vscode.l10n.t('Modern authorization (Microsoft OAuth 2.0)'),
    'field.host': vscode.l10n.t('SMTP server'),
    'field.port': vscode.l10n.t('Port'),
    'field.ssl': vscode.l10n.t('SSL required'),
    'field.allowInsecureAuth': vscode.l10n.t('Allow login without encryption'),
    'field.user': vscode.l10n.t('User name'),
    'field.password': vscode.l10n.t('SMTP password'),
    'field.from': vscode.l10n.t('Sender e-mail'),
    'field.schedulerRecipient': vscode.l10n.t('Scheduler e-mail recipient'),
    'field.schedulerRecipient2': vscode.l10n.t('Further scheduler e-mail recipient'),
    'field.clientId': vscode.l10n.t('Client Id'),
    'field.objectId': vscode.l10n.t('Object Id'),
    'field.clientSecret': vscode.l10n.t('Client Secret (value)'),
    'field.secretValidUntil': vscode.l10n.t('Client Secret (valid until)'),
    'field.tenant': vscode.l10n.t('Tenant'),
    'field.authorityHost': vscode.l10n.t('Authority host'),
    'field.notifyAddress': vscode.l10n.t('E-mail for notification'),
    'field.testRecipient': vscode.l10n.t('Test connection: recipient'),
    'secret.set': vscode.l10n.t('set — type to replace'),
    'secret.notSet': vscode.l10n.t('not set'),
    'mode.implicit': vscode.l10n.t('Implicit TLS (port 465)'),
    'mode.starttls': vscode.l10n.t('STARTTLS required'),
    'mode.none': vscode.l10n.t('No encryption required'),
    save: vscode.l10n.t('Save'),
    test: vscode.l10n.t('Test SMTP connection'),
    testOAuth: vscode.l10n.t('Test OAuth2 connection'),
    'result.ok': vscode.l10n.t('Test mail sent.'),
    'result.failed': vscode.l10n.t('The SMTP connection test failed — see the step report.'),
    'group.server': vscode.l10n.t('Server and encryption'),
    'group.auth': vscode.l10n.t('Sign-in and sender'),
    'group.recipients': vscode.l10n.t('Recipients'),
    'group.test': vscode.l10n.t('Test connection'),
    'col.step': vscode.l10n.t('Step'),
    'col.status': vscode.l10n.t('Status'),
    'col.reply': vscode.l10n.t('Server reply'),
    'status.ok': vscode.l10n.t('ok'),
    'status.failed': vscode.l10n.t('failed'),
    'status.skipped': vscode.l10n.t('skipped'),
    saving: vscode.l10n.t('Saving…'),
    saved: vscode.l10n.t('SMTP settings saved.'),
    testing: vscode.l10n.t('Testing the SMTP connection…'),
    readOnly: vscode.l10n.t('The store is open read-only: the settings cannot be saved here.'),
  };
  return { ...labels, ...Object.fromEntries(MAIL_ISSUE_TEMPLATES.map((t) => [t, vscode.l10n.t(t)])) };
}

/** What the panels need from the extension. */
export interface MailSettingsPanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly storeHost: StoreHost;
  readonly session: Session;
  readonly mail: MailHost;
  readonly logger: Logger;
  /** told of every finished test (the command writes the step report to the "iX-Haus SMTP" channel) */
  readonly onTested?: (result: MailTestResult, to: string, server: string) => void;
}

/** One open "SMTP Einstellungen" panel. */
export class MailSettingsPanel implements vscode.Disposable {
  private readonly endpoint: MessageEndpoint;
  private readonly controller: MailSettingsController;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pageLoaded = new vscode.EventEmitter<void>();
  /** fires when the page asked for its data: it loaded under its CSP, or was shown again after being hidden */
  readonly onDidLoadPage = this.pageLoaded.event;
  /** extra options of the connection test (company CA …): set only from test-mode command arguments */
  testOptions: Partial<Pick<MailTestInput, 'ca' | 'implicitTlsPort'>> | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    deps: MailSettingsPanelDeps,
    onDispose: () => void,
  ) {
    this.endpoint = connectWebview(panel, {
      extensionUri: deps.extensionUri,
      name: 'smtp',
      title: vscode.l10n.t('SMTP Einstellungen'),
      strings: mailSettingsStrings(),
      logger: deps.logger,
    });
    this.controller = new MailSettingsController(this.endpoint, {
      store: () => deps.storeHost.db,
      actor: () => deps.session.actor,
      secrets: deps.mail,
      localize: (template, args) => vscode.l10n.t(template, ...args),
      logger: deps.logger,
      testOptions: () => ({ http: vscodeHttpsClient(this.testOptions?.ca), ...(this.testOptions ?? {}) }),
      ...(deps.onTested ? { onTested: deps.onTested } : {}),
      onPageLoad: () => this.pageLoaded.fire(),
    });
    const changed = (): void => this.controller.sessionChanged();
    this.disposables.push(this.pageLoaded, deps.session.onDidChange(changed), deps.storeHost.onDidChangeStore(changed));
    panel.onDidDispose(() => {
      onDispose();
      this.dispose();
    });
  }

  /**
   * Runs one request as the page would send it (same validation, same handlers) and returns the reply's result.
   * For the in-host tests. @throws Error with the localized error text of a failed request
   */
  invoke(method: string, params: unknown): Promise<unknown> {
    return this.endpoint.invokeAsPeer(method, params);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}

/** The one record of the open "SMTP Einstellungen" panel of this window, and its serializer. */
export class MailSettingsPanels implements vscode.Disposable {
  private current: MailSettingsPanel | undefined;
  private readonly serializer: vscode.Disposable;

  constructor(private readonly deps: MailSettingsPanelDeps) {
    // restores the panel after a window reload: same page, fresh nonce; the page keeps its drafts with setState
    this.serializer = vscode.window.registerWebviewPanelSerializer(MAIL_SETTINGS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => void this.adopt(panel),
    });
  }

  /** The open panel, if any. */
  get open(): MailSettingsPanel | undefined {
    return this.current;
  }

  /** Opens or reveals the panel. */
  show(): MailSettingsPanel {
    if (this.current) {
      this.current.panel.reveal();
      return this.current;
    }
    return this.adopt(
      vscode.window.createWebviewPanel(
        MAIL_SETTINGS_VIEW_TYPE,
        vscode.l10n.t('SMTP Einstellungen'),
        vscode.ViewColumn.Active,
        { enableScripts: true },
      ),
    );
  }

  private adopt(panel: vscode.WebviewPanel): MailSettingsPanel {
    this.current?.panel.dispose();
    const created = new MailSettingsPanel(panel, this.deps, () => {
      if (this.current === created) this.current = undefined;
    });
    this.current = created;
    return created;
  }

  dispose(): void {
    this.serializer.dispose();
    this.current?.panel.dispose();
  }
}
