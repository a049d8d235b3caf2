/**
 * Shared plumbing of the suite's webview panels (DESIGN.md §3): panel options (scripts on, resources only from
 * `dist/webviews`), the page from {@link buildWebviewHtml}, and a {@link MessageEndpoint} wired to the panel whose
 * failures are localized and logged. Reused by every webview (Verantwortlichen ändern, SMTP settings …).
 */
import * as vscode from 'vscode';
import type { Logger } from '../../core/log';
import { MessageEndpoint } from '../../shared/protocol/endpoint';
import { localizedMessage } from '../errors';
import { buildWebviewHtml, createNonce } from './webviewHtml';

/** Options for panels and serializer-restored panels alike. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')],
    retainContextWhenHidden: false,
  };
}

/** What {@link connectWebview} needs. */
export interface WebviewSetup {
  readonly extensionUri: vscode.Uri;
  /** bundle name: `dist/webviews/<name>.js` */
  readonly name: string;
  readonly title: string;
  readonly strings: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

/**
 * Sets options and HTML of a panel (new or restored) and returns the endpoint that talks to its page. The endpoint
 * is disposed with the panel.
 */
export function connectWebview(panel: vscode.WebviewPanel, setup: WebviewSetup): MessageEndpoint {
  const webview = panel.webview;
  webview.options = webviewOptions(setup.extensionUri);
  panel.title = setup.title;
  const endpoint = new MessageEndpoint({
    post: (message) => void webview.postMessage(message),
    describeError: (error) => {
      setup.logger.warn(`[webview ${setup.name}] ${error instanceof Error ? error.message : String(error)}`);
      return localizedMessage(error);
    },
    onInvalid: (problem) => setup.logger.warn(`[webview ${setup.name}] refused a message: ${problem}`),
  });
  const subscription = webview.onDidReceiveMessage((message: unknown) => void endpoint.receive(message));
  panel.onDidDispose(() => {
    subscription.dispose();
    endpoint.dispose();
  });
  webview.html = buildWebviewHtml({
    title: setup.title,
    scriptUri: webview
      .asWebviewUri(vscode.Uri.joinPath(setup.extensionUri, 'dist', 'webviews', `${setup.name}.js`))
      .toString(),
    cspSource: webview.cspSource,
    nonce: createNonce(),
    lang: vscode.env.language,
    strings: setup.strings,
  });
  return endpoint;
}
