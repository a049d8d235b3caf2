/** Every command id of the extension (DESIGN.md §3 "Ids"); package.json and the command table must agree (unit test). */
export const COMMAND_IDS = [
  'ixhaus.session.signIn',
  'ixhaus.session.signOut',
  'ixhaus.store.createDemo',
  'ixhaus.store.open',
  'ixhaus.store.showInfo',
  'ixhaus.views.refresh',
  'ixhaus.license.install',
  'ixhaus.license.showText',
  'ixhaus.license.copyNumber',
  'ixhaus.license.fetch',
  'ixhaus.sftp.configure',
  'ixhaus.sftp.testConnection',
  'ixhaus.sftp.retrustHostKey',
  'ixhaus.settings.search',
  'ixhaus.settings.clearSearch',
  'ixhaus.settings.nextHit',
  'ixhaus.settings.edit',
  'ixhaus.settings.reset',
  'ixhaus.settings.copy',
  'ixhaus.users.unlockModule',
  'ixhaus.users.lockModule',
  'ixhaus.users.changeRole',
  'ixhaus.users.deactivate',
  'ixhaus.users.reactivate',
  'ixhaus.users.myData',
  'ixhaus.rights.edit',
  'ixhaus.responsible.transfer',
  'ixhaus.mail.openSettings',
  'ixhaus.mail.editSettings',
  'ixhaus.mail.setSecret',
  'ixhaus.mail.testConnection',
  'ixhaus.scheduler.check',
  'ixhaus.alerts.configureWebhooks',
  'ixhaus.scheduler.addJob',
  'ixhaus.scheduler.editJob',
  'ixhaus.scheduler.removeJob',
  'ixhaus.reminders.configure',
  'ixhaus.cti.simulateCall',
  'ixhaus.cti.test',
  'ixhaus.cti.dial',
  'ixhaus.cti.callBack',
  'ixhaus.cti.openRecord',
  'ixhaus.cti.setCredentials',
  'ixhaus.cti.createMeldung',
  'ixhaus.cti.createAuftrag',
  'ixhaus.cti.setAreaCode',
  'ixhaus.cti.editNote',
  'ixhaus.systems.add',
  'ixhaus.systems.edit',
  'ixhaus.systems.duplicate',
  'ixhaus.systems.remove',
  'ixhaus.systems.switch',
  'ixhaus.systems.pick',
  'ixhaus.import.start',
  'ixhaus.import.undo',
  'ixhaus.export.start',
] as const;
export type CommandId = (typeof COMMAND_IDS)[number];

/** View ids inside the "iX-Haus" activity-bar container. */
export const VIEW_IDS = [
  'ixhaus.systems',
  'ixhaus.licenses',
  'ixhaus.settings',
  'ixhaus.modules',
  'ixhaus.objects',
  'ixhaus.scheduler',
  'ixhaus.callJournal',
] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** Context keys set by the extension (used in `when` clauses of package.json). */
export const CONTEXT_KEYS = {
  storeOpen: 'ixhaus:storeOpen',
  signedIn: 'ixhaus:signedIn',
  isAdmin: 'ixhaus:isAdmin',
  readOnly: 'ixhaus:readOnly',
  settingsFilterActive: 'ixhaus:settingsFilterActive',
} as const;

/** Configuration keys. */
export const CONFIG = {
  section: 'ixhaus',
  storePath: 'store.path',
} as const;
