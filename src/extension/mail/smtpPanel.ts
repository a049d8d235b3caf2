/**
 * Host panel of the "SMTP Einstellungen" webview (issue 7 §1). The HTML is the shared shell of
 * src/extension/webview/webviewHtml.ts: `default-src 'none'`, scripts only with this load's nonce, no
 * `'unsafe-inline'`, resources only from dist/webviews. Every message is re-validated here; secrets go to secret
 * storage and are never posted back — the webview learns only whether one is set.
 */
import * as vscode from 'vscode';
import { vscodeHttpsClient } from './proxySettings';
import { buildWebviewHtml, createNonce } from '../webview/webviewHtml';
import { loadMailSettings, saveMailSettings } from '../../core/mail/mailStore';
import { MailSettingsError } from '../../core/mail/errors';
import { testMailSettings } from '../../core/mail/mailTest';
import { requireAdmin } from '../../core/users/rights';
import { isSmtpViewMessage } from '../../shared/mail/protocol';
import type { HostToSmtpView, SmtpViewToHost, TestReportView } from '../../shared/mail/protocol';
import { emptyMailSettings, validateMailSettings } from '../../shared/mail/settings';
import type { Services } from '../services';

/** The strings the webview shows, localized here (the webview has no l10n API of its own). */
function strings(): Record<string, string> {
  return {
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
    // every validator template, so that the webview shows the same localized texts as the host
    ...Object.fromEntries(validatorTemplates().map((t) => [t, vscode.l10n.t(t)])),
  };
}

function validatorTemplates(): string[] {
  const samples: Record<string, unknown>[] = [
    { authType: 'x', host: 'a b', port: 'x', ssl: false, from: 'x', schedulerRecipient: 'x', schedulerRecipient2: 'x' },
    { authType: 'oauth', port: 465, ssl: false, user: 'x', from: '', clientId: 'x', objectId: 'x', tenant: 'common', authorityHost: 'a b', secretValidUntil: 'x', notifyAddress: 'x' },
    { authType: 'oauth', tenant: 'https://x/y', authorityHost: 'login.microsoftonline.de', host: 'h\n' },
    { authType: 'oauth', tenant: 'x y', clientId: '' },
    { authType: 'basic', host: '', user: 'u' },
    { authType: 'oauth', secretValidUntil: '2000-01-01' },
  ];
  const presence = { password: false, clientSecret: false, clientSecretLooksLikeId: true };
  return [...new Set(samples.flatMap((s) => validateMailSettings(s, presence).issues.map((i) => i.template)))];
}

/** The webview type of "SMTP Einstellungen" (package.json activation event `onWebviewPanel:`). */
export const SMTP_VIEW_TYPE = 'ixhaus.mailSettings';

/** Restores "SMTP Einstellungen" after a window reload. */
export function registerSmtpSerializer(services: Services): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(SMTP_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
      SmtpPanel.adopt(services, panel);
    },
  });
}

