import { IxError, msg } from '../errors';
import type { SuggestedAction } from '../errors';

/**
 * Typed failures of the store (DESIGN.md §4, issue "Foundation" §3). Each names the file and the problem and,
 * where a valid backup copy (`<store>.bak`) exists, carries its path in `backupFile` so that the UI can offer it.
 */
export class StoreError extends IxError {
  /** The store file concerned (absolute path), if any. */
  readonly file: string | undefined;
  /** A `.bak` copy beside the file that itself passed the integrity check, if there is one. */
  backupFile: string | undefined;

  constructor(
    code: string,
    template: string,
    file: string | undefined,
    args: readonly (string | number)[],
    cause?: unknown,
  ) {
    super(code, template, args, cause === undefined ? undefined : { cause });
    this.file = file;
    this.backupFile = undefined;
  }

  /** "Restore backup" when a valid `.bak` exists. */
  override get suggestedActions(): readonly SuggestedAction[] {
    return this.backupFile && this.file ? ['restoreBackup'] : [];
  }
}

export class StoreNotFoundError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_NOT_FOUND',
      msg('The store file {0} does not exist. Create a demo store or choose an existing file.'),
      file,
      [file],
    );
  }
}

export class StoreExistsError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_EXISTS',
      msg(
        '{0} already exists; a new store is never created over an existing file. Choose another file name or open the existing store.',
      ),
      file,
      [file],
    );
  }
}

/** A new store file was named in a folder that does not exist (the CLI does not create folders: a typo would). */
export class StoreFolderMissingError extends StoreError {
  constructor(file: string, folder: string) {
    super(
      'E_STORE_FOLDER_MISSING',
      msg(
        'The folder {1} of the new store {0} does not exist; nothing was created. Create the folder first or correct the path.',
      ),
      file,
      [file, folder],
    );
  }
}

export class StoreEmptyError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_EMPTY',
      msg(
        'The store file {0} is empty (0 bytes): it is not a database. Restore it from a backup or choose another file.',
      ),
      file,
      [file],
    );
  }
}

export class StoreNotSqliteError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_NOT_SQLITE',
      msg(
        '{0} is not an SQLite database (its header is wrong). Choose the store file (*.sqlite) or restore it from a backup.',
      ),
      file,
      [file],
    );
  }
}

export class StoreTruncatedError extends StoreError {
  constructor(file: string, actualBytes: number, expectedBytes: number) {
    super(
      'E_STORE_TRUNCATED',
      msg(
        'The store file {0} is cut short: it has {1} bytes but its header promises {2}. It was damaged outside this program (copy interrupted, disk full). Restore it from a backup.',
      ),
      file,
      [file, actualBytes, expectedBytes],
    );
  }
}

export class StoreCorruptError extends StoreError {
  constructor(file: string, detail: string, cause?: unknown) {
    super(
      'E_STORE_CORRUPT',
      msg('The store file {0} is damaged: {1}. Restore it from a backup.'),
      file,
      [file, detail],
      cause,
    );
  }
}

export class StoreForeignError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_FOREIGN',
      msg(
        '{0} is an SQLite database but not an iX-Haus administration store. Choose the right file; it was left unchanged.',
      ),
      file,
      [file],
    );
  }
}

export class StoreTooNewError extends StoreError {
  constructor(file: string, fileVersion: number, supported: number) {
    super(
      'E_STORE_TOO_NEW',
      msg(
        'The store {0} has schema version {1}, but this version of the extension knows only up to {2}. Update the extension.',
      ),
      file,
      [file, fileVersion, supported],
    );
  }
}

export class StoreReadOnlyError extends StoreError {
  constructor(file: string | undefined, reason: string) {
    super(
      'E_STORE_READ_ONLY',
      msg(
        'The store {0} is open read-only ({1}); nothing was changed. Close the other window or program that has it open and reopen the store.',
      ),
      file,
      [file ?? '(memory)', reason],
    );
  }
}

export class StoreWriteError extends StoreError {
  constructor(file: string, detail: string, cause?: unknown) {
    super(
      'E_STORE_WRITE',
      msg(
        'Saving the store {0} failed: {1}. The file on disk still holds the last saved state; free disk space or check permissions, then save again.',
      ),
      file,
      [file, detail],
      cause,
    );
  }
}

export class StoreTooLargeError extends StoreError {
  constructor(file: string | undefined, megabytes: number, cause?: unknown) {
    super(
      'E_STORE_TOO_LARGE',
      msg(
        'The store ({0} MB) is too large for in-memory storage; the file on disk was not changed. Archive old call journal and audit rows, or split the data.',
      ),
      file,
      [megabytes],
      cause,
    );
  }
}

export class StoreTransactionError extends StoreError {
  constructor(detail: string) {
    super('E_STORE_TRANSACTION', msg('Internal error in a store transaction: {0}. Nothing was changed.'), undefined, [
      detail,
    ]);
  }
}

export class StoreNotAFileError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_NOT_A_FILE',
      msg('{0} is a folder, not a store file. Choose the store file (*.sqlite) inside it.'),
      file,
      [file],
    );
  }
}

export class StoreNoBackupError extends StoreError {
  constructor(file: string, backup: string) {
    super(
      'E_STORE_NO_BACKUP',
      msg(
        'There is no backup copy of the store {0} ({1} does not exist), so it cannot be restored. Use a backup of your own, or create a new store.',
      ),
      file,
      [file, backup],
    );
  }
}

export class StoreIntactError extends StoreError {
  constructor(file: string) {
    super(
      'E_STORE_INTACT',
      msg(
        'The store {0} is intact; restoring would replace it with its older backup copy. Restore only a damaged store (command line: add --force to restore anyway).',
      ),
      file,
      [file],
    );
  }
}

export class StoreLockBrokenError extends StoreError {
  constructor(lockFile: string, detail: string) {
    super(
      'E_STORE_LOCK_BROKEN',
      msg(
        "{0} is in the place of the store's write lock but is not an ixhaus-admin lock ({1}). Nothing was read or changed. If no window or program uses the store any more, delete {0} and open the store again.",
      ),
      lockFile,
      [lockFile, detail],
    );
  }
}

export class StoreChecksumError extends StoreError {
  constructor(file: string, checksumFile: string) {
    super(
      'E_STORE_CHECKSUM',
      msg(
        'The store file {0} does not match the checksum of its last save: it was changed outside ixhaus-admin, or damaged. Nothing was changed. Restore it from its backup; if you replaced the file on purpose, delete {1} and open it again (it then gets the full check).',
      ),
      file,
      [file, checksumFile],
    );
  }
}

export class StoreConflictError extends StoreError {
  constructor(file: string, detail: string) {
    super(
      'E_STORE_CONFLICT',
      msg(
        'The store {0} was not saved: {1}. Nothing was overwritten, and this change is not in the file. Reopen the store to see its current content, then make the change again.',
      ),
      file,
      [file, detail],
    );
  }
}

export class StoreLockedError extends StoreError {
  constructor(file: string, holder: string) {
    super(
      'E_STORE_LOCKED',
      msg(
        'The store {0} is being changed by another window or program ({1}); nothing was changed. Try again when it has finished, or close it there.',
      ),
      file,
      [file, holder],
    );
  }
}
