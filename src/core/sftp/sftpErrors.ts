/**
 * The failures of an SFTP session with the license server, each naming its cause and the fix (product.md §3,
 * field cases C15, C16, C18, C19). Raised by {@link LicenseServerSession} (licenseServer.ts).
 */
import { IxError, msg } from '../errors';
import type { SuggestedAction } from '../errors';

/** Base of every SFTP failure; `step` names the step of "Verbindung testen" that failed. */
export class SftpError extends IxError {
  readonly step: SftpStep;
  constructor(
    step: SftpStep,
    code: string,
    template: string,
    args: readonly (string | number)[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, template, args, options);
    this.step = step;
  }

  /** the SFTP settings hold host, port, user and key: the place to fix a connection failure */
  override get suggestedActions(): readonly SuggestedAction[] {
    return ['sftpSettings'];
  }
}

/** The steps of a session, in order (the step report of "Verbindung testen"). */
export type SftpStep = 'connect' | 'handshake' | 'hostKey' | 'authenticate' | 'list' | 'download' | 'close';

/** A network step did not finish in time (C18: every step has its own timeout). */
export class SftpTimeoutError extends SftpError {
  constructor(step: SftpStep, target: string, ms: number) {
    super(
      step,
      'E_SFTP_TIMEOUT',
      msg(
        '{0} did not answer within {1} seconds ({2}). Check that the host and port are right and that a firewall lets SFTP through, then try again.',
      ),
      [target, Math.round(ms / 1000), step],
    );
  }
}

/** TCP connection failed (refused, unknown host, unreachable, other). */
export class SftpConnectError extends SftpError {
  readonly kind: 'refused' | 'dns' | 'unreachable' | 'other';
  constructor(target: string, kind: 'refused' | 'dns' | 'unreachable' | 'other', detail: string) {
    const templates = {
      refused: msg(
        'Could not connect to {0}: connection refused. Nothing accepts connections on that port: check the port (SFTP usually 22) and whether the server runs.',
      ),
      dns: msg(
        'Could not connect to {0}: the host name is not known ({1}). Check its spelling and the DNS / proxy settings of this computer.',
      ),
      unreachable: msg(
        'Could not connect to {0}: the host is unreachable ({1}). Check the network connection and VPN.',
      ),
      other: msg('Could not connect to {0}: {1}. See the iX-Haus output channel for details.'),
    };
    super('connect', 'E_SFTP_CONNECT', templates[kind], [target, detail]);
    this.kind = kind;
  }
}

/**
 * Client and server share no algorithm of a category (C15). Both lists are named; insecure algorithms are never
 * added silently.
 */
export class SftpAlgorithmError extends SftpError {
  readonly category: string;
  readonly serverOffers: readonly string[];
  readonly clientSupports: readonly string[];
  constructor(category: string, serverOffers: readonly string[], clientSupports: readonly string[]) {
    super(
      'handshake',
      'E_SFTP_ALGORITHMS',
      msg(
        'The license server and this client have no {0} in common. Server offers [{1}]; this client supports [{2}]. Ask the license-server operator to enable a current algorithm; outdated ones are not enabled here because they are insecure.',
      ),
      [category, serverOffers.join(', '), clientSupports.join(', ')],
    );
    this.category = category;
    this.serverOffers = serverOffers;
    this.clientSupports = clientSupports;
  }
}

/** The server's host key is not trusted yet (first connection): show the fingerprint and ask. */
export class SftpHostKeyUnknownError extends SftpError {
  readonly fingerprint: string;
  readonly keyType: string;
  constructor(target: string, fingerprint: string, keyType: string) {
    super(
      'hostKey',
      'E_SFTP_HOSTKEY_UNKNOWN',
      msg(
        'The host key of {0} is not trusted yet ({1} {2}). Compare the fingerprint with the one your license provider gave you, then trust it (command line: --known-host {2}).',
      ),
      [target, keyType, fingerprint],
    );
    this.fingerprint = fingerprint;
    this.keyType = keyType;
  }
}

