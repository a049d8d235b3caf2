import { IxError, msg } from '../errors';
import { DEFAULT_REMINDER_DAYS, reachedWindow, reminderDays } from '../reminders/reminderWindows';
import type { AsyncQueryable, AsyncStore, AsyncTransaction } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { requireAdmin, requireLicenseManager } from '../access/rights';
import type { Actor } from '../access/rights';
import { daysLeft, germanDate } from './dates';
import { DEMO_KID, DEMO_PUBLIC_KEY_BASE64, demoPublicKey } from './demoVendorKey';
import {
  LicenseError,
  LicenseRollbackError,
  publicKeyFromBase64,
  publicKeyToBase64,
  verifyLicenseFile,
} from './licenseFile';
import type { KeyObject } from 'node:crypto';
import type { LicensePayload, TrustedKeys, VerifiedLicense } from './licenseFile';

/** Module code of "Import" (domain.md §3: unlocked per user after a license adds it). */
export const IMPORT_MODULE_CODE = 'IMPORT';
/** Default reminder thresholds before the end of a license or module, in days (product.md §2); the store's own are {@link reminderDays}. */
export const REMINDER_THRESHOLDS = DEFAULT_REMINDER_DAYS;
/** A system clock this far behind the highest time the store has seen raises a warning (ms; product.md §2). */
export const CLOCK_BEHIND_LIMIT_MS = 48 * 3600 * 1000;

/** Unlocking would exceed the module's licensed seats (product.md §2 "Seats"). */
export class SeatsExceededError extends IxError {
  constructor(moduleName: string, seats: number) {
    super(
      'E_SEATS_EXCEEDED',
      msg(
        'All {1} seats of the module {0} are taken by active users. Lock it for another user first, or install a license with more seats.',
      ),
      [moduleName, seats],
    );
  }
}

/** The module is not in any installed license. */
export class ModuleNotLicensedError extends IxError {
  constructor(code: string) {
    super(
      'E_MODULE_NOT_LICENSED',
      msg(
        'The module {0} is not part of the installed license, so it cannot be unlocked. Install a license that contains it.',
      ),
      [code],
    );
  }
}

/** A demo-signed license offered to a store that was not created as a demo store (issue 15). */
export class DemoKeyNotTrustedError extends LicenseError {
  constructor(licenseNo: string) {
    super(
      'E_LICENSE_DEMO_KEY_NOT_TRUSTED',
      msg(
        "The license {0} is signed with the built-in demo key, which only demo stores trust (its private half ships with the product, so anyone can sign with it). This store was not created as a demo store; nothing was installed. Install the license signed with your vendor's key.",
      ),
      [licenseNo],
    );
  }
}

/**
 * A demo-signed license offered to a store that holds a license signed with a real vendor key (issue 15): it would
 * replace that license, or add seats beside it.
 */
export class DemoOverVendorError extends LicenseError {
  constructor(licenseNo: string, installedNo: string, installedSerial: number, installedKid: string) {
    super(
      'E_LICENSE_DEMO_OVER_VENDOR',
      msg(
        'The license {0} is signed with the built-in demo key, but this store holds the license {1} (serial {2}) signed with the vendor key "{3}". A demo license never replaces a vendor license or adds to one; nothing was installed.',
      ),
      [licenseNo, installedNo, installedSerial, installedKid],
    );
  }
}

/** `meta` key recording how a store was created: 'demo' or 'production' (migration 007). */
export const STORE_KIND_META_KEY = 'store_kind';

/**
 * Whether the store trusts the built-in demo vendor key: only a store created as a demo store (`store init
 * --demo`, "Create Demo Store"; older stores see migration 007) does, whatever the settings say.
 */
export async function storeTrustsDemoKey(store: AsyncQueryable): Promise<boolean> {
  return (await scalar(store, 'SELECT value FROM meta WHERE key = ?', [STORE_KIND_META_KEY])) === 'demo';
}

/**
 * The demo-key rules of issue 15 for a verified license and this store.
 * @throws DemoKeyNotTrustedError (a demo license for a store not created as a demo);
 *         DemoOverVendorError (a demo license in a store holding one signed with a real vendor key: it would
 *         replace it, or add seats beside it)
 */