/** One "SMTP Einstellungen" panel per window. */
export class SmtpPanel implements vscode.Disposable {
  private static current: SmtpPanel | undefined;
  /** every message posted to the webview (for the in-host test's secret search) */
  readonly posted: HostToSmtpView[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  static show(services: Services): SmtpPanel {
    if (SmtpPanel.current) {
      SmtpPanel.current.panel.reveal();
      return SmtpPanel.current;
    }
    const root = vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'webviews');
    const panel = vscode.window.createWebviewPanel(SMTP_VIEW_TYPE, vscode.l10n.t('SMTP Einstellungen'), vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [root], retainContextWhenHidden: false });
    SmtpPanel.current = new SmtpPanel(services, panel, root);
    services.mail.smtpPanel = SmtpPanel.current;
    return SmtpPanel.current;
  }

  /**
   * Takes over a panel VS Code restored after a window reload (WebviewPanelSerializer): same page, fresh nonce; the
   * page restores its draft (never a secret) from its webview state and asks the host for the saved settings.
   */
  static adopt(services: Services, panel: vscode.WebviewPanel): SmtpPanel {
    SmtpPanel.current?.panel.dispose();
    const root = vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'webviews');
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    SmtpPanel.current = new SmtpPanel(services, panel, root);
    services.mail.smtpPanel = SmtpPanel.current;
    return SmtpPanel.current;
  }

  static get open(): SmtpPanel | undefined {
    return SmtpPanel.current;
  }

  private constructor(private readonly services: Services, readonly panel: vscode.WebviewPanel, root: vscode.Uri) {
    panel.webview.html = SmtpPanel.html(panel.webview, root);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      panel.onDidDispose(() => this.dispose()),
      // a panel restored after a reload waits for the sign-in: then it gets the saved settings as on "ready"
      services.session.onDidChange((actor) => (actor ? void this.receive({ type: 'mail/settings/ready' }) : undefined)),
    );
  }

  /** The page: the suite's shared HTML shell (strict CSP, a fresh nonce per load, one module script from dist/webviews). */
  static html(webview: vscode.Webview, root: vscode.Uri): string {
    return buildWebviewHtml({
      title: 'SMTP Einstellungen',
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'smtp.js')).toString(),
      cspSource: webview.cspSource,
      nonce: createNonce(),
      lang: vscode.env.language,
      // the form's texts come with the host's first message (they depend on the settings' state)
      strings: {},
    });
  }

  private post(message: HostToSmtpView): void {
    this.posted.push(message);
    void this.panel.webview.postMessage(message);
  }

  /** Handles one message from the webview (public for the in-host test). */
  async receive(message: unknown): Promise<void> {
    if (!isSmtpViewMessage(message)) return;
    try {
      await this.handle(message);
    } catch (error) {
      if (error instanceof MailSettingsError) {
        this.post({ type: 'mail/settings/refused', issues: error.issues.map((i) => ({ ...i, text: vscode.l10n.t(i.template, ...i.args) })) });
        return;
      }
      this.services.logger.warn(`[mail] SMTP panel: ${error instanceof Error ? error.message : String(error)}`);
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
  }

  private async handle(message: SmtpViewToHost): Promise<void> {
    const store = this.services.storeHost.store;
    const actor = this.services.session.actor;
    if (!store || !actor) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Sign in first to manage the SMTP settings.'));
      return;
    }
    requireAdmin(actor, 'change the SMTP settings');
    if (message.type === 'mail/settings/ready') {
      this.post({ type: 'mail/settings/init', settings: loadMailSettings(store) ?? emptyMailSettings(), presence: await this.services.mail.presence(store), strings: strings(), canEdit: !store.readOnly });
    } else if (message.type === 'mail/settings/save') {
      const typed = message.secrets;
      const before = await this.services.mail.presence(store);
      const presence = { password: before.password || !!typed.password, clientSecret: before.clientSecret || !!typed.clientSecret };
      const settings = saveMailSettings(store, actor, message.values as Record<string, unknown>, presence);
      if (typeof typed.password === 'string' && typed.password !== '') await this.services.mail.write(store, 'password', typed.password);
      if (typeof typed.clientSecret === 'string' && typed.clientSecret !== '') await this.services.mail.write(store, 'clientSecret', typed.clientSecret);
      await store.save();
      this.post({ type: 'mail/settings/saved', settings, presence: await this.services.mail.presence(store) });
    } else if (message.type === 'mail/test/run') {
      const stored = loadMailSettings(store);
      const { settings, issues } = validateMailSettings({ ...(stored ?? emptyMailSettings()) });
      if (!settings) throw new MailSettingsError(issues);
      const result = await testMailSettings({ settings, secrets: await this.services.mail.read(store), to: message.to, store, logger: this.services.logger, http: vscodeHttpsClient(this.testOptions?.ca), ...(this.testOptions ?? {}) });
      this.services.mail.lastResult = result;
      if (store.dirty) await store.save();
      const t = (template: string, args: readonly (string | number)[]) => vscode.l10n.t(template, ...args);
      const report: TestReportView = {
        ok: result.ok,
        durationMs: result.smtp.durationMs,
        lines: result.smtp.steps.map((s) => ({ step: s.step, status: s.status, reply: s.reply, ...(s.hint ? { hint: t(s.hint.template, s.hint.args) } : {}) })),
        ...(result.oauth?.error ? { oauth: t(result.oauth.error.template, result.oauth.error.args) } : {}),
        ...(result.expiry ? { expiry: result.expiry.status === 'known' ? vscode.l10n.t('Client secret valid until {0} ({1} days)', result.expiry.validUntil, result.expiry.daysLeft) : vscode.l10n.t('Client secret expiry unknown: {0}', t(result.expiry.template, result.expiry.args)) } : {}),
      };
      this.post({ type: 'mail/test/result', report });
    }
  }

  /** extra options of the connection test (CA file, implicit-TLS port) — set by tests */
  testOptions: { ca?: string | Buffer; implicitTlsPort?: number } | undefined;

  dispose(): void {
    SmtpPanel.current = undefined;
    if (this.services.mail.smtpPanel === this) this.services.mail.smtpPanel = undefined;
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
