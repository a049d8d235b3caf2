/** Entry of the webview "Stammdaten importieren" preview (bundled to dist/webviews/importPreview.js). */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import { connectToHost } from '../common/host';
import type { ImportStringKey } from '../../shared/protocol/importPreview';
import { IxImportPreview } from './ix-import-preview';

const host = connectToHost<ImportStringKey>();
document.title = host.boot.title;
customElements.define('ix-import-preview', IxImportPreview);
document.getElementById('ix-root')?.appendChild(new IxImportPreview(host));
