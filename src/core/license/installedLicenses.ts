import type { AsyncQueryable } from '../store/asyncStore';

/** A licensed module as installed, with how many active users have it unlocked (domain.md §3). */
export interface InstalledModule {
  readonly code: string;
  readonly name: string;
  /** licensed seats (users who may have it unlocked) */
  readonly seats: number;
  /** active users who have it unlocked now */
  readonly seatsUsed: number;
  /** last valid day (inclusive, Europe/Berlin) as `YYYY-MM-DD`, or null = as long as the license */
  readonly validUntil: string | null;
}

/** An installed license ("Freigeschaltete Module"). */
export interface InstalledLicense {
  readonly licenseNo: string;
  readonly customerNo: string;
  readonly customerName: string;
  readonly serial: number;
  /** ISO-8601 */
  readonly issuedAt: string;
  /** last valid day (inclusive, Europe/Berlin), or null = unlimited */
  readonly validUntil: string | null;
  /** issued with the built-in demo vendor key: shown as "Demo" everywhere */
  readonly demo: boolean;
  readonly modules: readonly InstalledModule[];
}

/** Lists the installed licenses with their modules, ordered by license number. */
export async function listInstalledLicenses(store: AsyncQueryable): Promise<InstalledLicense[]> {
  const licenses = await store.query<{
    license_no: string;
    customer_no: string;
    customer_name: string;
    serial: number;
    issued_at: string;
    valid_until: string | null;
    demo: number;
  }>(
    'SELECT license_no, customer_no, customer_name, serial, issued_at, valid_until, demo FROM licenses ORDER BY license_no',
  );
  return Promise.all(
    licenses.map(async (l) => ({
      licenseNo: l.license_no,
      customerNo: l.customer_no,
      customerName: l.customer_name,
      serial: l.serial,
      issuedAt: l.issued_at,
      validUntil: l.valid_until,
      demo: l.demo === 1,
      modules: (
        await store.query<{ code: string; name: string; seats: number; valid_until: string | null; used: number }>(
          `SELECT m.code, m.name, m.seats, m.valid_until,
                (SELECT count(*) FROM user_modules um JOIN users u ON u.id = um.user_id WHERE um.module_code = m.code AND u.active = 1) AS used
           FROM license_modules m WHERE m.license_no = ? ORDER BY m.name`,
          [l.license_no],
        )
      ).map((m) => ({ code: m.code, name: m.name, seats: m.seats, seatsUsed: m.used, validUntil: m.valid_until })),
    })),
  );
}
