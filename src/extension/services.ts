import type * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { NodeTreeProvider, TreeNode } from '../providers/tree/treeNode';
import type { SettingsFilter } from '../providers/tree/settingsTree';
import type { ViewId } from './ids';
import type { LicenseDocuments } from './licenseDocuments';
import type { TransferPanels } from './panels/transferResponsiblePanel';
import type { ImportPanels } from './panels/importPreviewPanel';
import type { MailHost } from './mail/mailHost';
import type { AlertWebhooks } from './mail/alertWebhooks';
import type { MailSettingsPanels } from './panels/mailSettingsPanel';
import type { Session } from './session';
import type { StoreHost } from './storeHost';
import type { CtiService } from './ctiService';
import type { SystemsHost } from './systemsHost';

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
  /** the tree data providers and tree views of the three views */
  readonly views: Readonly<Record<ViewId, NodeTreeProvider>>;
  readonly treeViews: Readonly<Record<ViewId, vscode.TreeView<TreeNode>>>;
  /** the state of the Systemeinstellungen view (search, last hit) */
  readonly settingsFilter: SettingsFilter;
  /** the one record of the open "Verantwortlichen ändern" panel */
  readonly transferPanels: TransferPanels;
  /** the one record of the open "Stammdaten importieren" preview */
  readonly importPanels: ImportPanels;
  /** the one record of the open "SMTP Einstellungen" panel */
  readonly mailPanels: MailSettingsPanels;
  /** SMTP secrets (secret storage) and the connection-test report channel */
  readonly mail: MailHost;
  /** the alert webhook URLs of the active system (secret storage, issue 21) */
  readonly alertWebhooks: AlertWebhooks;
  /** telephone integration (issue 9) */
  readonly cti: CtiService;
  /** Kundensysteme: the list, this window's active system, per-system secret keys (issue 20) */
  readonly systems: SystemsHost;
  /** the CTI-Test log, created on first use */
  ctiTestChannel?: vscode.OutputChannel;
}
