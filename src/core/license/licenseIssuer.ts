import { createCipheriv, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  ARMOR_BEGIN,
  ARMOR_END,
  LICENSE_ALG,
  additionalData,
  deriveLicenseKey,
  publicKeyToBase64,
  signingInput,
  validatePayload,
} from './licenseFile';
import type { LicensePayload } from './licenseFile';

/** A vendor signing key. */
export interface VendorKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/**
 * Issues a license file (format v1, product.md §2): validates the payload, encrypts it with AES-256-GCM under
 * SHA-256 of the normalised license key (random 12-byte IV), signs "ixhaus-license/v1/<kid>/<enc>" with Ed25519
 * and armors the envelope in base64 lines of 64 characters.
 * @returns the armored `.lic` text (LF line ends, final newline)
 * @throws LicensePayloadError when the payload breaks the schema
 */
export function issueLicenseFile(payload: LicensePayload, vendor: VendorKey, licenseKey: string): string {
  const checked = validatePayload(JSON.parse(JSON.stringify(payload)) as unknown);
  return sealLicenseFile(JSON.stringify(checked), vendor, licenseKey);
}

/**
 * Encrypts, signs and armors any plaintext as a v1 license file, without checking it against the payload schema.
 * For tests of the verifier's schema checks; vendors use {@link issueLicenseFile}.
 */
export function sealLicenseFile(plaintext: string, vendor: VendorKey, licenseKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveLicenseKey(licenseKey), iv, { authTagLength: 16 });
  cipher.setAAD(additionalData(vendor.kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const enc = [ciphertext, iv, cipher.getAuthTag()].map((b) => b.toString('base64')).join('.');
  const sig = sign(null, signingInput(vendor.kid, enc), vendor.privateKey).toString('base64');
  const body = Buffer.from(JSON.stringify({ v: 1, alg: LICENSE_ALG, kid: vendor.kid, enc, sig }), 'utf8').toString(
    'base64',
  );
  const lines = body.match(/.{1,64}/g) ?? [];
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

/** A new random license key: 5 groups of 5 characters from an unambiguous alphabet (`ABCDE-FGHJK-…`). */
export function generateLicenseKey(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(25);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return chars.match(/.{5}/g)?.join('-') ?? chars;
}

/** The `.txt` content delivered beside a license: the key with its "Lizenzkey:" label. */
export function licenseKeyFileText(licenseKey: string): string {
  return `Lizenzkey: ${licenseKey}\r\n`;
}

/** `Kundenname_Lizenznummer` for the file names: the customer name reduced to letters, digits, `-` and `_`. */
export function licenseFileBaseName(payload: Pick<LicensePayload, 'customer' | 'licenseNo'>): string {
  const name = payload.customer.name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^A-Za-z0-9-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return `${name || 'Kunde'}_${payload.licenseNo}`;
}

/** Generates a vendor key pair. @returns the key id, the private key (PKCS#8 PEM) and the raw public key (base64) */
export function generateVendorKey(kid: string): { kid: string; privateKeyPem: string; publicKeyBase64: string } {
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(kid)) throw new Error('a key id has 1–40 letters, digits, ".", "_" or "-"');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyBase64: publicKeyToBase64(publicKey),
  };
}
