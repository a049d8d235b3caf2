/**
 * `ixhaus-admin license keygen|issue` (licenses issue §2): the vendor tool that creates a vendor key pair and issues
 * Kundenname_Lizenznummer.lic with its .txt. Neither verb ever overwrites an existing key or license.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import type { Command } from 'commander';
import { DEMO_KID, demoPrivateKey } from '../core/license/demoVendorKey';
import type { LicensePayload } from '../core/license/licenseFile';
import {
  generateLicenseKey,
  generateVendorKey,
  issueLicenseFile,
  licenseFileBaseName,
  licenseKeyFileText,
} from '../core/license/licenseIssuer';
import { runVerb } from './output';
import type { VerbResult } from './output';

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

/** vendor: adds `license keygen` (one verb per function, so each reads on its own). */
export function addKeygenCommand(license: Command): void {
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

/** vendor: adds `license issue` (one verb per function, so each reads on its own). */
export function addIssueCommand(license: Command): void {
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
