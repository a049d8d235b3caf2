import * as vscode from 'vscode';

/** URI scheme of the read-only license renderings shown in editors and VS Code's diff editor. */
export const LICENSE_SCHEME = 'ixhaus-license';

/**
 * Serves canonical license texts (licenseService.renderLicenseText) as read-only virtual documents, so that
 * "installed vs. candidate" opens in VS Code's own diff editor (product.md §2). Nothing is written to disk.
 */
export class LicenseDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(LICENSE_SCHEME, this);

  /** Registers (or replaces) the text behind `ixhaus-license:/<name>` and returns its URI. */
  put(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: LICENSE_SCHEME, path: `/${name}` });
    this.texts.set(uri.path, text);
    this.emitter.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}
