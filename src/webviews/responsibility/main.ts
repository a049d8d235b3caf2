/** Entry of the webview "Verantwortlichen ändern" (bundled to dist/webviews/responsibility.js). */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import { connectToHost } from '../common/host';
import type { TransferStringKey } from '../../shared/protocol/responsibility';
import { IxTransferForm } from './ix-transfer-form';

const host = connectToHost<TransferStringKey>();
document.title = host.boot.title;
customElements.define('ix-transfer-form', IxTransferForm);
const form = new IxTransferForm(host);
document.getElementById('ix-root')?.appendChild(form);
