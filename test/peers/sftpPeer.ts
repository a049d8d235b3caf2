/**
 * A scripted SFTP server (ssh2 `Server`, SFTP v3 per draft-ietf-secsh-filexfer-02) on 127.0.0.1 and a free port,
 * for listings OpenSSH never produces (issue 17 §5–§7): a long name without the `ls -l` type character (or in
 * another format), symbolic links, and a file that is listed but gone when it is opened. One folder
 * (`/lizenzen`) held in memory; password login for one user; the host key is made per peer.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Server, utils } from 'ssh2';
import type { Attributes, Connection, SFTPWrapper } from 'ssh2';

const { STATUS_CODE, OPEN_MODE } = utils.sftp;

export const SFTP_PEER_USER = 'crem';
export const SFTP_PEER_PASSWORD = 'Lizenz-Abruf-2026!';
/** The folder the peer serves. */
export const SFTP_PEER_DIR = '/lizenzen';

/** One entry of the served folder. */
export type PeerEntry =
  | { readonly kind: 'file'; readonly data: Buffer }
  | { readonly kind: 'dir' }
  | { readonly kind: 'link'; readonly target: string };

/** How READDIR writes the long name: `ls` = `ls -l` style (OpenSSH), `bare` = only the name, `windows` = a DIR-like line. */
export type LongNameStyle = 'ls' | 'bare' | 'windows';

/** A running peer. */
export interface SftpPeer {
  readonly port: number;
  /** `SHA256:…` of the host key as `ssh-keygen -lf` prints it */
  readonly fingerprint: string;
  /** the served folder; change it between fetches */
  readonly entries: Map<string, PeerEntry>;
  /** names that vanish when a client opens them (listed, then gone: deleted on the server meanwhile) */
  readonly vanishOnOpen: Set<string>;
  /** "OP path" of every request, in order */
  readonly requests: string[];
  close(): Promise<void>;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function attrsOf(entry: PeerEntry): Attributes {
  const now = Math.floor(Date.now() / 1000);
  const mode = entry.kind === 'file' ? S_IFREG | 0o644 : entry.kind === 'dir' ? S_IFDIR | 0o755 : S_IFLNK | 0o777;
  const size = entry.kind === 'file' ? entry.data.length : entry.kind === 'link' ? entry.target.length : 4096;
  return { mode, uid: 1000, gid: 1000, size, atime: now, mtime: now };
}

function longName(name: string, entry: PeerEntry, style: LongNameStyle): string {
  const attrs = attrsOf(entry);
  if (style === 'bare') return name;
  if (style === 'windows')
    return `12/01/2026  10:00 AM    ${entry.kind === 'dir' ? '<DIR>         ' : String(attrs.size).padStart(14)} ${name}`;
  const type = entry.kind === 'file' ? '-' : entry.kind === 'dir' ? 'd' : 'l';
  return `${type}rw-r--r--    1 crem     crem     ${String(attrs.size).padStart(8)} Dec  1 10:00 ${name}${entry.kind === 'link' ? ` -> ${entry.target}` : ''}`;
}

/** Starts the peer. `longNames` decides READDIR's long-name format (default `ls`). */
export async function startSftpPeer(options: { longNames?: LongNameStyle } = {}): Promise<SftpPeer> {
  const style = options.longNames ?? 'ls';
  // ssh2 now and then drops a leading zero byte of an ed25519 public key (a 31-byte key: the blob is 50 bytes, not 51,
  // and ssh-keygen refuses it — about 1 in 500 keys): draw again until the key is whole
  let hostKey = utils.generateKeyPairSync('ed25519');
  while (Buffer.from(hostKey.public.split(' ')[1] ?? '', 'base64').length !== 51)
    hostKey = utils.generateKeyPairSync('ed25519');
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-sftp-peer-'));
  let fingerprint: string;
  try {
    fs.writeFileSync(path.join(keyDir, 'host.pub'), `${hostKey.public}\n`);
    const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(keyDir, 'host.pub')], {
      encoding: 'utf8',
    });
    fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(line)?.[0] ?? '';
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
  const entries = new Map<string, PeerEntry>();
  const vanishOnOpen = new Set<string>();
  const requests: string[] = [];
  const connections = new Set<Connection>();

