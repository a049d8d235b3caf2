/** Entry of the webview "SMTP Einstellungen" (bundled to dist/webviews/smtp.js). */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import { connectToHost } from '../common/host';
import type { MailStringKey } from '../../shared/protocol/mailSettings';
import { IxSmtpForm } from './ix-smtp-form';

const host = connectToHost<MailStringKey>();
document.title = host.boot.title;
customElements.define('ix-smtp-form', IxSmtpForm);
document.getElementById('ix-root')?.appendChild(new IxSmtpForm(host));
