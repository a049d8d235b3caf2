/**
 * Transition guard of issue 19: the extension opens a PostgreSQL store, but the services not yet converted to the
 * asynchronous store ({@link AsyncStore}) still need the file engine (`StoreHost.store`, undefined on
 * PostgreSQL). Their commands say so clearly instead of failing with "No store is open" or a crash. Each command
 * leaves {@link FILE_STORE_ONLY_COMMANDS} when its service is converted (delete its line; nothing else to undo).
 */
import { IxError, msg } from '../core/errors';
import type { AsyncStore } from '../core/store/asyncStore';
import type { CommandId } from './ids';

/** A feature that still needs a store file was used while a PostgreSQL store is open. */
export class NotOnPostgresYetError extends IxError {
  constructor(location: string) {
    super(
      'E_NOT_ON_POSTGRES_YET',
      msg(
        'This feature is not available on a PostgreSQL store yet (open: {0}). Use it on a store file ("iX-Haus: Open Store…" → "Open File…") or wait for the next version of the suite.',
      ),
      [location],
    );
  }
}

/** Commands whose services still read `StoreHost.store` (the file engine); refused on a PostgreSQL store. */
export const FILE_STORE_ONLY_COMMANDS: ReadonlySet<CommandId> = new Set<CommandId>([
  'ixhaus.session.signIn',
  'ixhaus.license.install',
  'ixhaus.license.showText',
  'ixhaus.license.fetch',
  'ixhaus.sftp.configure',
  'ixhaus.sftp.testConnection',
  'ixhaus.sftp.retrustHostKey',
  'ixhaus.settings.search',
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
]);

/**
 * Throws when `command` still needs a store file and the open store is a PostgreSQL database.
 * @throws NotOnPostgresYetError
 */
export function assertAvailableOnStore(command: CommandId, db: AsyncStore | undefined): void {
  if (db?.backend === 'postgres' && FILE_STORE_ONLY_COMMANDS.has(command)) throw new NotOnPostgresYetError(db.location);
}
