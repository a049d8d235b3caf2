import { createDecipheriv, createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { IxError, msg } from '../errors';
import { daysLeft } from './dates';

/**
 * License file format v1 (product.md §2), modelled on Keygen's signed + encrypted license files:
 *
 * ```
 * -----BEGIN IXHAUS LICENSE FILE-----
 * base64(JSON envelope), lines of 64 characters
 * -----END IXHAUS LICENSE FILE-----
 * envelope = {"v":1,"alg":"aes-256-gcm+ed25519","kid":…,"enc":"<ct>.<iv>.<tag>","sig":…}   (standard base64 parts)
 * sig = Ed25519 over UTF-8 "ixhaus-license/v1/" + kid + "/" + enc, by the vendor key named kid
 * key = SHA-256(normalized license key); AES-256-GCM, 12-byte IV, 16-byte tag, AAD = "1|" + alg + "|" + kid
 * ```
 * Verification order, each step with its own typed error: size → armor → envelope JSON → v and alg → kid trusted →
 * signature (before any decryption) → decryption → payload schema → issued ≤ now + 5 min → not expired →
 * serial ≥ the installed serial of the same license number.
 */
export const LICENSE_ALG = 'aes-256-gcm+ed25519';
export const ARMOR_BEGIN = '-----BEGIN IXHAUS LICENSE FILE-----';
export const ARMOR_END = '-----END IXHAUS LICENSE FILE-----';
/** A license file is a few KB; anything over this is refused before parsing (bytes). */
export const MAX_LICENSE_FILE_BYTES = 64 * 1024;
/** A key file holds one key; anything over this is refused (bytes). */
export const MAX_KEY_FILE_BYTES = 4 * 1024;
/** Tolerance for a vendor clock ahead of ours when checking `issued` (ms). */
export const ISSUED_TOLERANCE_MS = 5 * 60 * 1000;

/** A licensed module in a payload. */
export interface LicenseModule {
  readonly code: string;
  readonly name: string;
  readonly seats: number;
  /** last valid day, inclusive, Europe/Berlin; null = as long as the license */
  readonly validUntil: string | null;
}

/** The decrypted content of a license file (product.md §2 "payload"). */
export interface LicensePayload {
  readonly licenseNo: string;
  readonly customer: { readonly no: string; readonly name: string };
  readonly product: 'ixhaus-plus';
  readonly serial: number;
  /** ISO-8601 instant */
  readonly issued: string;
  /** last valid day, inclusive, Europe/Berlin; null = unlimited */
  readonly validUntil: string | null;
  readonly modules: readonly LicenseModule[];
}

/** A license that passed every check. */
export interface VerifiedLicense {
  readonly payload: LicensePayload;
  /** the vendor key id that signed it */
  readonly kid: string;
  /** signed with the built-in demo key: shown as "Demo" everywhere */
  readonly demo: boolean;
  /** the armored file text as read (normalised line ends) */
  readonly fileText: string;
}

/** Trusted vendor public keys by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

// ---------------------------------------------------------------------------------------------------- errors

/** Base of every license verification failure; `code` names the step that failed. */
export class LicenseError extends IxError {}

export class LicenseTooLargeError extends LicenseError {
  constructor(bytes: number, limit: number) {
    super(
      'E_LICENSE_TOO_LARGE',
      msg(
        'The file has {0} bytes; a license file has at most {1}. This is not a license file: choose the Kundenname_Lizenznummer.lic you received.',
      ),
      [bytes, limit],
    );
  }
}
export class LicenseArmorError extends LicenseError {
  constructor(detail: string) {
    super(
      'E_LICENSE_ARMOR',
      msg(
        'This is not an iX-Haus license file ({0}). Choose the .lic file exactly as received; do not open and save it in a word processor.',
      ),
      [detail],
    );
  }
}
export class LicenseEnvelopeError extends LicenseError {
  constructor(detail: string) {
    super(
      'E_LICENSE_ENVELOPE',
      msg('The license file is damaged ({0}). Ask CREM SOLUTIONS for the file again or fetch it once more.'),
      [detail],
    );
  }
}
export class LicenseAlgorithmError extends LicenseError {
  constructor(version: string, alg: string) {
    super(
      'E_LICENSE_ALGORITHM',
      msg(
        'The license file uses format {0} with algorithm {1}, which this version does not accept (only v1, aes-256-gcm+ed25519). Update the extension or ask the vendor for a v1 file.',
      ),
      [version, alg],
    );
  }
}
export class LicenseUnknownKeyError extends LicenseError {
  constructor(kid: string) {
    super(
      'E_LICENSE_UNKNOWN_KEY',
      msg(
        'The license is signed with vendor key "{0}", which is not trusted here. If it really comes from your vendor, add its public key to the setting ixhaus.license.trustedVendorKeys (command line: --trusted-key).',
      ),
      [kid],
    );
  }
}
export class LicenseSignatureError extends LicenseError {
  constructor() {
    super(
      'E_LICENSE_SIGNATURE',
      msg(
        'The license file has been changed after it was signed (the signature does not match). Use the original file as received; it was not installed.',
      ),
    );
  }
}
export class LicenseKeyMismatchError extends LicenseError {
  constructor() {
    super(
      'E_LICENSE_KEY_MISMATCH',
      msg(
        'The license key does not belong to this license file. Use the key from the .txt file delivered with this .lic (same customer name and license number).',
      ),
    );
  }
}
export class LicenseKeyFileError extends LicenseError {
  constructor(detail: string) {
    super(
      'E_LICENSE_KEY_FILE',
      msg('The license key is unusable ({0}). Open the .txt delivered with the license and copy the key from it.'),
      [detail],
    );
  }
}
export class LicensePayloadError extends LicenseError {
  constructor(detail: string) {
    super('E_LICENSE_PAYLOAD', msg('The license content is invalid: {0}. Ask the vendor for a corrected license.'), [
      detail,
    ]);
  }
}
export class LicenseIssuedInFutureError extends LicenseError {
  constructor(issued: string) {
    super(
      'E_LICENSE_FUTURE',
      msg(
        'The license was issued at {0}, which is in the future for this computer. Check the system clock (date and time zone), then try again.',
      ),
      [issued],
    );
  }
}
export class LicenseExpiredError extends LicenseError {
  constructor(validUntil: string) {
    super('E_LICENSE_EXPIRED', msg('The license expired on {0}. Ask CREM SOLUTIONS for a current license.'), [
      validUntil,
    ]);
  }
}
export class LicenseRollbackError extends LicenseError {
  constructor(licenseNo: string, serial: number, installed: number) {
    super(
      'E_LICENSE_ROLLBACK',
      msg(
        'License {0} has serial {1}, older than the installed serial {2}. An older license cannot replace a newer one; use the newest file you received.',
      ),
      [licenseNo, serial, installed],
    );
  }
}

// ---------------------------------------------------------------------------------------------------- parsing

interface Envelope {
  v: number;
  alg: string;
  kid: string;
  enc: string;
  sig: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes canonical standard base64 only: padding required, unused trailing bits zero (no malleable variants). */
function decodeBase64Strict(text: string, what: string): Buffer {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new LicenseEnvelopeError(`${what} is not valid base64`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw new LicenseEnvelopeError(`${what} is not canonical base64`);
  return bytes;
}

/** Removes a UTF-8 BOM and turns CRLF/CR into LF. */
function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/**
 * Parses the armor and the envelope (steps 1–3). Tolerates a BOM, CRLF line ends, blank lines and trailing
 * whitespace; base64 lines may have any length (the spec writes 64).
 * @throws LicenseArmorError, LicenseEnvelopeError
 */
export function parseLicenseArmor(text: string): Envelope {
  const lines = normaliseText(text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const begin = lines.indexOf(ARMOR_BEGIN);
  const end = lines.indexOf(ARMOR_END);
  if (begin < 0) throw new LicenseArmorError('the line ' + ARMOR_BEGIN + ' is missing');
  if (end < 0) throw new LicenseArmorError('the line ' + ARMOR_END + ' is missing');
  if (begin !== 0 || end !== lines.length - 1 || end <= begin + 1)
    throw new LicenseArmorError('unexpected text before, inside or after the armor');
  const body = lines.slice(begin + 1, end).join('');
  const json = decodeBase64Strict(body, 'the armored body').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new LicenseEnvelopeError('the envelope is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new LicenseEnvelopeError('the envelope is not a JSON object');
  const e = parsed as Record<string, unknown>;
  const keys = Object.keys(e).sort().join(',');
  if (keys !== 'alg,enc,kid,sig,v')
    throw new LicenseEnvelopeError(`the envelope has the fields ${keys || 'none'} instead of v, alg, kid, enc, sig`);
  if (
    typeof e.alg !== 'string' ||
    typeof e.kid !== 'string' ||
    typeof e.enc !== 'string' ||
    typeof e.sig !== 'string' ||
    typeof e.v !== 'number'
  ) {
    throw new LicenseEnvelopeError('an envelope field has the wrong type');
  }
  return { v: e.v, alg: e.alg, kid: e.kid, enc: e.enc, sig: e.sig };
}

/** `bytes` as UTF-16 code units in little-endian order (a byte-swapped copy for big-endian input). */
function utf16(bytes: Uint8Array, bigEndian: boolean): string {
  if (bytes.byteLength % 2 !== 0)
    throw new LicenseKeyFileError('the key file is binary, not text (odd length for UTF-16)');
  const le = Buffer.from(bytes);
  if (bigEndian) le.swap16();
  try {
    return new TextDecoder('utf-16le', { fatal: true }).decode(le);
  } catch {
    throw new LicenseKeyFileError('the key file is binary, not text (invalid UTF-16)');
  }
}

/** True when every byte at `zeroAt` parity is 0 and every other byte is not: Latin-1 text stored as UTF-16. */
function looksLikeUtf16WithoutBom(bytes: Uint8Array, zeroAt: 0 | 1): boolean {
  if (bytes.byteLength < 4 || bytes.byteLength % 2 !== 0) return false;
  for (let i = 0; i < bytes.byteLength; i++) if ((bytes[i] === 0) !== (i % 2 === zeroAt)) return false;
  return true;
}

/**
 * Decodes a key `.txt` whatever editor or shell saved it (issue 17 §8): UTF-8 with or without BOM, UTF-16 LE/BE
 * with BOM (PowerShell 5's `>` writes UTF-16 LE with BOM) or without BOM (recognised only when it is Latin-1 text:
 * every high byte 0), and Windows-1252 (any byte sequence that is not valid UTF-8). Text equality: two files hold
 * the same key when their decoded texts are equal after {@link normaliseLicenseKey} (BOM, whitespace, the
 * `Lizenzkey:` label and case do not count) — so the same key in any of these encodings derives the same AES key.
 * Binaries are still refused by the control-character check of the caller (a NUL, a C0/C1 control or an invalid
 * UTF-16 sequence is never text).
 * @throws LicenseKeyFileError for an invalid UTF-16 sequence
 */
export function decodeKeyText(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return decodeUtf8OrWindows1252(b.subarray(3));
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return utf16(b.subarray(2), false);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return utf16(b.subarray(2), true);
  if (looksLikeUtf16WithoutBom(b, 1)) return utf16(b, false);
  if (looksLikeUtf16WithoutBom(b, 0)) return utf16(b, true);
  return decodeUtf8OrWindows1252(b);
}

/**
 * Windows-1252 bytes 0x80–0x9F (Unicode's cp1252 mapping table); the five undefined bytes stay C1 controls, which
 * the caller refuses as binary. Written out because Node 20's TextDecoder('windows-1252') decodes as ISO-8859-1.
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Decodes Windows-1252 (the ANSI code page of German Windows). */
export function decodeWindows1252(b: Uint8Array): string {
  let text = '';
  for (const byte of b) text += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  return text;
}

function decodeUtf8OrWindows1252(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    // not UTF-8: the ANSI code page of German Windows (Notepad before Windows 10 1903 saved "ANSI")
    return decodeWindows1252(b);
  }
}

/**
 * The AES key material of a license key text (product.md §2): BOM, all whitespace and an optional
 * `Lizenzkey:` label (any case) removed, upper-cased.
 * @throws LicenseKeyFileError for an empty, binary or oversized key text
 */
export function normaliseLicenseKey(keyText: string | Uint8Array): string {
  let text: string;
  if (typeof keyText === 'string') {
    text = keyText;
  } else {
    if (keyText.byteLength > MAX_KEY_FILE_BYTES)
      throw new LicenseKeyFileError(`the key file has ${keyText.byteLength} bytes`);
    text = decodeKeyText(keyText);
  }
  if (text.length > MAX_KEY_FILE_BYTES) throw new LicenseKeyFileError(`the key text has ${text.length} characters`);
  // C0 controls other than tab/CR/LF/VT/FF, C1 controls (undefined Windows-1252 bytes), replacement characters
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/.test(text))
    throw new LicenseKeyFileError('the key file is binary, not text');
  const key = text
    .replace(/^\uFEFF/, '')
    .replace(/\s+/g, '')
    .replace(/^lizenzkey:/i, '')
    .toUpperCase();
  if (key.length === 0) throw new LicenseKeyFileError('it is empty');
  return key;
}

/** The AES-256 key of a license key text: SHA-256 of the normalised key (32 bytes). */
export function deriveLicenseKey(keyText: string | Uint8Array): Buffer {
  return createHash('sha256').update(normaliseLicenseKey(keyText), 'utf8').digest();
}

/** The bytes the vendor signs: UTF-8 "ixhaus-license/v1/" + kid + "/" + enc. */
export function signingInput(kid: string, enc: string): Buffer {
  return Buffer.from(`ixhaus-license/v1/${kid}/${enc}`, 'utf8');
}

/** The additional authenticated data of the AES-GCM encryption: "1|" + alg + "|" + kid. */
export function additionalData(kid: string): Buffer {
  return Buffer.from(`1|${LICENSE_ALG}|${kid}`, 'utf8');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * Checks a decrypted payload against the v1 schema (product.md §2). Unknown fields are refused: the format is
 * versioned by `v`, so a v1 reader meets only v1 fields.
 * @throws LicensePayloadError naming the first violation
 */
export function validatePayload(value: unknown): LicensePayload {
  const fail = (detail: string): never => {
    throw new LicensePayloadError(detail);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const p = value as Record<string, unknown>;
  const allowed = new Set(['licenseNo', 'customer', 'product', 'serial', 'issued', 'validUntil', 'modules']);
  for (const key of Object.keys(p)) if (!allowed.has(key)) fail(`unknown field "${key}"`);
  if (typeof p.licenseNo !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/.test(p.licenseNo))
    fail('licenseNo must be 1–40 letters, digits or dashes');
  const customer = p.customer as Record<string, unknown> | undefined;
  if (typeof customer !== 'object' || customer === null || Array.isArray(customer)) fail('customer must be an object');
  if (
    Object.keys(customer ?? {})
      .sort()
      .join(',') !== 'name,no'
  )
    fail('customer must have exactly "no" and "name"');
  if (typeof customer?.no !== 'string' || customer.no.trim() === '' || customer.no.length > 20)
    fail('customer.no must be a non-empty text of at most 20 characters');
  if (typeof customer?.name !== 'string' || customer.name.trim() === '' || customer.name.length > 120)
    fail('customer.name must be a non-empty text of at most 120 characters');
  if (p.product !== 'ixhaus-plus') fail('product must be "ixhaus-plus"');
  if (typeof p.serial !== 'number' || !Number.isSafeInteger(p.serial) || p.serial < 0)
    fail('serial must be a whole number ≥ 0');
  if (
    typeof p.issued !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(p.issued) ||
    Number.isNaN(Date.parse(p.issued))
  )
    fail('issued must be an ISO-8601 time with zone');
  if (p.validUntil !== null && (typeof p.validUntil !== 'string' || !isCalendarDate(p.validUntil)))
    fail('validUntil must be a date YYYY-MM-DD or null');
  if (!Array.isArray(p.modules) || p.modules.length === 0 || p.modules.length > 200)
    fail('modules must be a list of 1–200 modules');
  const codes = new Set<string>();
  const modules = (p.modules as unknown[]).map((raw, index): LicenseModule => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return fail(`module ${index + 1} is not an object`);
    const m = raw as Record<string, unknown>;
    if (Object.keys(m).sort().join(',') !== 'code,name,seats,validUntil')
      fail(`module ${index + 1} must have exactly code, name, seats, validUntil`);
    if (typeof m.code !== 'string' || !/^[A-Z0-9_]{1,32}$/.test(m.code))
      fail(`module ${index + 1}: code must be 1–32 capital letters, digits or _`);
    if (codes.has(String(m.code))) fail(`module code ${String(m.code)} appears twice`);
    codes.add(String(m.code));
    if (typeof m.name !== 'string' || m.name.trim() === '' || m.name.length > 80)
      fail(`module ${String(m.code)}: name must be a non-empty text of at most 80 characters`);
    if (typeof m.seats !== 'number' || !Number.isSafeInteger(m.seats) || m.seats < 0 || m.seats > 100000)
      fail(`module ${String(m.code)}: seats must be a whole number 0–100000`);
    if (m.validUntil !== null && (typeof m.validUntil !== 'string' || !isCalendarDate(m.validUntil)))
      fail(`module ${String(m.code)}: validUntil must be a date YYYY-MM-DD or null`);
    return {
      code: m.code as string,
      name: m.name as string,
      seats: m.seats as number,
      validUntil: m.validUntil as string | null,
    };
  });
  return {
    licenseNo: p.licenseNo as string,
    customer: { no: (customer as { no: string }).no, name: (customer as { name: string }).name },
    product: 'ixhaus-plus',
    serial: p.serial as number,
    issued: p.issued as string,
    validUntil: p.validUntil as string | null,
    modules,
  };
}

/** Options of {@link verifyLicenseFile}. */
export interface VerifyOptions {
  readonly trustedKeys: TrustedKeys;
  /** the key id of the built-in demo key, whose licenses are marked demo */
  readonly demoKid?: string;
  /** the time to check against (default now) */
  readonly now?: Date;
  /** the installed serial of the same license number, for the anti-rollback check */
  readonly installedSerial?: (licenseNo: string) => number | undefined;
}

/**
 * Verifies a license file against its key, in the order of product.md §2.
 * @param fileContent the `.lic` content (text or bytes)
 * @param keyText the `.txt` content or the typed key ("Lizenzkey: …" label, whitespace, BOM allowed)
 * @returns the verified payload
 * @throws one {@link LicenseError} subclass per failed step
 */
export function verifyLicenseFile(
  fileContent: string | Uint8Array,
  keyText: string | Uint8Array,
  options: VerifyOptions,
): VerifiedLicense {
  const size = typeof fileContent === 'string' ? Buffer.byteLength(fileContent, 'utf8') : fileContent.byteLength;
  if (size > MAX_LICENSE_FILE_BYTES) throw new LicenseTooLargeError(size, MAX_LICENSE_FILE_BYTES);
  const text = typeof fileContent === 'string' ? fileContent : new TextDecoder('utf-8').decode(fileContent);
  const envelope = parseLicenseArmor(text);
  if (envelope.v !== 1 || envelope.alg !== LICENSE_ALG)
    throw new LicenseAlgorithmError(String(envelope.v), envelope.alg);
  const publicKey = options.trustedKeys.get(envelope.kid);
  if (!publicKey) throw new LicenseUnknownKeyError(envelope.kid);
  const signature = decodeBase64Strict(envelope.sig, 'sig');
  if (signature.length !== 64 || !verifySignature(null, signingInput(envelope.kid, envelope.enc), publicKey, signature))
    throw new LicenseSignatureError();
  // From here on the envelope is authentic: anything wrong below is the vendor's or the key's fault.
  const parts = envelope.enc.split('.');
  if (parts.length !== 3) throw new LicenseEnvelopeError('enc must have three parts');
  const [ciphertext, iv, tag] = parts.map((part, i) =>
    decodeBase64Strict(part, ['ciphertext', 'iv', 'tag'][i] ?? 'part'),
  ) as [Buffer, Buffer, Buffer];
  if (iv.length !== 12 || tag.length !== 16) throw new LicenseEnvelopeError('iv must have 12 and tag 16 bytes');
  const key = deriveLicenseKey(keyText);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(additionalData(envelope.kid));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new LicenseKeyMismatchError();
  }
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new LicensePayloadError('not JSON');
  }
  const payload = validatePayload(json);
  const now = options.now ?? new Date();
  if (Date.parse(payload.issued) > now.getTime() + ISSUED_TOLERANCE_MS)
    throw new LicenseIssuedInFutureError(payload.issued);
  if (payload.validUntil !== null && daysLeft(payload.validUntil, now) < 0)
    throw new LicenseExpiredError(payload.validUntil);
  const installed = options.installedSerial?.(payload.licenseNo);
  if (installed !== undefined && payload.serial < installed)
    throw new LicenseRollbackError(payload.licenseNo, payload.serial, installed);
  return {
    payload,
    kid: envelope.kid,
    demo: options.demoKid !== undefined && envelope.kid === options.demoKid,
    fileText: normaliseText(text).trim() + '\n',
  };
}

/**
 * Parses a trusted vendor key given as a raw 32-byte Ed25519 public key in base64.
 * @throws Error naming the problem
 */
export function publicKeyFromBase64(base64: string): KeyObject {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim())
    throw new Error('a vendor key must be a raw 32-byte Ed25519 public key in base64');
  // SubjectPublicKeyInfo for Ed25519 (RFC 8410): fixed 12-byte prefix + raw key
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** The raw 32-byte Ed25519 public key of a key object, in base64 (the `--trusted-key` form). */
export function publicKeyToBase64(key: KeyObject): string {
  const spki = key.export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}
