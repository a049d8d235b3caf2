/**
 * Webview "SMTP Einstellungen" (issue 7 §1, issue 18 §1): a Lit form with @vscode-elements on the suite's shared
 * endpoint. Live validation by the shared validator (the host re-runs it on save); the transport mode ("SSL
 * erforderlich" → implicit TLS on 465 or STARTTLS) is shown; secrets are typed here and sent once, never kept in the
 * page state. Drafts are kept per store; failures come back as error replies and are announced (aria-live).
 */
import { LitElement, html, css, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { HostConnection } from '../common/host';
import {
  dropDraft,
  formValuesFor,
  keepDraft,
  mailInitRequest,
  mailSaveRequest,
  mailSessionChangedNotification,
  mailTestRequest,
  readPageState,
  testFinishedNotification,
} from '../../shared/protocol/mailSettings';
import type { MailInitView, MailPageState, MailStringKey, TestReportView } from '../../shared/protocol/mailSettings';
import { tlsModeOf } from '../../shared/mail/settings';
import { validateMailSettings } from '../../shared/mail/validate';
import type { MailIssue, SecretPresence } from '../../shared/mail/settings';

type Values = Record<string, unknown>;

/** The form's groups (fieldset + legend) and their fields, per authorization type, in the order of iX-Haus plus. */
const GROUPS: Readonly<Record<'basic' | 'oauth', ReadonlyArray<{ legend: MailStringKey; fields: readonly string[] }>>> =
  {
    basic: [
      { legend: 'group.server', fields: ['host', 'port', 'ssl', 'allowInsecureAuth'] },
      { legend: 'group.auth', fields: ['user', 'password', 'from'] },
      { legend: 'group.recipients', fields: ['schedulerRecipient', 'schedulerRecipient2'] },
    ],
    oauth: [
      {
        legend: 'group.auth',
        fields: [
          'clientId',
          'objectId',
          'clientSecret',
          'secretValidUntil',
          'tenant',
          'authorityHost',
          'user',
          'from',
          'notifyAddress',
        ],
      },
      { legend: 'group.server', fields: ['host', 'port', 'ssl'] },
      { legend: 'group.recipients', fields: ['schedulerRecipient', 'schedulerRecipient2'] },
    ],
  };

const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

export class IxSmtpForm extends LitElement {
  static override properties = {
    init: { state: true },
    values: { state: true },
    report: { state: true },
    error: { state: true },
    status: { state: true },
    testRecipient: { state: true },
    secrets: { state: true },
    busy: { state: true },
  };
  static override styles = css`
    :host {
      display: block;
      max-width: 44rem;
      padding: 0.5rem 1rem;
    }
    fieldset {
      border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border));
      margin: 0.75rem 0;
      padding: 0.25rem 0.75rem 0.5rem;
    }
    legend {
      font-weight: 600;
      padding: 0 0.25rem;
    }
    .row {
      display: grid;
      grid-template-columns: 14rem 1fr;
      gap: 0.5rem;
      align-items: center;
      margin: 0.35rem 0;
    }
    .issue {
      grid-column: 2;
      color: var(--vscode-errorForeground);
      font-size: 0.9em;
    }
    .warn {
      grid-column: 2;
      color: var(--vscode-editorWarning-foreground);
      font-size: 0.9em;
    }
    .mode {
      grid-column: 2;
      opacity: 0.8;
      font-size: 0.9em;
    }
    .actions {
      margin: 1rem 0;
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    .ok {
      color: var(--vscode-testing-iconPassed);
    }
    .failed,
    .error {
      color: var(--vscode-errorForeground);
    }
    table {
      border-collapse: collapse;
      margin: 0.5rem 0;
    }
    th,
    td {
      text-align: left;
      padding: 0.15rem 0.6rem 0.15rem 0;
      vertical-align: top;
    }
    td.reply {
      white-space: pre-wrap;
      font-family: var(--vscode-editor-font-family);
    }
  `;

  init: MailInitView | undefined;
  values: Values = {};
  report: TestReportView | undefined;
  /** the last error reply (localized by the host), announced with role="alert" */
  error = '';
  /** busy / done texts, announced politely */
  status = '';
  testRecipient = '';
  /** secrets typed in this form, sent with the next save only; never put into the page state */
  secrets: { password?: string; clientSecret?: string } = {};
  busy = false;
  private state: MailPageState;

  constructor(private readonly host: HostConnection<MailStringKey>) {
    super();
    this.state = readPageState(host.getState());
    host.endpoint.onNotification(mailSessionChangedNotification, () => void this.load());
    host.endpoint.onNotification(testFinishedNotification, ({ report }) => this.showReport(report));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** The ready handshake: saved settings, this store's own draft over them, a report kept while the panel was hidden. */
  private async load(): Promise<void> {
    try {
      const init = await this.host.endpoint.request(mailInitRequest, {});
      this.init = init;
      const shown = formValuesFor(this.state, init);
      this.values = shown.values;
      this.testRecipient = shown.testRecipient;
      this.secrets = {};
      this.busy = init.testing;
      this.status = init.testing ? this.t('testing') : '';
      this.report = init.report ?? undefined;
      this.error = init.blocked ?? '';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private t(key: string, ...args: Array<string | number>): string {
    return this.host.t(key as MailStringKey, ...args);
  }

  private keep(): void {
    if (!this.init) return;
    this.state = keepDraft(this.state, this.init.storeKey, this.values, this.testRecipient);
    this.host.setState(this.state);
  }

  private set(field: string, value: unknown): void {
    if (field === 'password' || field === 'clientSecret') this.secrets = { ...this.secrets, [field]: String(value) };
    else this.values = { ...this.values, [field]: value };
    this.keep();
  }

  private presence(): SecretPresence {
    const p = this.init?.presence ?? { password: false, clientSecret: false };
    return {
      password: p.password || !!this.secrets.password,
      clientSecret: p.clientSecret || !!this.secrets.clientSecret,
      clientSecretLooksLikeId: this.secrets.clientSecret
        ? GUID.test(this.secrets.clientSecret.trim())
        : p.clientSecretLooksLikeId,
    };
  }

  private issues(): readonly MailIssue[] {
    return validateMailSettings(this.values, this.presence()).issues;
  }

  private field(name: string, issues: readonly MailIssue[]): TemplateResult {
    const issue = issues.find((i) => i.field === name);
    const label = html`<vscode-label for=${name}>${this.t(`field.${name}`)}</vscode-label>`;
    const describedBy = issue ? `${name}-issue` : nothing;
    let control: TemplateResult;
    if (name === 'ssl' || name === 'allowInsecureAuth') {
      control = html`<vscode-checkbox
        id=${name}
        aria-describedby=${describedBy}
        ?checked=${this.values[name] === true || this.values[name] === 'true'}
        @change=${(e: Event) => this.set(name, (e.target as HTMLInputElement).checked)}
      ></vscode-checkbox>`;
    } else if (name === 'password' || name === 'clientSecret') {
      const isSet = name === 'password' ? this.init?.presence.password : this.init?.presence.clientSecret;
      control = html`<vscode-textfield
        id=${name}
        type="password"
        aria-describedby=${describedBy}
        placeholder=${isSet ? this.t('secret.set') : this.t('secret.notSet')}
        .value=${this.secrets[name] ?? ''}
        @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value)}
      ></vscode-textfield>`;
    } else {
      control = html`<vscode-textfield
        id=${name}
        aria-describedby=${describedBy}
        .value=${String(this.values[name] ?? '')}
        ?invalid=${issue?.severity === 'error'}
        @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value)}
      ></vscode-textfield>`;
    }
    const mode = name === 'ssl' ? html`<span class="mode">${this.modeText()}</span>` : nothing;
    // a message that names its own field ("The field from is required") names it by the label the user sees
    const text = issue
      ? this.t(issue.template, ...issue.args.map((a) => (a === name ? this.t(`field.${name}`) : a)))
      : '';
    return html`<div class="row">
      ${label}${control}${mode}${issue ? html`<span id=${`${name}-issue`} class=${issue.severity === 'error' ? 'issue' : 'warn'}>${text}</span>` : nothing}
    </div>`;
  }

  private modeText(): string {
    const mode = tlsModeOf({
      ssl: this.values.ssl === true || this.values.ssl === 'true',
      port: Number(this.values.port),
    });
    return this.t(`mode.${mode}`);
  }

  private async save(): Promise<void> {
    const init = this.init;
    if (!init) return;
    this.error = '';
    this.status = this.t('saving');
    try {
      const saved = await this.host.endpoint.request(mailSaveRequest, {
        values: this.values as Record<string, string | number | boolean>,
        secrets: this.secrets,
      });
      this.init = { ...init, settings: saved.settings, presence: saved.presence };
      this.values = { ...saved.settings };
      this.secrets = {};
      this.state = dropDraft(this.state, init.storeKey);
      this.host.setState(this.state);
      this.status = this.t('saved');
    } catch (error) {
      this.status = '';
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private async test(): Promise<void> {
    this.busy = true;
    this.error = '';
    this.report = undefined;
    this.status = this.t('testing');
    try {
      this.showReport(await this.host.endpoint.request(mailTestRequest, { to: this.testRecipient.trim() }));
    } catch (error) {
      // e.g. an invalid recipient: the host's localized text, and the Test button is usable again
      this.busy = false;
      this.status = '';
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private showReport(report: TestReportView): void {
    this.report = report;
    this.busy = false;
    this.status = report.ok ? this.t('result.ok') : this.t('result.failed');
  }

  override render(): TemplateResult {
    const init = this.init;
    const issues = this.issues();
    const oauth = this.values.authType === 'oauth';
    const hasErrors = issues.some((i) => i.severity === 'error');
    return html`
      <h2 id="title">${this.t('title')}</h2>
      ${
        init && init.blocked === null
          ? html` <div class="row" role="radiogroup" aria-labelledby="authTypeLabel">
                <vscode-label id="authTypeLabel">${this.t('field.authType')}</vscode-label>
                <vscode-radio-group @change=${(e: Event) => this.set('authType', (e.target as HTMLInputElement).value)}>
                  <vscode-radio name="authType" value="basic" ?checked=${!oauth}>${this.t('auth.basic')}</vscode-radio>
                  <vscode-radio name="authType" value="oauth" ?checked=${oauth}>${this.t('auth.oauth')}</vscode-radio>
                </vscode-radio-group>
              </div>
              ${GROUPS[oauth ? 'oauth' : 'basic'].map(
                (g) =>
                  html`<fieldset>
                    <legend>${this.t(g.legend)}</legend>
                    ${g.fields.map((name) => this.field(name, issues))}
                  </fieldset>`,
              )}
              ${init.canEdit ? nothing : html`<div class="warn">${this.t('readOnly')}</div>`}
              <div class="actions">
                <vscode-button id="save" ?disabled=${hasErrors || !init.canEdit} @click=${() => void this.save()}
                  >${this.t('save')}</vscode-button
                >
              </div>
              <fieldset>
                <legend>${this.t('group.test')}</legend>
                <div class="row">
                  <vscode-label for="testRecipient">${this.t('field.testRecipient')}</vscode-label>
                  <vscode-textfield
                    id="testRecipient"
                    .value=${this.testRecipient}
                    @input=${(e: Event) => {
                      this.testRecipient = (e.target as HTMLInputElement).value;
                      this.keep();
                    }}
                  ></vscode-textfield>
                </div>
                <div class="actions">
                  <vscode-button
                    id="test"
                    secondary
                    ?disabled=${this.busy || this.testRecipient.trim() === ''}
                    @click=${() => void this.test()}
                    >${this.t(oauth ? 'testOAuth' : 'test')}</vscode-button
                  >
                </div>
              </fieldset>`
          : nothing
      }
      <div id="error" class="error" role="alert">${this.error}</div>
      <div id="status" role="status" aria-live="polite" aria-busy=${this.busy ? 'true' : 'false'}>${this.status}</div>
      <div id="results" aria-live="polite">${this.report ? this.renderReport(this.report) : nothing}</div>
    `;
  }

  private renderReport(report: TestReportView): TemplateResult {
    return html`<div id="report">
      ${report.oauth ? html`<div>${report.oauth}</div>` : nothing}
      ${report.expiry ? html`<div>${report.expiry}</div>` : nothing}
      <table>
        <thead>
          <tr>
            <th scope="col">${this.t('col.step')}</th>
            <th scope="col">${this.t('col.status')}</th>
            <th scope="col">${this.t('col.reply')}</th>
          </tr>
        </thead>
        <tbody>
          ${report.lines.map(
            (l) =>
              html`<tr class=${l.status}>
                <th scope="row">${l.step}</th>
                <td>${this.t(`status.${l.status}`)}</td>
                <td class="reply">${l.reply}${l.hint ? html`<div>→ ${l.hint}</div>` : nothing}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <div class=${report.ok ? 'ok' : 'failed'}>
        ${report.ok ? this.t('result.ok') : this.t('result.failed')} (${report.durationMs} ms)
      </div>
    </div>`;
  }
}
