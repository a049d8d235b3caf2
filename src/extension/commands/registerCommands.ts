import * as vscode from 'vscode';
import { showError } from '../errors';
import type { CommandId } from '../ids';
import type { Services } from '../services';
import { copyLicenseNumberCommand, installLicenseCommand, showLicenseTextCommand } from './licenseCommands';
import { transferResponsibleCommand } from './responsibleCommands';
import { checkSchedulerCommand } from '../mail/schedulerMonitor';
import { configureAlertWebhooksCommand } from '../mail/alertWebhooks';
import { addSchedulerJobCommand, editSchedulerJobCommand, removeSchedulerJobCommand } from './schedulerJobCommands';
import { objectNosOfSelection } from '../../providers/tree/objectsTree';
import { signInCommand, signOutCommand } from './sessionCommands';
import { configureSftpCommand } from './sftpSettingsCommand';
import { testConnectionCommand } from './sftpTestCommand';
import { fetchLicensesCommand } from './licenseFetchCommand';
import { retrustHostKeyCommand } from './sftpHostKeyCommands';
import { editProgramRightsCommand } from './rightsCommands';
import {
  changeRoleCommand,
  deactivateUserCommand,
  lockModuleCommand,
  myDataCommand,
  reactivateUserCommand,
  unlockModuleCommand,
} from './userCommands';
import {
  clearSettingsSearchCommand,
  copySettingCommand,
  editSettingCommand,
  nextHitCommand,
  resetSettingCommand,
  searchSettingsCommand,
} from './settingsCommands';
import { createDemoCommand, openStoreCommand, showStoreInfoCommand } from './storeCommands';
import {
  configureRemindersCommand,
  editMailSettingsCommand,
  openMailSettingsCommand,
  setMailSecretCommand,
  testMailConnectionCommand,
} from './mailCommands';
import {
  callBackCommand,
  createAuftragCommand,
  createMeldungCommand,
  dialCommand,
  editCallNoteCommand,
  openCallerRecordCommand,
  simulateCallCommand,
} from './ctiCommands';
import {
  addSystemCommand,
  duplicateSystemCommand,
  editSystemCommand,
  pickSystemCommand,
  removeSystemCommand,
  switchSystemCommand,
} from './systemCommands';
import { ctiTestCommand, setAreaCodeCommand, setCredentialsCommand } from './ctiSetupCommands';
import { exportMasterDataCommand, importMasterDataCommand, undoImportCommand } from './importCommands';

/**
 * The one id → handler table (DESIGN.md §3). Typed so that every {@link CommandId} has exactly one handler. A handler
 * may return a result: `executeCommand` hands it to scripted callers (tests, automation); failures are shown and
 * yield `undefined`.
 */
export const COMMAND_TABLE: Readonly<
  Record<CommandId, (services: Services, ...args: unknown[]) => Promise<unknown> | unknown>
> = {
  'ixhaus.session.signIn': signInCommand,
  'ixhaus.session.signOut': signOutCommand,
  'ixhaus.store.createDemo': createDemoCommand,
  'ixhaus.store.open': openStoreCommand,
  'ixhaus.store.showInfo': showStoreInfoCommand,
  'ixhaus.views.refresh': (services) => services.refreshViews(),
  'ixhaus.license.install': installLicenseCommand,
  'ixhaus.license.showText': showLicenseTextCommand,
  'ixhaus.license.copyNumber': copyLicenseNumberCommand,
  'ixhaus.license.fetch': fetchLicensesCommand,
  'ixhaus.sftp.configure': configureSftpCommand,
  'ixhaus.sftp.testConnection': testConnectionCommand,
  'ixhaus.sftp.retrustHostKey': retrustHostKeyCommand,
  'ixhaus.settings.search': searchSettingsCommand,
  'ixhaus.settings.clearSearch': clearSettingsSearchCommand,
  'ixhaus.settings.nextHit': nextHitCommand,
  'ixhaus.settings.edit': editSettingCommand,
  'ixhaus.settings.reset': resetSettingCommand,
  'ixhaus.settings.copy': copySettingCommand,
  'ixhaus.users.unlockModule': unlockModuleCommand,
  'ixhaus.users.lockModule': lockModuleCommand,
  'ixhaus.users.changeRole': changeRoleCommand,
  'ixhaus.users.deactivate': deactivateUserCommand,
  'ixhaus.users.reactivate': reactivateUserCommand,
  'ixhaus.users.myData': myDataCommand,
  'ixhaus.rights.edit': editProgramRightsCommand,
  // from the Objekte view: the clicked object and the multi-selection become the chosen objects
  'ixhaus.responsible.transfer': (services, arg, selection) =>
    void transferResponsibleCommand(
      services,
      objectNosOfSelection(arg, selection) ? { objectNos: objectNosOfSelection(arg, selection) } : arg,
    ),
  'ixhaus.mail.openSettings': openMailSettingsCommand,
  'ixhaus.mail.editSettings': editMailSettingsCommand,
  'ixhaus.mail.setSecret': setMailSecretCommand,
  'ixhaus.mail.testConnection': testMailConnectionCommand,
  'ixhaus.scheduler.check': checkSchedulerCommand,
  'ixhaus.alerts.configureWebhooks': configureAlertWebhooksCommand,
  'ixhaus.scheduler.addJob': addSchedulerJobCommand,
  'ixhaus.scheduler.editJob': editSchedulerJobCommand,
  'ixhaus.scheduler.removeJob': removeSchedulerJobCommand,
  'ixhaus.reminders.configure': configureRemindersCommand,
  'ixhaus.cti.simulateCall': simulateCallCommand,
  'ixhaus.cti.test': async (services, arg) => void (await ctiTestCommand(services, arg)),
  'ixhaus.cti.dial': dialCommand,
  'ixhaus.cti.callBack': callBackCommand,
  'ixhaus.cti.openRecord': openCallerRecordCommand,
  'ixhaus.cti.setCredentials': setCredentialsCommand,
  'ixhaus.cti.createMeldung': createMeldungCommand,
  'ixhaus.cti.createAuftrag': createAuftragCommand,
  'ixhaus.cti.setAreaCode': setAreaCodeCommand,
  'ixhaus.cti.editNote': editCallNoteCommand,
  'ixhaus.systems.add': addSystemCommand,
  'ixhaus.systems.edit': editSystemCommand,
  'ixhaus.systems.duplicate': duplicateSystemCommand,
  'ixhaus.systems.remove': removeSystemCommand,
  'ixhaus.systems.switch': switchSystemCommand,
  'ixhaus.systems.pick': pickSystemCommand,
  'ixhaus.import.start': importMasterDataCommand,
  'ixhaus.import.undo': undoImportCommand,
  'ixhaus.export.start': exportMasterDataCommand,
};

/** Registers every command of the table; each failure is shown localized with its actions, and logged. */
export function registerCommands(services: Services): vscode.Disposable[] {
  return (Object.keys(COMMAND_TABLE) as CommandId[]).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await COMMAND_TABLE[id](services, ...args);
      } catch (error) {
        // not awaited: the command ends now; the message waits for the user on its own
        void showError(error, {
          logger: services.logger,
          showLog: () => services.logChannel.show(),
          restoreBackup: (file) => services.storeHost.restoreBackupAndOpen(file),
        });
        return undefined;
      }
    }),
  );
}
