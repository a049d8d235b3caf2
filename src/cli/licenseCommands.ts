/**
 * `ixhaus-admin license …` (licenses issue §2 and §8): the vendor tool (keygen, issue) and the administrator's
 * verbs (verify, diff, install, show) over the same core as the extension.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import type { Command } from 'commander';
import { germanDate } from '../core/license/dates';
import { DEMO_KID, demoPrivateKey } from '../core/license/demoVendorKey';
import { listInstalledLicenses } from '../core/license/installedLicenses';
import { verifyLicenseFile } from '../core/license/licenseFile';
import { keyFileBeside, readKeyFile, readLicenseFile } from '../core/license/licenseFileIo';
import type { LicensePayload, TrustedKeys, VerifiedLicense } from '../core/license/licenseFile';
import {
  generateLicenseKey,
  generateVendorKey,
  issueLicenseFile,
  licenseFileBaseName,
  licenseKeyFileText,
} from '../core/license/licenseIssuer';
import {
  buildTrustedKeys,
  describeModuleChange,
  installCandidates,
  prepareInstall,
  verifyForStore,
} from '../core/license/licenseService';
import type { InstallCandidate, LicenseDiff } from '../core/license/licenseService';
import { Store } from '../core/store/database';
import { signIn } from '../core/users/auth';
import { openForWriting } from './writableStore';
import { fetchLicenses, installFetched } from '../core/license/licenseFetch';
import type { FetchResult } from '../core/license/licenseFetch';
import type { SftpCredential } from '../core/sftp/licenseServer';
import { SftpSettingsError, checkFingerprint, validateSftpSettings } from '../core/sftp/sftpSettings';
import { formatTemplate } from '../core/errors';
import { collect, runVerb, envValue } from './output';
import type { VerbResult } from './output';

interface KeyOptions {
  keyFile?: string;
  key?: string;
  trustedKey?: string[];
  json?: boolean;
}

/** Parses `--trusted-key kid=BASE64` options into the trusted key set (with the built-in demo key). */
function trustedKeysFrom(options: KeyOptions): TrustedKeys {
  const configured: Record<string, string> = {};
  for (const entry of options.trustedKey ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`--trusted-key expects kid=BASE64, got "${entry}"`);
    configured[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const { keys, problems } = buildTrustedKeys(configured);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return keys;
}

/** The key for a license file: --key, --key-file, or the `.txt` of the same name beside it. */
async function keyFor(licenseFile: string, options: KeyOptions): Promise<string | Buffer> {
  if (options.key !== undefined) return options.key;
  return readKeyFile(options.keyFile ?? keyFileBeside(licenseFile));
}

function summary(payload: LicensePayload, demo: boolean): string {
  const lines = [
    `license ${payload.licenseNo}${demo ? ' (Demo)' : ''} — ${payload.customer.name} (${payload.customer.no}), serial ${payload.serial}`,
    `  valid until ${payload.validUntil ? germanDate(payload.validUntil) : 'unlimited'}, issued ${payload.issued}`,
    ...payload.modules.map(
      (m) => `  ${m.name} (${m.code}): ${m.seats} seats${m.validUntil ? `, until ${germanDate(m.validUntil)}` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function diffText(diff: LicenseDiff): string {
  const head = diff.firstInstall
    ? `license ${diff.licenseNo}: not installed yet; serial ${diff.serialAfter}`
    : `license ${diff.licenseNo}: serial ${diff.serialBefore} → ${diff.serialAfter}, valid until ${diff.validUntilBefore ?? 'unlimited'} → ${diff.validUntilAfter ?? 'unlimited'}`;
  const changes = diff.modules.filter((m) => m.change !== 'unchanged').map((m) => `  ${describeModuleChange(m)}`);
  return `${[head, `  ${diff.added} added, ${diff.removed} removed, ${diff.changed} changed`, ...changes].join('\n')}\n`;
}

function addKeyOptions(command: Command): Command {
  return command
    .option('--key <key>', 'the license key (instead of the .txt beside the file)')
    .option('--key-file <file>', 'the .txt with the license key (default: the .lic name with .txt)')
    .option(
      '--trusted-key <kid=base64>',
      'trust a vendor public key (raw 32-byte Ed25519, base64) for this call; repeatable',
      collect,
    )
    .option('--json', 'print the result as JSON');
}

/** The verify → diff step of core for each file against the store, in order. */
async function prepareAll(files: readonly string[], options: KeyOptions, store: Store): Promise<InstallCandidate[]> {
  const trusted = trustedKeysFrom(options);
  const candidates: InstallCandidate[] = [];
  for (const file of files)
    candidates.push(prepareInstall(store, await readLicenseFile(file), await keyFor(file, options), trusted));
  return candidates;
}

/** Verifies each file against the store (when given) and returns the verified licenses in order. */
async function verifyAll(
  files: readonly string[],
  options: KeyOptions,
  store: Store | undefined,
): Promise<VerifiedLicense[]> {
  const trusted = trustedKeysFrom(options);
  const verified: VerifiedLicense[] = [];
  for (const file of files) {
    const content = await readLicenseFile(file);
    const key = await keyFor(file, options);
    verified.push(
      store
        ? verifyForStore(store, content, key, trusted)
        : verifyLicenseFile(content, key, { trustedKeys: trusted, demoKid: DEMO_KID }),
    );
  }
  return verified;
}

/** Reads a file the vendor tool needs; a missing one is named with what it is for. */
async function vendorRead(file: string, what: string): Promise<Buffer> {
  return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${what} ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
}

/** Reads the JSON spec of `license issue`, naming the file on a syntax error. */
async function readSpec(file: string): Promise<Partial<LicensePayload>> {
  const text = (await vendorRead(file, 'the license spec')).toString('utf8');
  try {
    return JSON.parse(text) as Partial<LicensePayload>;
  } catch (error) {
    throw new Error(
      `the license spec ${file} is not valid JSON (${(error as Error).message}); see the README for its fields`,
    );
  }
}

/** Adds the `license` verbs to the program. */
export function registerLicenseCommands(program: Command): void {
  const license = program
    .command('license')
    .description('issue, verify, compare and install license files')
    .exitOverride();
  addKeygenCommand(license);
  addIssueCommand(license);
  addVerifyCommand(license);
  addDiffCommand(license);
  addInstallCommand(license);
  addFetchCommand(license);
  addShowCommand(license);
}

/** vendor: `license keygen` (one verb per function, so each reads on its own). */
function addKeygenCommand(license: Command): void {
  license
    .command('keygen')
    .description('vendor: create an Ed25519 key pair; writes <out>/<kid>.private.pem and prints the public key')
    .requiredOption('--kid <kid>', 'key id written into every license this key signs')
    .requiredOption('--out <dir>', 'folder for the private key')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: { kid: string; out: string; json?: boolean }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const pair = generateVendorKey(options.kid);
        await fs.mkdir(options.out, { recursive: true });
        const privateFile = path.join(options.out, `${pair.kid}.private.pem`);
        await fs
          .writeFile(privateFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' })
          .catch((error: NodeJS.ErrnoException) => {
            // an existing vendor key is never replaced: licenses signed with it would no longer match a new one
            throw error.code === 'EEXIST'
              ? new Error(
                  `${privateFile} exists already: a vendor key is never overwritten; choose another --kid or --out`,
                )
              : error;
          });
        return {
          json: { kid: pair.kid, publicKey: pair.publicKeyBase64, privateKeyFile: privateFile },
          text: `kid ${pair.kid}\npublic key ${pair.publicKeyBase64}\nprivate key ${privateFile} (keep it secret)\ntrust it with: --trusted-key ${pair.kid}=${pair.publicKeyBase64}\n`,
        };
      }),
    );
}

/** vendor: `license issue` (one verb per function, so each reads on its own). */
function addIssueCommand(license: Command): void {
  license
    .command('issue')
    .description('vendor: issue Kundenname_Lizenznummer.lic and .txt from a JSON payload spec')
    .argument('<spec>', 'JSON file with licenseNo, customer, serial, validUntil, modules (issued defaults to now)')
    .requiredOption(
      '--key <private>',
      'the vendor private key (PEM file from keygen), or "demo" for the built-in demo key',
    )
    .option('--kid <kid>', 'key id (default: from the key file name <kid>.private.pem)')
    .requiredOption('--out <dir>', 'folder for the .lic and .txt')
    .option('--license-key <key>', 'the license key (default: a new random one)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((spec: string, options: { key: string; kid?: string; out: string; licenseKey?: string; json?: boolean }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const raw = await readSpec(spec);
        const payload = {
          product: 'ixhaus-plus',
          issued: new Date().toISOString(),
          validUntil: null,
          ...raw,
        } as LicensePayload;
        const vendor =
          options.key === DEMO_KID
            ? { kid: DEMO_KID, privateKey: demoPrivateKey() }
            : {
                kid: options.kid ?? path.basename(options.key).replace(/\.private\.pem$/, ''),
                privateKey: createPrivateKey(await vendorRead(options.key, 'the vendor private key (--key)')),
              };
        const licenseKey = options.licenseKey ?? generateLicenseKey();
        const fileText = issueLicenseFile(payload, vendor, licenseKey);
        await fs.mkdir(options.out, { recursive: true });
        const base = path.join(options.out, licenseFileBaseName(payload));
        // never overwrite an issued license, and never leave a .lic without its .txt
        for (const f of [`${base}.lic`, `${base}.txt`])
          if (
            await fs.stat(f).then(
              () => true,
              () => false,
            )
          )
            throw new Error(`${f} exists already: issue into another --out folder or raise the serial`);
        await fs.writeFile(`${base}.lic`, fileText, { flag: 'wx' });
        await fs.writeFile(`${base}.txt`, licenseKeyFileText(licenseKey), { flag: 'wx' });
        return {
          json: {
            licenseFile: `${base}.lic`,
            keyFile: `${base}.txt`,
            kid: vendor.kid,
            licenseNo: payload.licenseNo,
            serial: payload.serial,
          },
          text: `wrote ${base}.lic and ${base}.txt (kid ${vendor.kid})\n`,
        };
      }),
    );
}

/** `license verify` (one verb per function, so each reads on its own). */
function addVerifyCommand(license: Command): void {
  addKeyOptions(
    license
      .command('verify')
      .description('verify license files (signature, key, content, dates); exit 1 with the reason when one is invalid')
      .argument('<files...>', '.lic files')
      .option('--store <store>', 'also check against the installed serials of this store (anti-rollback)'),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & { store?: string }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const store = options.store ? await Store.open(options.store, { readOnly: true }) : undefined;
        try {
          const verified = await verifyAll(files, options, store);
          return {
            json: { licenses: verified.map((v) => ({ kid: v.kid, demo: v.demo, payload: v.payload })) },
            text: verified.map((v) => `ok: ${summary(v.payload, v.demo)}`).join(''),
          };
        } finally {
          await store?.close();
        }
      }),
    );
}

/** `license diff` (one verb per function, so each reads on its own). */
function addDiffCommand(license: Command): void {
  addKeyOptions(
    license
      .command('diff')
      .description('show what installing the license files would change in the store')
      .argument('<files...>', '.lic files')
      .requiredOption('--store <store>', 'store file'),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & { store: string }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const store = await Store.open(options.store, { readOnly: true });
        try {
          const candidates = await prepareAll(files, options, store);
          const diffs = candidates.map((c) => c.diff);
          // seat conflicts belong to the decision, so they show before installing, not only after
          const conflicts = candidates.map((c) => c.conflicts);
          const text = diffs
            .map(
              (d, i) =>
                diffText(d) +
                (conflicts[i] ?? [])
                  .map(
                    (c) =>
                      `  seat conflict: ${c.name} would have ${c.seats} seats but ${c.unlockedByActiveUsers} active users have it unlocked (${c.logins.join(', ')})\n`,
                  )
                  .join(''),
            )
            .join('');
          return { json: { diffs, conflicts }, text };
        } finally {
          await store.close();
        }
      }),
    );
}

/** `license install` (one verb per function, so each reads on its own). */
function addInstallCommand(license: Command): void {
  addKeyOptions(
    license
      .command('install')
      .description('verify and install license files into the store (admin or Hauptbenutzer)')
      .argument('<files...>', '.lic files')
      .requiredOption('--store <store>', 'store file')
      .requiredOption('--user <login>', 'iX-Haus login of an administrator or Hauptbenutzer')
      .requiredOption('--password-env <var>', 'name of the environment variable holding the password'),
  )
    .exitOverride()
    .action((files: string[], options: KeyOptions & { store: string; user: string; passwordEnv: string }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const password = envValue(options.passwordEnv);
        const store = await openForWriting(options.store);
        try {
          const actor = await signIn(store, options.user, password, { channel: 'cli' });
          // all files or none: one transaction
          const results = installCandidates(store, actor, await prepareAll(files, options, store));
          await store.save();
          const text = results
            .map((r) =>
              [
                diffText(r.diff),
                ...r.conflicts.map(
                  (c) =>
                    `  seat conflict: ${c.name} has ${c.seats} seats but ${c.unlockedByActiveUsers} active users have it unlocked (${c.logins.join(', ')})`,
                ),
                r.addsImport ? '  the license adds Import: unlock it per user (usually one).' : '',
              ]
                .filter(Boolean)
                .join('\n'),
            )
            .join('\n');
          return {
            json: { installed: results },
            text: `${text}\ninstalled. Restart iX-Haus plus so that it takes effect.\n`,
          };
        } finally {
          await store.close();
        }
      }),
    );
}

/** `license show` (one verb per function, so each reads on its own). */
function addShowCommand(license: Command): void {
  license
    .command('show')
    .description('show the installed licenses with their modules, seats used and validity')
    .requiredOption('--store <store>', 'store file')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: { store: string; json?: boolean }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const store = await Store.open(options.store, { readOnly: true });
        try {
          const licenses = listInstalledLicenses(store);
          const text = licenses
            .map((l) =>
              [
                `license ${l.licenseNo}${l.demo ? ' (Demo)' : ''} — ${l.customerName} (${l.customerNo}), serial ${l.serial}, valid until ${l.validUntil ? germanDate(l.validUntil) : 'unlimited'}`,
                ...l.modules.map(
                  (m) =>
                    `  ${m.name.padEnd(28)} ${String(m.seatsUsed).padStart(4)}/${String(m.seats).padEnd(4)} seats${m.validUntil ? `  until ${germanDate(m.validUntil)}` : ''}${m.seatsUsed > m.seats ? '  OVER SEATS' : ''}`,
                ),
              ].join('\n'),
            )
            .join('\n');
          return { json: { licenses }, text: `${text || 'no license installed'}\n` };
        } finally {
          await store.close();
        }
      }),
    );
}

interface FetchCliOptions {
  store: string;
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

/** `license fetch` (issue 5 §5): "Lizenzen abrufen" over SFTP with a pinned host key. */
function addFetchCommand(license: Command): void {
  license
    .command('fetch')
    .description(
      'fetch new licenses from the SFTP server, show what changes, install with --install (admin or Hauptbenutzer)',
    )
    .requiredOption('--store <store>', 'store file')
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
        const store = options.install ? await openForWriting(options.store) : await Store.open(options.store);
        try {
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
            installFetched(store, actor, result.candidates);
            await store.save();
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
        } finally {
          await store.close();
        }
      }),
    );
}
