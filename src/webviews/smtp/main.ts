/**
 * Webview "SMTP Einstellungen" (issue 7 §1): a Lit form with @vscode-elements. Live validation by the shared
 * validator (the host re-runs it on save); the transport mode ("SSL erforderlich" → implicit TLS on 465 or
 * STARTTLS) is shown; secrets are typed here and sent once, never stored in the webview state.
 */
import { LitElement, html, css } from 'lit';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import { draftForState } from '../../shared/mail/protocol';
import type { HostToSmtpView, SmtpViewToHost, TestReportView } from '../../shared/mail/protocol';
import { tlsModeOf, validateMailSettings } from '../../shared/mail/settings';
import type { MailIssue, SecretPresence } from '../../shared/mail/settings';

interface VsCodeApi {
  postMessage(message: SmtpViewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

type Values = Record<string, unknown>;

const BASIC = ['host', 'port', 'ssl', 'allowInsecureAuth', 'user', 'password', 'from', 'schedulerRecipient', 'schedulerRecipient2'];
const OAUTH = ['clientId', 'objectId', 'clientSecret', 'secretValidUntil', 'tenant', 'authorityHost', 'user', 'from', 'notifyAddress', 'host', 'port', 'ssl', 'schedulerRecipient', 'schedulerRecipient2'];

class IxSmtpForm extends LitElement {
  static override properties = { values: { state: true }, presence: { state: true }, strings: { state: true }, report: { state: true }, refused: { state: true }, testRecipient: { state: true }, secrets: { state: true }, busy: { state: true } };
  static override styles = css`
    :host { display: block; max-width: 44rem; padding: 0.5rem 1rem; }
    .row { display: grid; grid-template-columns: 14rem 1fr; gap: 0.5rem; align-items: center; margin: 0.35rem 0; }
    .issue { grid-column: 2; color: var(--vscode-errorForeground); font-size: 0.9em; }
    .warn { grid-column: 2; color: var(--vscode-editorWarning-foreground); font-size: 0.9em; }
    .mode { grid-column: 2; opacity: 0.8; font-size: 0.9em; }
    .actions { margin: 1rem 0; display: flex; gap: 0.5rem; align-items: center; }
    .ok { color: var(--vscode-testing-iconPassed); }
    .failed { color: var(--vscode-errorForeground); }
    pre { white-space: pre-wrap; }
  `;

  values: Values = {};
  presence: SecretPresence = { password: false, clientSecret: false };
  strings: Record<string, string> = {};
  report: TestReportView | undefined;
  refused: readonly (MailIssue & { text: string })[] = [];
  testRecipient = '';
  /** secrets typed in this form, sent with the next save only; never put into the state */
  secrets: { password?: string; clientSecret?: string } = {};
  busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = vscode.getState() as { values?: Values; testRecipient?: string } | undefined;
    if (saved?.values) this.values = saved.values;
    if (saved?.testRecipient) this.testRecipient = saved.testRecipient;
    window.addEventListener('message', (event: MessageEvent<HostToSmtpView>) => this.receive(event.data));
    vscode.postMessage({ type: 'mail/settings/ready' });
  }

  private t(key: string): string {
    return this.strings[key] ?? key;
  }

  private receive(message: HostToSmtpView): void {
    if (message.type === 'mail/settings/init') {
      this.strings = message.strings;
      this.presence = message.presence;
      const saved = vscode.getState() as { values?: Values } | undefined;
      this.values = saved?.values ?? { ...message.settings };
    } else if (message.type === 'mail/settings/saved') {
      this.values = { ...message.settings };
      this.presence = message.presence;
      this.secrets = {};
      this.refused = [];
      this.keep();
    } else if (message.type === 'mail/settings/refused') {
      this.refused = message.issues;
    } else if (message.type === 'mail/test/result') {
      this.report = message.report;
      this.busy = false;
    }
  }

  private keep(): void {
    vscode.setState(draftForState(this.values, { testRecipient: this.testRecipient }));
  }

  private set(field: string, value: unknown): void {
    if (field === 'password' || field === 'clientSecret') this.secrets = { ...this.secrets, [field]: String(value) };
    else this.values = { ...this.values, [field]: value };
    this.keep();
  }

  private issues(): readonly MailIssue[] {
    const presence: SecretPresence = { password: this.presence.password || !!this.secrets.password, clientSecret: this.presence.clientSecret || !!this.secrets.clientSecret, clientSecretLooksLikeId: this.secrets.clientSecret ? /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(this.secrets.clientSecret.trim()) : this.presence.clientSecretLooksLikeId };
    return validateMailSettings(this.values, presence).issues;
  }

  private field(name: string, issues: readonly MailIssue[]) {
    const issue = issues.find((i) => i.field === name);
    const text = issue ? this.t(issue.template).replace(/\{(\d+)\}/g, (_m, i: string) => String(issue.args[Number(i)] ?? '')) : '';
    const label = html`<vscode-label for=${name}>${this.t(`field.${name}`)}</vscode-label>`;
    let control;
    if (name === 'ssl' || name === 'allowInsecureAuth') {
      control = html`<vscode-checkbox id=${name} ?checked=${this.values[name] === true || this.values[name] === 'true'} @change=${(e: Event) => this.set(name, (e.target as HTMLInputElement).checked)}></vscode-checkbox>`;
    } else if (name === 'password' || name === 'clientSecret') {
      const isSet = name === 'password' ? this.presence.password : this.presence.clientSecret;
      control = html`<vscode-textfield id=${name} type="password" placeholder=${isSet ? this.t('secret.set') : this.t('secret.notSet')} .value=${this.secrets[name] ?? ''} @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value)}></vscode-textfield>`;
    } else {
      control = html`<vscode-textfield id=${name} .value=${String(this.values[name] ?? '')} ?invalid=${issue?.severity === 'error'} @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value)}></vscode-textfield>`;
    }
    const mode = name === 'ssl' ? html`<span class="mode">${this.modeText()}</span>` : '';
    return html`<div class="row">${label}${control}${mode}${issue ? html`<span class=${issue.severity === 'error' ? 'issue' : 'warn'}>${text}</span>` : ''}</div>`;
  }

  private modeText(): string {
    const port = Number(this.values.port);
    const mode = tlsModeOf({ ssl: this.values.ssl === true || this.values.ssl === 'true', port });
    return this.t(`mode.${mode}`);
  }

  private save(): void {
    vscode.postMessage({ type: 'mail/settings/save', values: this.values, secrets: this.secrets });
  }

  private test(): void {
    this.busy = true;
    this.report = undefined;
    vscode.postMessage({ type: 'mail/test/run', to: this.testRecipient });
  }

  override render() {
    const issues = this.issues();
    const oauth = this.values.authType === 'oauth';
    const hasErrors = issues.some((i) => i.severity === 'error');
    return html`
      <h2>${this.t('title')}</h2>
      <div class="row">
        <vscode-label>${this.t('field.authType')}</vscode-label>
        <vscode-radio-group @change=${(e: Event) => this.set('authType', (e.target as HTMLInputElement).value)}>
          <vscode-radio name="authType" value="basic" ?checked=${!oauth}>${this.t('auth.basic')}</vscode-radio>
          <vscode-radio name="authType" value="oauth" ?checked=${oauth}>${this.t('auth.oauth')}</vscode-radio>
        </vscode-radio-group>
      </div>
      ${(oauth ? OAUTH : BASIC).map((name) => this.field(name, issues))}
      ${this.refused.map((i) => html`<div class="issue">${i.text}</div>`)}
      <div class="actions"><vscode-button id="save" ?disabled=${hasErrors} @click=${() => this.save()}>${this.t('save')}</vscode-button></div>
      <div class="row">
        <vscode-label for="testRecipient">${this.t('field.testRecipient')}</vscode-label>
        <vscode-textfield id="testRecipient" .value=${this.testRecipient} @input=${(e: Event) => { this.testRecipient = (e.target as HTMLInputElement).value; this.keep(); }}></vscode-textfield>
      </div>
      <div class="actions"><vscode-button id="test" secondary ?disabled=${this.busy || this.testRecipient.trim() === ''} @click=${() => this.test()}>${this.t(oauth ? 'testOAuth' : 'test')}</vscode-button></div>
      ${this.report ? this.renderReport(this.report) : ''}
    `;
  }

  private renderReport(report: TestReportView) {
    return html`<div id="report">
      ${report.oauth ? html`<div>${report.oauth}</div>` : ''}
      ${report.expiry ? html`<div>${report.expiry}</div>` : ''}
      ${report.lines.map((l) => html`<div class=${l.status}><b>${l.step}</b> ${l.status} — ${l.reply}${l.hint ? html`<div>→ ${l.hint}</div>` : ''}</div>`)}
      <div class=${report.ok ? 'ok' : 'failed'}>${report.ok ? this.t('result.ok') : this.t('result.failed')} (${report.durationMs} ms)</div>
    </div>`;
  }
}

customElements.define('ix-smtp-form', IxSmtpForm);
// the shared HTML shell gives every page an empty <main id="ix-root"> to mount into
if (!document.querySelector('ix-smtp-form')) (document.getElementById('ix-root') ?? document.body).append(document.createElement('ix-smtp-form'));