  /** `/lizenzen/x` → `x`; the folder itself → ''; anything else → undefined. */
  const nameOf = (p: string): string | undefined => {
    const normal = path.posix.normalize(p.startsWith('/') ? p : `${SFTP_PEER_DIR}/${p}`).replace(/\/$/, '');
    if (normal === SFTP_PEER_DIR || normal === '.') return '';
    return normal.startsWith(`${SFTP_PEER_DIR}/`) ? normal.slice(SFTP_PEER_DIR.length + 1) : undefined;
  };
  /** follows links (at most 8) to the final entry */
  const resolve = (name: string): PeerEntry | undefined => {
    let entry = entries.get(name);
    for (let i = 0; entry?.kind === 'link' && i < 8; i++)
      entry = entries.get(
        nameOf(entry.target.startsWith('/') ? entry.target : `${SFTP_PEER_DIR}/${entry.target}`) ?? '',
      );
    return entry?.kind === 'link' ? undefined : entry;
  };

  const serveSftp = (sftp: SFTPWrapper): void => {
    const handles = new Map<number, { kind: 'dir'; listed: boolean } | { kind: 'file'; data: Buffer }>();
    let nextHandle = 1;
    const handleBuffer = (id: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(id);
      return b;
    };
    const handleOf = (b: Buffer) => handles.get(b.length === 4 ? b.readUInt32BE(0) : -1);
    sftp.on('REALPATH', (reqid, p) => {
      requests.push(`REALPATH ${p}`);
      const normal = p === '.' || p === '' ? SFTP_PEER_DIR : path.posix.normalize(p);
      sftp.name(reqid, [{ filename: normal, longname: normal, attrs: attrsOf({ kind: 'dir' }) }]);
    });
    sftp.on('OPENDIR', (reqid, p) => {
      requests.push(`OPENDIR ${p}`);
      if (nameOf(p) !== '') return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'No such file');
      const id = nextHandle++;
      handles.set(id, { kind: 'dir', listed: false });
      sftp.handle(reqid, handleBuffer(id));
    });
    sftp.on('READDIR', (reqid, handle) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (h.listed) return sftp.status(reqid, STATUS_CODE.EOF);
      h.listed = true;
      sftp.name(
        reqid,
        [...entries].map(([name, entry]) => ({
          filename: name,
          longname: longName(name, entry, style),
          attrs: attrsOf(entry),
        })),
      );
    });
    const statHandler = (follow: boolean) => (reqid: number, p: string) => {
      requests.push(`${follow ? 'STAT' : 'LSTAT'} ${p}`);
      const name = nameOf(p);
      if (name === '') return sftp.attrs(reqid, attrsOf({ kind: 'dir' }));
      const entry = name === undefined ? undefined : follow ? resolve(name) : entries.get(name);
      if (!entry) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'No such file');
      sftp.attrs(reqid, attrsOf(entry));
    };
    sftp.on('STAT', statHandler(true));
    sftp.on('LSTAT', statHandler(false));
    sftp.on('OPEN', (reqid, p, flags) => {
      requests.push(`OPEN ${p}`);
      const name = nameOf(p);
      if (name !== undefined && vanishOnOpen.has(name)) {
        // deleted on the server between the listing and the download
        entries.delete(name);
        vanishOnOpen.delete(name);
      }
      const entry = name === undefined ? undefined : resolve(name);
      if (!entry || entry.kind !== 'file') return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE, 'No such file');
      if (flags & OPEN_MODE.WRITE) return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, 'Read-only');
      const id = nextHandle++;
      handles.set(id, { kind: 'file', data: entry.data });
      sftp.handle(reqid, handleBuffer(id));
    });
    sftp.on('READ', (reqid, handle, offset, length) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (offset >= h.data.length) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, h.data.subarray(offset, Math.min(h.data.length, offset + length)));
    });
    sftp.on('FSTAT', (reqid, handle) => {
      const h = handleOf(handle);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
      sftp.attrs(reqid, h.kind === 'file' ? attrsOf({ kind: 'file', data: h.data }) : attrsOf({ kind: 'dir' }));
    });
    sftp.on('CLOSE', (reqid, handle) => {
      const id = handle.length === 4 ? handle.readUInt32BE(0) : -1;
      handles.delete(id);
      sftp.status(reqid, STATUS_CODE.OK);
    });
  };

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === SFTP_PEER_USER && ctx.password === SFTP_PEER_PASSWORD)
        return ctx.accept();
      ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    fingerprint,
    entries,
    vanishOnOpen,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}
