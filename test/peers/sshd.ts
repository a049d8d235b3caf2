/**
 * A real OpenSSH `sshd` (Debian `openssh-server`) for the SFTP tests: started on 127.0.0.1 and a free port with its
 * own `sshd_config`, host key and `internal-sftp` forced for one SFTP-only system user, stopped after the test.
 * The test user `ixsftp` (no home, shell nologin) is created on first use; that needs root (CI runs as root).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const SFTP_TEST_USER = 'ixsftp';
export const SFTP_TEST_PASSWORD = 'Lizenz-Test-2026!';
const SSHD = '/usr/sbin/sshd';

/** A running sshd. */
export interface SshdPeer {
  readonly port: number;
  /** the host key fingerprint as `ssh-keygen -lf` prints it (computed by OpenSSH, independent of our code) */
  readonly fingerprint: string;
  /** the folder served to the test user (world-readable) */
  readonly serveDir: string;
  /** sshd's own log (stderr, LogLevel VERBOSE) */
  log(): string;
  stop(): Promise<void>;
}

/** Options of {@link startSshd}: extra `sshd_config` lines, and which host key type to use. */
export interface SshdOptions {
  readonly config?: readonly string[];
  readonly hostKeyType?: 'ed25519' | 'dsa' | 'rsa';
  /** reuse this host key file (to present the same key again), else a new one is made */
  readonly hostKeyFile?: string;
}

/** A free TCP port on 127.0.0.1 (bound and released; the tiny race is acceptable in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Ensures the SFTP-only test user exists with the test password. @throws when not root and the user is missing */
export function ensureSftpTestUser(): void {
  let exists = true;
  try {
    execFileSync('id', ['-u', SFTP_TEST_USER], { stdio: 'ignore' });
  } catch {
    exists = false;
  }
  if (exists) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `the SFTP tests need the system user ${SFTP_TEST_USER}; run them as root once (CI does) or create it: useradd --system --no-create-home --shell /usr/sbin/nologin ${SFTP_TEST_USER}`,
    );
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SFTP_TEST_USER]);
  execFileSync('chpasswd', { input: `${SFTP_TEST_USER}:${SFTP_TEST_PASSWORD}\n` });
}

/** Makes a key pair with ssh-keygen; returns the private key file. */
export function makeKey(file: string, type: 'ed25519' | 'dsa' | 'rsa', passphrase = ''): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    passphrase,
    '-C',
    'ixhaus-test',
    '-f',
    file,
  ]);
  return file;
}

/** The fingerprint of a key file as OpenSSH computes it (`SHA256:…`). */
export function opensshFingerprint(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const fp = /SHA256:[A-Za-z0-9+/]+/.exec(line)?.[0];
  if (!fp) throw new Error(`ssh-keygen printed no fingerprint: ${line}`);
  return fp;
}

/**
 * Starts sshd in `dir` (made traversable for the test user). `authorized_keys` in `dir` holds the keys allowed for
 * public-key login. Resolves once sshd listens.
 */
export async function startSshd(dir: string, options: SshdOptions = {}): Promise<SshdPeer> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: install Debian's openssh-server: npm run setup`);
  ensureSftpTestUser();
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  // the test user must be able to traverse to the served folder (some runners make TMPDIR 0700): add o+x only
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    const mode = fs.statSync(up).mode & 0o7777;
    if ((mode & 0o001) === 0) fs.chmodSync(up, mode | 0o001);
  }
  const serveDir = path.join(dir, 'serve');
  fs.mkdirSync(serveDir, { recursive: true, mode: 0o755 });
  const type = options.hostKeyType ?? 'ed25519';
  const hostKey = options.hostKeyFile ?? makeKey(path.join(dir, `host_${type}_${Date.now()}`), type);
  const authorized = path.join(dir, 'authorized_keys');
  if (!fs.existsSync(authorized)) fs.writeFileSync(authorized, '', { mode: 0o644 });
  const port = await freePort();
  const config = path.join(dir, `sshd_config_${port}`);
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, `sshd_${port}.pid`)}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${SFTP_TEST_USER}`,
      'PubkeyAuthentication yes',
      'KbdInteractiveAuthentication no',
      'MaxAuthTries 4',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      'ForceCommand internal-sftp',
      ...(options.config ?? ['PasswordAuthentication yes']),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited at start (${child.exitCode}): ${log}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    fingerprint: opensshFingerprint(`${hostKey}.pub`),
    serveDir,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` that resets the client connection once `cutAfterBytes` bytes
 * went from the server to the client (a drop mid-transfer, C18). `bytesServed()` tells how many passed.
 */
export async function startCuttingProxy(
  targetPort: number,
  cutAfterBytes: number,
): Promise<{ port: number; bytesServed(): number; cuts(): number; stop(): Promise<void> }> {
  let served = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      served += d.length;
      if (served >= cutAfterBytes) {
        cuts += 1;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesServed: () => served,
    cuts: () => cuts,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
