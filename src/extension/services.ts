import type * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { LicenseDocuments } from './licenseDocuments';
import type { Session } from './session';
import type { StoreHost } from './storeHost';

/** The extension's services, created once in `activate()` and passed to whoever needs them (no singletons). */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly logger: Logger;
  readonly logChannel: vscode.LogOutputChannel;
  readonly storeHost: StoreHost;
  readonly session: Session;
  /** read-only license renderings for editors and the diff editor */
  readonly licenseDocuments: LicenseDocuments;
  /** re-reads all three trees */
  readonly refreshViews: () => void;
}
