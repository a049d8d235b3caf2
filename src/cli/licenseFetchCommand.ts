/**
 * `ixhaus-admin license fetch` (issue 5 §5): "Lizenzen abrufen" over SFTP with a pinned host key, shown as a diff
 * and installed with --install.
 */
import * as fs from 'node:fs/promises';
import type { Command } from 'commander';
import { fetchLicenses, installFetched } from '../core/license/licenseFetch';
import type { FetchResult } from '../core/license/licenseFetch';
import { signIn } from '../core/users/auth';
import type { SftpCredential } from '../core/sftp/licenseServer';
import { SftpSettingsError, checkFingerprint, validateSftpSettings } from '../core/sftp/sftpSettings';
import { formatTemplate } from '../core/errors';
import { diffText, trustedKeysFrom } from './licenseKeyOptions';
import { collect, runVerb, envValue } from './output';
import type { VerbResult } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

interface FetchCliOptions extends StoreCliOptions {
  host: string;
  port: string;
  user: string;
  passwordEnv?: string;
  identity?: string;
  passphraseEnv?: string;
  dir: string;
  knownHost?: string;
  install?: boolean;
  ixUser: string;
  ixPasswordEnv: string;
  timeout: string;
  trustedKey?: string[];
  json?: boolean;
}

/** The SFTP credential from --password-env or --identity (+ --passphrase-env); exactly one is required. */
async function credentialFrom(options: FetchCliOptions): Promise<SftpCredential> {
  if ((options.passwordEnv === undefined) === (options.identity === undefined))
    throw new Error('give exactly one of --password-env VAR or --identity FILE');
  if (options.passwordEnv !== undefined)
    return { kind: 'password', password: envValue(options.passwordEnv, '--password-env') };
  const privateKey = await fs.readFile(options.identity ?? '').catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `cannot read the private key --identity ${options.identity}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
    );
  });
  return {
    kind: 'privateKey',
    privateKey,
    ...(options.passphraseEnv ? { passphrase: envValue(options.passphraseEnv, '--passphrase-env') } : {}),
  };
}

function fetchText(result: FetchResult, installed: boolean): string {
  const lines = [
    `${result.remoteDir || '.'} on the server (host key ${result.hostKey.type} ${result.hostKey.fingerprint}): ${result.timings.pairs} license pairs, fetched in ${result.timings.totalMs} ms`,
  ];
  if (result.candidates.length === 0) lines.push('no new licenses (Keine neuen Lizenzen)');
  for (const c of result.candidates) lines.push(`new: ${c.fileName}`, diffText(c.diff).trimEnd());
  for (const r of result.rejected) lines.push(`rejected: ${r.fileName}: ${r.message}`);
  for (const r of result.notNewer) lines.push(`not newer: ${r.fileName}: ${r.message}`);
  for (const r of result.notTaken) lines.push(`not taken: ${r.fileName}: ${r.message}`);
  if (result.candidates.length > 0)
    lines.push(
      installed
        ? 'installed. Restart iX-Haus plus so that it takes effect.'
        : 'not installed: run again with --install to install them.',
    );
  return `${lines.join('\n')}\n`;
}

/** Adds `license fetch` (issue 5 §5): "Lizenzen abrufen" over SFTP with a pinned host key. */
export function addFetchCommand(license: Command): void {
  addStoreOptions(
    license
      .command('fetch')
      .description(
        'fetch new licenses from the SFTP server, show what changes, install with --install (admin or Hauptbenutzer)',
      ),
  )
    .requiredOption('--host <host>', 'SFTP host name (no user@, no :port)')
    .option('--port <port>', 'SFTP port', '22')
    .requiredOption('--user <user>', 'SFTP user name')
    .option('--password-env <var>', 'environment variable holding the SFTP password')
    .option('--identity <file>', 'private key file for the SFTP login')
    .option('--passphrase-env <var>', 'environment variable holding the passphrase of --identity')
    .requiredOption('--dir <dir>', 'remote folder (POSIX, or C:\\Lizenzen for Windows servers)')
    .option('--known-host <fingerprint>', 'the trusted host key, SHA256:… (without it the key is shown and refused)')
    .requiredOption('--ix-user <login>', 'iX-Haus login of an administrator or Hauptbenutzer')
    .requiredOption('--ix-password-env <var>', 'environment variable holding that iX-Haus password')
    .option('--install', 'install the new licenses (default: only show them)')
    .option('--timeout <seconds>', 'timeout of each network step', '20')
    .option(
      '--trusted-key <kid=base64>',
      'trust a vendor public key (raw 32-byte Ed25519, base64) for this call; repeatable',
      collect,
    )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: FetchCliOptions) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        let settings: ReturnType<typeof validateSftpSettings>;
        try {
          settings = validateSftpSettings({
            host: options.host,
            port: options.port,
            username: options.user,
            authMethod: options.identity ? 'privateKey' : 'password',
            remoteDir: options.dir,
          });
        } catch (error) {
          if (!(error instanceof SftpSettingsError)) throw error;
          // the same checks as the SFTP settings form, named by their command-line options
          const flag = {
            host: '--host',
            port: '--port',
            username: '--user',
            remoteDir: '--dir',
            hostKeyFingerprint: '--known-host',
          } as const;
          throw new Error(
            error.problems
              .map(
                (p) =>
                  `${flag[p.field]}: ${formatTemplate(p.template, p.args).replace('into the user field', 'into --user').replace('in the port field', 'with --port')}`,
              )
              .join('\n'),
          );
        }
        if (options.knownHost !== undefined && checkFingerprint(options.knownHost))
          throw new Error(
            `--known-host expects SHA256: followed by 43 characters (as ssh-keygen -lf prints it), got "${options.knownHost}"`,
          );
        if (!/^\d+$/.test(options.timeout) || Number(options.timeout) < 1)
          throw new Error(`--timeout expects whole seconds ≥ 1, got "${options.timeout}"`);
        const trusted = trustedKeysFrom(options);
        const credential = await credentialFrom(options);
        // --install waits for the write lock; without it the store is still opened for writing when free, so that
        // the sign-in is audited and a failed one counts towards the throttle (issue 15), else read-only
        return withCliStore(options, options.install ? 'write' : 'write-if-free', async (store) => {
          const actor = await signIn(store, options.ixUser, envValue(options.ixPasswordEnv, '--ix-password-env'), {
            channel: 'cli',
          });
          const ms = Number(options.timeout) * 1000;
          const result = await fetchLicenses(store, actor, {
            target: { host: settings.host, port: settings.port, username: settings.username },
            credential,
            ...(options.knownHost ? { knownHostKey: options.knownHost } : {}),
            remoteDir: settings.remoteDir,
            trustedKeys: trusted,
            timeouts: { connectMs: ms, operationMs: ms * 3, closeMs: 5000 },
          });
          const install = options.install === true && result.candidates.length > 0;
          if (install) {
            await installFetched(store, actor, result.candidates);
          }
          return {
            json: {
              hostKey: result.hostKey,
              remoteDir: result.remoteDir,
              candidates: result.candidates.map((c) => ({
                fileName: c.fileName,
                licenseNo: c.verified.payload.licenseNo,
                serial: c.verified.payload.serial,
                demo: c.verified.demo,
                diff: c.diff,
              })),
              rejected: result.rejected,
              notNewer: result.notNewer,
              unpaired: result.unpaired,
              notTaken: result.notTaken,
              installed: install,
              timings: result.timings,
            },
            text: fetchText(result, install),
          };
        });
      }),
    );
}