export async function checkDemoKeyRules(store: AsyncQueryable, license: VerifiedLicense): Promise<void> {
  if (!license.demo) return;
  if (!(await storeTrustsDemoKey(store))) throw new DemoKeyNotTrustedError(license.payload.licenseNo);
  // the same license number first: that is the one it would replace
  const vendor = await store.get<{ license_no: string; serial: number; key_id: string }>(
    'SELECT license_no, serial, key_id FROM licenses WHERE demo <> 1 OR key_id <> ? ORDER BY license_no <> ?, license_no LIMIT 1',
    [DEMO_KID, license.payload.licenseNo],
  );
  if (vendor) throw new DemoOverVendorError(license.payload.licenseNo, vendor.license_no, vendor.serial, vendor.key_id);
}

/**
 * The trusted vendor keys: the built-in demo key plus the configured ones (kid → raw Ed25519 key, base64). The
 * demo key's public half is refused under any other id, so that a demo-signed license is always recognised as
 * one (and kept to demo stores).
 * @returns the keys and a message per configured entry that could not be used
 */
export function buildTrustedKeys(configured: Readonly<Record<string, string>> = {}): {
  keys: TrustedKeys;
  problems: string[];
} {
  const keys = new Map<string, KeyObject>([[DEMO_KID, demoPublicKey()]]);
  const problems: string[] = [];
  for (const [kid, base64] of Object.entries(configured)) {
    if (kid === DEMO_KID) {
      problems.push(`"${DEMO_KID}" is the built-in demo key id and cannot be redefined`);
      continue;
    }
    try {
      const key = publicKeyFromBase64(String(base64));
      if (publicKeyToBase64(key) === DEMO_PUBLIC_KEY_BASE64) {
        problems.push(
          `vendor key "${kid}" is the built-in demo key, whose private half ships with the product: it is never trusted as a vendor key`,
        );
        continue;
      }
      keys.set(kid, key);
    } catch (error) {
      problems.push(`vendor key "${kid}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { keys, problems };
}

/** The installed serial of a license number, if installed. */
export async function installedSerial(store: AsyncQueryable, licenseNo: string): Promise<number | undefined> {
  const value = await scalar(store, 'SELECT serial FROM licenses WHERE license_no = ?', [licenseNo]);
  return value === undefined || value === null ? undefined : Number(value);
}

/** The installed payload of a license number, if installed. */
export async function installedPayload(
  store: AsyncQueryable,
  licenseNo: string,
): Promise<{ payload: LicensePayload; demo: boolean } | undefined> {
  const row = await store.get<{ payload_json: string; demo: number }>(
    'SELECT payload_json, demo FROM licenses WHERE license_no = ?',
    [licenseNo],
  );
  return row ? { payload: JSON.parse(row.payload_json) as LicensePayload, demo: row.demo === 1 } : undefined;
}

/**
 * Verifies a license file against the store: trusted keys, the store's installed serial (anti-rollback), and the
 * demo-key rules ({@link checkDemoKeyRules}).
 * @throws the LicenseError of the failed step (licenseFile.ts); DemoKeyNotTrustedError; DemoOverVendorError
 */
export async function verifyForStore(
  store: AsyncQueryable,
  fileContent: string | Uint8Array,
  keyText: string | Uint8Array,
  trustedKeys: TrustedKeys,
  now: Date = new Date(),
): Promise<VerifiedLicense> {
  // the verifier asks synchronously: read the few installed serials first
  const serials = new Map(
    (await store.query<{ license_no: string; serial: number }>('SELECT license_no, serial FROM licenses')).map((r) => [
      r.license_no,
      Number(r.serial),
    ]),
  );
  const verified = verifyLicenseFile(fileContent, keyText, {
    trustedKeys,
    demoKid: DEMO_KID,
    now,
    installedSerial: (no) => serials.get(no),
  });
  await checkDemoKeyRules(store, verified);
  return verified;
}

/** One change of a module between the installed and the candidate license. */
export interface ModuleChange {
  readonly code: string;
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly seatsBefore: number | null;
  readonly seatsAfter: number | null;
  readonly validUntilBefore: string | null;
  readonly validUntilAfter: string | null;
}

/** What installing a candidate would change (product.md §2 "diff"). */
export interface LicenseDiff {
  readonly licenseNo: string;
  /** no license with this number is installed yet */
  readonly firstInstall: boolean;
  readonly serialBefore: number | null;
  readonly serialAfter: number;
  readonly validUntilBefore: string | null | undefined;
  readonly validUntilAfter: string | null;
  readonly customerChanged: boolean;
  readonly modules: readonly ModuleChange[];
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** Compares an installed payload (or none) with a candidate. Modules are ordered by name. */
export function diffLicenses(installed: LicensePayload | undefined, candidate: LicensePayload): LicenseDiff {
  const before = new Map((installed?.modules ?? []).map((m) => [m.code, m]));
  const after = new Map(candidate.modules.map((m) => [m.code, m]));
  const codes = [...new Set([...before.keys(), ...after.keys()])];
  const modules = codes
    .map((code): ModuleChange => {
      const b = before.get(code);
      const a = after.get(code);
      const change = !b
        ? 'added'
        : !a
          ? 'removed'
          : b.seats !== a.seats || b.validUntil !== a.validUntil || b.name !== a.name
            ? 'changed'
            : 'unchanged';
      return {
        code,
        name: (a ?? b)?.name ?? code,
        change,
        seatsBefore: b?.seats ?? null,
        seatsAfter: a?.seats ?? null,
        validUntilBefore: b?.validUntil ?? null,
        validUntilAfter: a?.validUntil ?? null,
      };
    })
    .sort((x, y) => x.name.localeCompare(y.name, 'de'));
  return {
    licenseNo: candidate.licenseNo,
    firstInstall: installed === undefined,
    serialBefore: installed?.serial ?? null,
    serialAfter: candidate.serial,
    validUntilBefore: installed === undefined ? undefined : installed.validUntil,
    validUntilAfter: candidate.validUntil,
    customerChanged:
      installed !== undefined &&
      (installed.customer.no !== candidate.customer.no || installed.customer.name !== candidate.customer.name),
    modules,
    added: modules.filter((m) => m.change === 'added').length,
    removed: modules.filter((m) => m.change === 'removed').length,
    changed: modules.filter((m) => m.change === 'changed').length,
  };
}

/**
 * A canonical, line-oriented text of a license for VS Code's diff editor and support mails: one field per line,
 * modules sorted by code, dates as written in the license (YYYY-MM-DD, Europe/Berlin, inclusive).
 */
export function renderLicenseText(payload: LicensePayload | undefined, demo: boolean): string {
  if (!payload) return '(no license installed)\n';
  const lines = [
    `License        ${payload.licenseNo}${demo ? '   [DEMO]' : ''}`,
    `Customer       ${payload.customer.name} (${payload.customer.no})`,
    `Product        ${payload.product}`,
    `Serial         ${payload.serial}`,
    `Issued         ${payload.issued}`,
    `Valid until    ${payload.validUntil ?? 'unlimited'}`,
    '',
    'Modules (code, seats, valid until, name)',
    ...[...payload.modules]
      .sort((a, b) => a.code.localeCompare(b.code))
      .map(
        (m) => `  ${m.code.padEnd(14)} ${String(m.seats).padStart(5)}  ${(m.validUntil ?? '—').padEnd(10)}  ${m.name}`,
      ),
  ];
  return `${lines.join('\n')}\n`;
}

/** A module whose active unlocks exceed the seats a candidate license grants. */
export interface SeatConflict {
  readonly code: string;
  readonly name: string;
  readonly seats: number;
  readonly unlockedByActiveUsers: number;
  readonly logins: readonly string[];
}

/**
 * Modules of which more active users have an unlock than the candidate license grants (a removed module grants 0).
 * Installing still goes ahead; these are listed, and no further unlock is allowed (product.md §2 "Seats").
 */
export async function seatConflicts(store: AsyncQueryable, candidate: LicensePayload): Promise<SeatConflict[]> {
  const grants = new Map(candidate.modules.map((m) => [m.code, m]));
  const otherLicenses = await store.query<{ code: string; seats: number }>(
    'SELECT code, seats FROM license_modules WHERE license_no <> ?',
    [candidate.licenseNo],
  );
  const extra = new Map<string, number>();
  for (const row of otherLicenses) extra.set(row.code, (extra.get(row.code) ?? 0) + row.seats);
  const unlocks = await store.query<{ module_code: string; login: string }>(
    'SELECT um.module_code, u.login FROM user_modules um JOIN users u ON u.id = um.user_id WHERE u.active = 1 ORDER BY u.login',
  );
  const byModule = new Map<string, string[]>();
  for (const u of unlocks) byModule.set(u.module_code, [...(byModule.get(u.module_code) ?? []), u.login]);
  const installed = (await installedPayload(store, candidate.licenseNo))?.payload.modules ?? [];
  const names = new Map<string, string>([
    ...installed.map((m): [string, string] => [m.code, m.name]),
    ...candidate.modules.map((m): [string, string] => [m.code, m.name]),
  ]);
  const conflicts: SeatConflict[] = [];
  for (const [code, logins] of byModule) {
    if (!names.has(code)) continue; // not governed by this license
    const seats = (grants.get(code)?.seats ?? 0) + (extra.get(code) ?? 0);
    if (logins.length > seats)
      conflicts.push({ code, name: names.get(code) ?? code, seats, unlockedByActiveUsers: logins.length, logins });
  }
  return conflicts.sort((a, b) => a.name.localeCompare(b.name, 'de'));
}

/** What {@link installLicense} did. */
export interface InstallResult {
  readonly diff: LicenseDiff;
  readonly conflicts: readonly SeatConflict[];
  /** the license newly grants the Import module: it must still be unlocked per user (domain.md §3) */
  readonly addsImport: boolean;
}

/**
 * Installs a verified license in one transaction: the previous license of the same number goes to
 * `license_history`, the new one and its modules replace it, and one audit row records old → new serial.
 * The caller saves the store. Re-checks the anti-rollback rule inside the transaction.
 * @throws PermissionError unless the actor is an admin or a Hauptbenutzer; LicenseRollbackError;
 *         DemoKeyNotTrustedError, DemoOverVendorError (the demo-key rules, checked again here)
 */
export async function installLicense(
  store: AsyncStore,
  actor: Actor,
  license: VerifiedLicense,
  now: Date = new Date(),
): Promise<InstallResult> {
  requireLicenseManager(actor, 'install a license');
  return store.transaction((tx) => installLicenseIn(tx, actor, license, now));
}

/**
 * {@link installLicense} inside the caller's transaction `tx` (several licenses at once; the demo generator).
 * @throws as installLicense
 */
export async function installLicenseIn(
  tx: AsyncTransaction,
  actor: Actor,
  license: VerifiedLicense,
  now: Date = new Date(),
): Promise<InstallResult> {
  requireLicenseManager(actor, 'install a license');
  const { payload } = license;
  {
    await checkDemoKeyRules(tx, license);
    const previous = (await installedPayload(tx, payload.licenseNo))?.payload;
    if (previous && payload.serial < previous.serial) {
      // a newer one was installed between verification and now: refuse as the verifier would have
      throw new LicenseRollbackError(payload.licenseNo, payload.serial, previous.serial);
    }
    const diff = diffLicenses(previous, payload);
    const conflicts = await seatConflicts(tx, payload);
    const at = now.toISOString();
    if (previous) {
      await tx.run(
        'INSERT INTO license_history (license_no, serial, payload_json, installed_at, installed_by, replaced_at) SELECT license_no, serial, payload_json, installed_at, installed_by, ? FROM licenses WHERE license_no = ?',
        [at, payload.licenseNo],
      );
      await tx.run('DELETE FROM licenses WHERE license_no = ?', [payload.licenseNo]);
    }
    await tx.run(
      'INSERT INTO licenses (license_no, customer_no, customer_name, serial, issued_at, valid_until, key_id, demo, installed_at, installed_by, payload_json, file_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        payload.licenseNo,
        payload.customer.no,
        payload.customer.name,
        payload.serial,
        payload.issued,
        payload.validUntil,
        license.kid,
        license.demo ? 1 : 0,
        at,
        actor.id,
        JSON.stringify(payload),
        license.fileText,
      ],
    );
    for (const m of payload.modules)
      await tx.run('INSERT INTO license_modules (license_no, code, name, seats, valid_until) VALUES (?, ?, ?, ?, ?)', [
        payload.licenseNo,
        m.code,
        m.name,
        m.seats,
        m.validUntil,
      ]);
    await tx.run(
      'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        at,
        actor.id,
        'license.install',
        'license',
        payload.licenseNo,
        previous
          ? JSON.stringify({
              serial: previous.serial,
              validUntil: previous.validUntil,
              modules: previous.modules.length,
            })
          : null,
        JSON.stringify({
          serial: payload.serial,
          validUntil: payload.validUntil,
          modules: payload.modules.length,
          kid: license.kid,
          added: diff.added,
          removed: diff.removed,
          changed: diff.changed,
        }),
      ],
    );
    const addsImport =
      payload.modules.some((m) => m.code === IMPORT_MODULE_CODE) &&
      !(previous?.modules ?? []).some((m) => m.code === IMPORT_MODULE_CODE);
    return { diff, conflicts, addsImport };
  }
}

/** A verified license and what installing it would change — the decision shown before installing. */
export interface InstallCandidate {
  readonly verified: VerifiedLicense;
  /** the installed license of the same number (for the side-by-side text), if any */
  readonly installed: { readonly payload: LicensePayload; readonly demo: boolean } | undefined;
  readonly diff: LicenseDiff;
  /** modules that would have fewer seats than active users with an unlock (shown before installing) */
  readonly conflicts: readonly SeatConflict[];
}

/**
 * The one verify → diff step of every install path (the extension's "Lizenz einspielen", `ixhaus-admin license
 * diff|install`, the SFTP fetch): verifies the file for this store (signature, key, dates, anti-rollback) and
 * returns what installing it would change. Writes nothing.
 * @throws LicenseError (and subclasses such as LicenseRollbackError) naming why the file is refused
 */
export async function prepareInstall(
  store: AsyncQueryable,
  fileContent: string | Uint8Array,
  keyText: string | Uint8Array,
  trustedKeys: TrustedKeys,
  now: Date = new Date(),
): Promise<InstallCandidate> {
  const verified = await verifyForStore(store, fileContent, keyText, trustedKeys, now);
  const installed = await installedPayload(store, verified.payload.licenseNo);
  return {
    verified,
    installed,
    diff: diffLicenses(installed?.payload, verified.payload),
    conflicts: await seatConflicts(store, verified.payload),
  };
}

/**
 * The one install step after the user (or `--install`) confirmed: installs every candidate in one transaction —
 * all or none. The caller saves the store.
 * @throws PermissionError unless the actor is an admin or a Hauptbenutzer; LicenseRollbackError when a newer one
 * was installed meanwhile
 */
export async function installCandidates(
  store: AsyncStore,
  actor: Actor,
  candidates: readonly Pick<InstallCandidate, 'verified'>[],
  now: Date = new Date(),
): Promise<InstallResult[]> {
  requireLicenseManager(actor, 'install a license');
  return store.transaction(async (tx) => {
    const results: InstallResult[] = [];
    for (const c of candidates) results.push(await installLicenseIn(tx, actor, c.verified, now));
    return results;
  });
}

/** Seats of a module over all installed licenses, counting only modules (and licenses) still valid at `now`. */
export async function licensedSeats(
  store: AsyncQueryable,
  code: string,
  now: Date = new Date(),
): Promise<{ seats: number; name: string } | undefined> {
  const rows = await store.query<{
    seats: number;
    name: string;
    module_until: string | null;
    license_until: string | null;
  }>(
    'SELECT m.seats, m.name, m.valid_until AS module_until, l.valid_until AS license_until FROM license_modules m JOIN licenses l ON l.license_no = m.license_no WHERE m.code = ?',
    [code],
  );
  if (rows.length === 0) return undefined;
  let seats = 0;
  for (const r of rows) {
    const until = r.module_until ?? r.license_until;
    if (until === null || daysLeft(until, now) >= 0) seats += r.seats;
  }
  return { seats, name: rows[0]?.name ?? code };
}

/**
 * Unlocks a module for a user within its licensed seats (product.md §2): refused when the active users holding it
 * already fill the seats. Audited. The caller saves the store.
 * @throws PermissionError (admins only), ModuleNotLicensedError, SeatsExceededError
 */
export async function unlockModule(
  store: AsyncStore,
  actor: Actor,
  userId: number,
  code: string,
  now: Date = new Date(),
): Promise<void> {
  requireAdmin(actor, 'unlock modules for users');
  await store.transaction((tx) => unlockModuleIn(tx, actor, userId, code, now));
}

/** {@link unlockModule} inside the caller's transaction. @throws as unlockModule */
export async function unlockModuleIn(
  tx: AsyncTransaction,
  actor: Actor,
  userId: number,
  code: string,
  now: Date = new Date(),
): Promise<void> {
  requireAdmin(actor, 'unlock modules for users');
  {
    // two admins giving away the last seat at once: the second counts after the first committed (issue 19)
    await tx.lock(`seats:${code}`);
    const licensed = await licensedSeats(tx, code, now);
    if (!licensed) throw new ModuleNotLicensedError(code);
    const already = await scalar(tx, 'SELECT 1 FROM user_modules WHERE user_id = ? AND module_code = ?', [
      userId,
      code,
    ]);
    if (already !== undefined) return;
    const used = Number(
      await scalar(
        tx,
        'SELECT count(*) FROM user_modules um JOIN users u ON u.id = um.user_id WHERE um.module_code = ? AND u.active = 1',
        [code],
      ),
    );
    if (used >= licensed.seats) throw new SeatsExceededError(licensed.name, licensed.seats);
    await tx.run('INSERT INTO user_modules (user_id, module_code) VALUES (?, ?)', [userId, code]);
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'module.unlock', 'user', ?, 'locked', ?)",
      [now.toISOString(), actor.id, String(userId), `unlocked ${code}`],
    );
  }
}

/** Locks a module for a user (frees a seat). Audited. @throws PermissionError */
export async function lockModule(
  store: AsyncStore,
  actor: Actor,
  userId: number,
  code: string,
  now: Date = new Date(),
): Promise<void> {
  requireAdmin(actor, 'lock modules for users');
  await store.transaction(async (tx) => {
    const { changes } = await tx.run('DELETE FROM user_modules WHERE user_id = ? AND module_code = ?', [userId, code]);
    if (changes > 0)
      await tx.run(
        "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'module.lock', 'user', ?, ?, 'locked')",
        [now.toISOString(), actor.id, String(userId), `unlocked ${code}`],
      );
  });
}

/** An expiry reminder that is due (product.md §2: 30, 7 and 1 days before the end). */
export interface DueReminder {
  readonly licenseNo: string;
  /** '' for the license itself */
  readonly moduleCode: string;
  readonly name: string;
  readonly validUntil: string;
  readonly threshold: number;
  readonly daysLeft: number;
  readonly demo: boolean;
}

/**
 * The reminders due at `now` and not yet given: for the license and each module with an end date, the smallest
 * reminder window of the store (default 30, 7, 1 days; issue 17 §12) that `daysLeft` has reached — one reminder per threshold, never repeated (the store
 * remembers, keyed by the end date, so a renewal starts afresh). Already expired ones are not reminded.
 */
export async function dueReminders(store: AsyncQueryable, now: Date = new Date()): Promise<DueReminder[]> {
  const candidates: Array<Omit<DueReminder, 'threshold' | 'daysLeft'>> = [];
  for (const l of await store.query<{
    license_no: string;
    customer_name: string;
    valid_until: string | null;
    demo: number;
  }>('SELECT license_no, customer_name, valid_until, demo FROM licenses')) {
    if (l.valid_until)
      candidates.push({
        licenseNo: l.license_no,
        moduleCode: '',
        name: `${l.license_no} (${l.customer_name})`,
        validUntil: l.valid_until,
        demo: l.demo === 1,
      });
    for (const m of await store.query<{ code: string; name: string; valid_until: string | null }>(
      'SELECT code, name, valid_until FROM license_modules WHERE license_no = ? AND valid_until IS NOT NULL',
      [l.license_no],
    )) {
      if (m.valid_until && m.valid_until !== l.valid_until)
        candidates.push({
          licenseNo: l.license_no,
          moduleCode: m.code,
          name: m.name,
          validUntil: m.valid_until,
          demo: l.demo === 1,
        });
    }
  }
  const due: DueReminder[] = [];
  const windows = await reminderDays(store);
  for (const c of candidates) {
    const left = daysLeft(c.validUntil, now);
    if (left < 0) continue;
    const threshold = reachedWindow(left, windows);
    if (threshold === undefined) continue;
    const sent = await scalar(
      store,
      'SELECT 1 FROM license_reminders WHERE license_no = ? AND module_code = ? AND valid_until = ? AND threshold_days <= ?',
      [c.licenseNo, c.moduleCode, c.validUntil, threshold],
    );
    if (sent === undefined) due.push({ ...c, threshold, daysLeft: left });
  }
  return due;
}

/** Records reminders as given (so they are not repeated). The caller saves the store. */
export async function markRemindersGiven(
  store: AsyncStore,
  reminders: readonly DueReminder[],
  now: Date = new Date(),
): Promise<void> {
  if (reminders.length === 0 || store.readOnly) return;
  await store.transaction(async (tx) => {
    for (const r of reminders) {
      await tx.run(
        `INSERT INTO license_reminders (license_no, module_code, valid_until, threshold_days, given_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (license_no, module_code, valid_until, threshold_days) DO NOTHING`,
        [r.licenseNo, r.moduleCode, r.validUntil, r.threshold, now.toISOString()],
      );
    }
  });
}

/** Result of {@link checkClock}. */
export interface ClockCheck {
  /** the highest time the store had seen before this check (ISO-8601), if any */
  readonly highestSeen: string | undefined;
  /** how far the clock is behind it (ms, ≥ 0) */
  readonly behindMs: number;
  /** the clock is more than 48 h behind: warn (product.md §2 "Clock check") */
  readonly suspicious: boolean;
}

/**
 * Compares the system clock with the highest time the store has seen and moves that mark forward (never back).
 * A clock set back is how expired licenses are kept alive; the warning names it.
 */
export async function checkClock(store: AsyncStore, now: Date = new Date()): Promise<ClockCheck> {
  const raw = await scalar(store, "SELECT value FROM meta WHERE key = 'clock_high_water'");
  const highestSeen = typeof raw === 'string' ? raw : undefined;
  const high = highestSeen ? Date.parse(highestSeen) : Number.NEGATIVE_INFINITY;
  const behindMs = Math.max(0, high - now.getTime());
  if (!store.readOnly && now.getTime() > high)
    await store.run(
      "INSERT INTO meta (key, value) VALUES ('clock_high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [now.toISOString()],
    );
  return {
    highestSeen,
    behindMs: Number.isFinite(behindMs) ? behindMs : 0,
    suspicious: behindMs > CLOCK_BEHIND_LIMIT_MS,
  };
}

/** Human summary of a diff in one line (English; the extension localizes its own). */
export function describeModuleChange(m: ModuleChange): string {
  switch (m.change) {
    case 'added':
      return `+ ${m.name}: ${m.seatsAfter} seats${m.validUntilAfter ? ` until ${germanDate(m.validUntilAfter)}` : ''}`;
    case 'removed':
      return `- ${m.name} (had ${m.seatsBefore} seats)`;
    case 'changed':
      return `~ ${m.name}: ${m.seatsBefore} → ${m.seatsAfter} seats, until ${m.validUntilBefore ?? '—'} → ${m.validUntilAfter ?? '—'}`;
    default:
      return `  ${m.name}`;
  }
}