/** The server presented a different host key than the pinned one: refused, never re-trusted silently. */
export class SftpHostKeyChangedError extends SftpError {
  readonly expected: string;
  readonly actual: string;
  constructor(target: string, expected: string, actual: string, keyType: string) {
    super(
      'hostKey',
      'E_SFTP_HOSTKEY_CHANGED',
      msg(
        'WARNING: the host key of {0} has changed (trusted: {1}; now: {2} {3}). Someone may be intercepting the connection, or the provider has replaced the server key. Nothing was sent. Ask your license provider for the new fingerprint; only if it matches, trust it again with "Re-trust Host Key…".',
      ),
      [target, expected, keyType, actual],
    );
    this.expected = expected;
    this.actual = actual;
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['retrustHostKey'];
  }
}

/** The server does not allow the configured authentication method (C16 c). */
export class SftpAuthMethodError extends SftpError {
  readonly allowed: readonly string[];
  constructor(allowed: readonly string[], configured: string) {
    super(
      'authenticate',
      'E_SFTP_AUTH_METHOD',
      msg(
        'The server accepts only [{0}]; {1} was configured. Configure the private key supplied by the license provider (or ask them to allow your method).',
      ),
      [allowed.join(', '), configured],
    );
    this.allowed = allowed;
  }
}

/** The server allows the method but rejected the credentials. */
export class SftpAuthRejectedError extends SftpError {
  constructor(method: 'password' | 'privateKey', user: string) {
    super(
      'authenticate',
      'E_SFTP_AUTH_REJECTED',
      method === 'password'
        ? msg(
            'The server rejected the password for user "{0}". Check the user name and enter the password again. (Not retried automatically: repeated failures can get this computer blocked.)',
          )
        : msg(
            'The server rejected the private key for user "{0}". Check the user name and that the license provider has registered this key. (Not retried automatically: repeated failures can get this computer blocked.)',
          ),
      [user],
    );
  }
}

/** The private key cannot be used (not a key, encrypted without passphrase, wrong passphrase). */
export class SftpPrivateKeyError extends SftpError {
  constructor(detail: string) {
    super(
      'authenticate',
      'E_SFTP_PRIVATE_KEY',
      msg(
        'The private key cannot be used ({0}). Choose the key file supplied by the license provider and enter its passphrase if it has one.',
      ),
      [detail],
    );
  }
}

/** The remote folder does not exist or cannot be read (C19: the exact path requested is named). */
export class SftpFolderError extends SftpError {
  constructor(remotePath: string, detail: string) {
    super(
      'list',
      'E_SFTP_FOLDER',
      msg(
        'The folder "{0}" cannot be read on the server ({1}). Check the remote folder in the SFTP settings (Windows servers: e.g. /C:/Lizenzen).',
      ),
      [remotePath, detail],
    );
  }
}

/**
 * A file the listing named cannot be downloaded: it vanished (deleted or renamed on the server between listing and
 * download) or cannot be read. Only that file's pair is skipped (issue 17 §7).
 */
export class SftpFileUnreadableError extends SftpError {
  readonly vanished: boolean;
  constructor(remotePath: string, vanished: boolean, detail: string) {
    super(
      'download',
      vanished ? 'E_SFTP_FILE_VANISHED' : 'E_SFTP_FILE_UNREADABLE',
      vanished
        ? msg(
            '"{0}" was listed but is no longer on the server (deleted or renamed meanwhile); this license was skipped, the others are offered. Fetch again later if it was being replaced.',
          )
        : msg(
            '"{0}" cannot be read on the server ({1}); this license was skipped, the others are offered. Ask the license-server operator to check its permissions.',
          ),
      [remotePath, detail],
    );
    this.vanished = vanished;
  }
}

/** The connection ended during a step (C18). */
export class SftpDroppedError extends SftpError {
  constructor(step: SftpStep, target: string, detail: string) {
    super(
      step,
      'E_SFTP_DROPPED',
      msg('The connection to {0} dropped during {1} ({2}). Nothing was installed; try again later.'),
      [target, step, detail],
    );
  }
}

/** A remote file is larger than the cap for its kind. */
export class SftpFileTooLargeError extends SftpError {
  constructor(remotePath: string, bytes: number, cap: number) {
    super(
      'download',
      'E_SFTP_TOO_LARGE',
      msg('"{0}" on the server has {1} bytes; at most {2} are accepted for this kind of file. It was not downloaded.'),
      [remotePath, bytes, cap],
    );
  }
}

/** The user cancelled. */
export class SftpCancelledError extends SftpError {
  constructor(step: SftpStep) {
    super(step, 'E_SFTP_CANCELLED', msg('Cancelled during {0}. Nothing was installed.'), [step]);
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return [];
  }
}
