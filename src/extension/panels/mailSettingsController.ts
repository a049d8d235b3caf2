/**
 * The host logic of "SMTP Einstellungen" (issue 7 §1, issue 18 §1) behind the shared {@link MessageEndpoint}: the
 * ready handshake, save and "Verbindung testen". No `vscode` import, so that it runs in plain mocha against a real
 * store and a real SMTP peer; {@link MailSettingsPanel} wires it to a webview panel.
 *
 * - Every failure is thrown and so comes back as an error reply (localized by the endpoint's `describeError`).
 * - The last test report is kept per store for the panel's lifetime: a test that finishes while the panel is hidden
 *   (its page is gone with `retainContextWhenHidden: false`) is shown when the page asks for its data again.
 */
import { createHash } from 'node:crypto';
import { IxError, NoStoreOpenError, SignInRequiredError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { loadMailSettings, saveMailSettings } from '../../core/mail/mailStore';
import { MailSettingsError } from '../../core/mail/errors';
import { testMailSettings } from '../../core/mail/mailTest';
import type { MailSecrets, MailTestInput, MailTestResult } from '../../core/mail/mailTest';
import type { AsyncStore } from '../../core/store/asyncStore';
import { requireAdmin } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import type { MessageEndpoint } from '../../shared/protocol/endpoint';
import { requireSignedIn } from '../signedIn';
import {
  mailInitRequest,
  mailSaveRequest,
  mailSessionChangedNotification,
  mailTestRequest,
  testFinishedNotification,
} from '../../shared/protocol/mailSettings';
import type { MailInitView, MailSaveParams, MailSavedView, TestReportView } from '../../shared/protocol/mailSettings';
import { emptyMailSettings } from '../../shared/mail/settings';
import { validateMailSettings } from '../../shared/mail/validate';
import type { SecretPresence } from '../../shared/mail/settings';

/** Which secret: the Basic password or the OAuth client secret. */
export type MailSecretKind = 'password' | 'clientSecret';

/** Secret storage of the SMTP secrets, per store (VS Code's `context.secrets` in the extension). */
export interface MailSecretAccess {
  read(store: AsyncStore): Promise<MailSecrets>;
  /** stores a secret; '' deletes it */
  write(store: AsyncStore, kind: MailSecretKind, value: string): Promise<void>;
  presence(store: AsyncStore): Promise<SecretPresence>;
}

/** What the controller needs from its host. */
export interface MailSettingsContext {
  store(): AsyncStore | undefined;
  actor(): Actor | undefined;
  readonly secrets: MailSecretAccess;
  /** `vscode.l10n.t` in the extension */
  localize(template: string, args: readonly (string | number)[]): string;
  readonly logger: Logger;
  /** extra options of the connection test (company CA, implicit-TLS port), e.g. from settings or a test */
  testOptions?(): Partial<Pick<MailTestInput, 'ca' | 'implicitTlsPort' | 'http' | 'graphHost'>>;
  /** told of every finished test (the extension writes it to the "iX-Haus SMTP" channel) */
  onTested?(result: MailTestResult, to: string, server: string): void;
  /** told when a page asked for its data (it loaded, or was shown again) */
  onPageLoad?(): void;
}

/** The page's key of a store: a short hash of its file (or connection), so that no path lands in the page state. */
export function storeKeyOf(store: AsyncStore): string {
  return createHash('sha256').update(store.location).digest('hex').slice(0, 16);
}

/** The report as the page shows it, localized with `localize`. */
function testReportView(
  result: MailTestResult,
  to: string,
  localize: MailSettingsContext['localize'],
  at: Date = new Date(),
): TestReportView {
  return {
    ok: result.ok,
    durationMs: result.smtp.durationMs,
    to,
    at: at.toISOString(),
    lines: result.smtp.steps.map((s) => ({
      step: s.step,
      status: s.status,
      reply: s.reply,
      ...(s.hint ? { hint: localize(s.hint.template, s.hint.args) } : {}),
    })),
    ...(result.oauth?.error ? { oauth: localize(result.oauth.error.template, result.oauth.error.args) } : {}),
    ...(result.expiry
      ? {
          expiry:
            result.expiry.status === 'known'
              ? localize('Client secret valid until {0} ({1} days)', [result.expiry.validUntil, result.expiry.daysLeft])
              : localize('Client secret expiry unknown: {0}', [localize(result.expiry.template, result.expiry.args)]),
        }
      : {}),
  };
}

/** Answers the requests of one "SMTP Einstellungen" page (see the file comment). */
export class MailSettingsController {
  /** last report per store key, kept until the panel closes */
  private readonly reports = new Map<string, TestReportView>();
  /** store keys with a test running */
  private readonly running = new Set<string>();

  constructor(
    private readonly endpoint: MessageEndpoint,
    private readonly context: MailSettingsContext,
  ) {
    endpoint.onRequest(mailInitRequest, () => this.init());
    endpoint.onRequest(mailSaveRequest, (params) => this.save(params));
    endpoint.onRequest(mailTestRequest, ({ to }) => this.test(to));
  }

  /** The signed-in user or the store changed: the page asks for its data again. */
  sessionChanged(): void {
    this.endpoint.notify(mailSessionChangedNotification, {});
  }

  /** The store and admin, or an error naming what to do. @throws Error (localized) / PermissionError */
  private admin(action: string): { store: AsyncStore; actor: Actor } {
    const c = requireSignedIn({ storeHost: { db: this.context.store() }, session: { actor: this.context.actor() } });
    requireAdmin(c.actor, action);
    return c;
  }

  async init(): Promise<MailInitView> {
    this.context.onPageLoad?.();
    const store = this.context.store();
    const actor = this.context.actor();
    const settings = emptyMailSettings();
    const none: SecretPresence = { password: false, clientSecret: false };
    if (!store || !actor) {
      const error = store ? new SignInRequiredError() : new NoStoreOpenError();
      return {
        blocked: this.context.localize(error.template, error.args),
        storeKey: '',
        settings,
        presence: none,
        canEdit: false,
        testing: false,
        report: null,
      };
    }
    const storeKey = storeKeyOf(store);
    try {
      requireAdmin(actor, 'change the SMTP settings');
    } catch (error) {
      if (!(error instanceof IxError)) throw error;
      return {
        blocked: this.context.localize(error.template, error.args),
        storeKey,
        settings,
        presence: none,
        canEdit: false,
        testing: false,
        report: null,
      };
    }
    return {
      blocked: null,
      storeKey,
      settings: (await loadMailSettings(store)) ?? settings,
      presence: await this.context.secrets.presence(store),
      canEdit: !store.readOnly,
      testing: this.running.has(storeKey),
      report: this.reports.get(storeKey) ?? null,
    };
  }

  /** Validates on the host (the same validator as the form), keeps secrets in secret storage, saves the store. */
  async save(params: MailSaveParams): Promise<MailSavedView> {
    const { store, actor } = this.admin('change the SMTP settings');
    const typed = params.secrets;
    const before = await this.context.secrets.presence(store);
    const presence = {
      password: before.password || !!typed.password,
      clientSecret: before.clientSecret || !!typed.clientSecret,
    };
    // throws MailSettingsError (localized first issue as the reply) before anything is written
    const settings = await saveMailSettings(store, actor, params.values, presence);
    if (typed.password) await this.context.secrets.write(store, 'password', typed.password);
    if (typed.clientSecret) await this.context.secrets.write(store, 'clientSecret', typed.clientSecret);
    return { settings, presence: await this.context.secrets.presence(store) };
  }

  /**
   * Runs the connection test with the saved settings. @throws MailSettingsError (incomplete settings), MailError /
   * HeaderInjectionError (invalid recipient) — as error replies, so the page re-enables its Test button.
   */
  async test(to: string): Promise<TestReportView> {
    const { store } = this.admin('test the SMTP connection');
    const { settings, issues } = validateMailSettings({ ...((await loadMailSettings(store)) ?? emptyMailSettings()) });
    if (!settings) throw new MailSettingsError(issues);
    const storeKey = storeKeyOf(store);
    this.running.add(storeKey);
    try {
      const result = await testMailSettings({
        settings,
        secrets: await this.context.secrets.read(store),
        to,
        store,
        logger: this.context.logger,
        ...(this.context.testOptions?.() ?? {}),
      });
      this.context.onTested?.(result, to, `${settings.host}:${settings.port}`);
      const report = testReportView(result, to, this.context.localize);
      this.reports.set(storeKey, report);
      // the page that asked may be gone (panel hidden): a page loaded meanwhile learns it from this notification
      this.endpoint.notify(testFinishedNotification, { report });
      return report;
    } finally {
      this.running.delete(storeKey);
    }
  }
}
