/**
 * Shared pieces of the `license` verbs (licenses issue §2 and §8): the key options (--key, --key-file, --trusted-key),
 * the verify → diff steps of core for a list of files, and the text of a license and of a diff.
 */
import type { Command } from 'commander';
import { germanDate } from '../core/license/dates';
import { DEMO_KID } from '../core/license/demoVendorKey';
import { verifyLicenseFile } from '../core/license/licenseFile';
import { keyFileBeside, readKeyFile, readLicenseFile } from '../core/license/licenseFileIo';
import type { LicensePayload, TrustedKeys, VerifiedLicense } from '../core/license/licenseFile';
import { buildTrustedKeys, describeModuleChange, prepareInstall, verifyForStore } from '../core/license/licenseService';
import type { InstallCandidate, LicenseDiff } from '../core/license/licenseService';
import type { AsyncQueryable } from '../core/store/asyncStore';
import { collect } from './output';

/** The key options of `license verify|diff|install` (`trustedKey` also of `license fetch`). */
export interface KeyOptions {
  keyFile?: string;
  key?: string;
  trustedKey?: string[];
  json?: boolean;
}

/**
 * Parses `--trusted-key kid=BASE64` options into the trusted key set (with the built-in demo key).
 * @throws Error naming the malformed entry, or the problems of the keys (not 32-byte Ed25519, base64)
 */
export function trustedKeysFrom(options: KeyOptions): TrustedKeys {
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

/** The text of a verified license: number, customer, serial, validity and each module with its seats. */
export function summary(payload: LicensePayload, demo: boolean): string {
  const lines = [
    `license ${payload.licenseNo}${demo ? ' (Demo)' : ''} — ${payload.customer.name} (${payload.customer.no}), serial ${payload.serial}`,
    `  valid until ${payload.validUntil ? germanDate(payload.validUntil) : 'unlimited'}, issued ${payload.issued}`,
    ...payload.modules.map(
      (m) => `  ${m.name} (${m.code}): ${m.seats} seats${m.validUntil ? `, until ${germanDate(m.validUntil)}` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The text of what installing a license changes: serial and validity before → after, and each changed module. */
export function diffText(diff: LicenseDiff): string {
  const head = diff.firstInstall
    ? `license ${diff.licenseNo}: not installed yet; serial ${diff.serialAfter}`
    : `license ${diff.licenseNo}: serial ${diff.serialBefore} → ${diff.serialAfter}, valid until ${diff.validUntilBefore ?? 'unlimited'} → ${diff.validUntilAfter ?? 'unlimited'}`;
  const changes = diff.modules.filter((m) => m.change !== 'unchanged').map((m) => `  ${describeModuleChange(m)}`);
  return `${[head, `  ${diff.added} added, ${diff.removed} removed, ${diff.changed} changed`, ...changes].join('\n')}\n`;
}

/** Adds --key, --key-file, --trusted-key (repeatable) and --json to a `license` verb. */
export function addKeyOptions(command: Command): Command {
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

/**
 * The verify → diff step of core for each file against the store, in order.
 * @throws the first verification error (bad signature, key, content or dates; rollback of a serial)
 */
export async function prepareAll(
  files: readonly string[],
  options: KeyOptions,
  store: AsyncQueryable,
): Promise<InstallCandidate[]> {
  const trusted = trustedKeysFrom(options);
  const candidates: InstallCandidate[] = [];
  for (const file of files)
    candidates.push(await prepareInstall(store, await readLicenseFile(file), await keyFor(file, options), trusted));
  return candidates;
}

/**
 * Verifies each file against the store (when given) and returns the verified licenses in order.
 * @throws the first verification error (bad signature, key, content or dates; rollback of a serial with a store)
 */
export async function verifyAll(
  files: readonly string[],
  options: KeyOptions,
  store: AsyncQueryable | undefined,
): Promise<VerifiedLicense[]> {
  const trusted = trustedKeysFrom(options);
  const verified: VerifiedLicense[] = [];
  for (const file of files) {
    const content = await readLicenseFile(file);
    const key = await keyFor(file, options);
    verified.push(
      store
        ? await verifyForStore(store, content, key, trusted)
        : verifyLicenseFile(content, key, { trustedKeys: trusted, demoKid: DEMO_KID }),
    );
  }
  return verified;
}
