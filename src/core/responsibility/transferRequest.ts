/**
 * "Verantwortlichen ändern" — the request (product.md §6 "Input", domain.md §4): the modules and roles a transfer
 * can cover, the request shape and its validation ({@link normalizeRequest}), and the right to transfer at all
 * ({@link requireTransferRight}: admin with a valid Komfortpaket).
 */
import { IxError, msg } from '../errors';
import { licensedSeats } from '../license/licenseService';
import type { AsyncQueryable } from '../store/asyncStore';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';

/** Modules with a Verantwortlicher (domain.md §4); the values are the `responsibilities.module` column. */
export const TRANSFER_MODULES = ['objects', 'meldungen', 'auftraege', 'technical_objects'] as const;
export type TransferModule = (typeof TRANSFER_MODULES)[number];

/** Roles of an assignment. */
export const TRANSFER_ROLES = ['responsible', 'deputy'] as const;
export type TransferRole = (typeof TRANSFER_ROLES)[number];

/** License module code per transfer module (the demo license's codes, domain.md §3). */
export const MODULE_LICENSE_CODE: Readonly<Record<TransferModule, string>> = {
  objects: 'OBJEKTE',
  meldungen: 'MELDUNGEN',
  auftraege: 'AUFTRAEGE',
  technical_objects: 'TECHOBJ',
};

/** German UI names of the modules (iX-Haus terms), used in messages and the CLI. */
export const MODULE_NAME: Readonly<Record<TransferModule, string>> = {
  objects: 'Objekte',
  meldungen: 'Meldungen',
  auftraege: 'Aufträge',
  technical_objects: 'Technische Objekte',
};

/** License code of the Komfortpaket, which "Verantwortlichen ändern" needs (domain.md §4, §8). */
export const KOMFORT_MODULE_CODE = 'KOMFORT';

/** What to transfer (product.md §6 "Input"). Logins are case-insensitive. */
export interface TransferRequest {
  /** login of the old Verantwortlicher (whose assignments are removed); may be deactivated (a leaver) */
  readonly fromLogin: string;
  /** login of the new user who takes over; must be active to apply */
  readonly toLogin: string;
  /** Objektnummern to limit the scope to; undefined or empty = all objects */
  readonly objectNos?: readonly number[];
  /** team name: only objects of this team (Teamverwaltung); undefined = any team */
  readonly team?: string;
  /** at least one */
  readonly modules: readonly TransferModule[];
  /** at least one; default in the CLI and the form: both */
  readonly roles: readonly TransferRole[];
  /** false = open Meldungen/Aufträge only (objects and technical objects have no closed state and always count) */
  readonly includeClosed: boolean;
}

// ---------------------------------------------------------------- errors

/** A malformed request (no module, unknown role, bad object number …). */
export class TransferInputError extends IxError {
  constructor(template: string, args: readonly (string | number)[] = []) {
    super('E_TRANSFER_INPUT', template, args);
  }
}

/** The license has no valid Komfortpaket (domain.md §4). */
export class KomfortpaketMissingError extends IxError {
  constructor() {
    super(
      'E_TRANSFER_NO_KOMFORT',
      msg(
        '"Verantwortlichen ändern" needs a valid Komfortpaket module in the license. Install a license that contains the Komfortpaket.',
      ),
    );
  }
}

// ---------------------------------------------------------------- permission

/**
 * "Verantwortlichen ändern" is allowed for admins when a valid Komfortpaket is licensed (domain.md §4, §8).
 * Enforced in every core entry point (plan, apply, undo, history).
 * @throws PermissionError (not an admin), KomfortpaketMissingError
 */
export async function requireTransferRight(
  store: AsyncQueryable,
  actor: Actor | undefined,
  now: Date = new Date(),
): Promise<Actor> {
  requireAdmin(actor, 'change responsibles (Verantwortlichen ändern)');
  const komfort = await licensedSeats(store, KOMFORT_MODULE_CODE, now);
  if (!komfort || komfort.seats === 0) throw new KomfortpaketMissingError();
  return actor;
}

// ---------------------------------------------------------------- request

/**
 * Checks and normalises a request: modules/roles known, unique and ≥ 1; object numbers whole numbers > 0
 * (deduplicated, sorted); logins trimmed; team trimmed or undefined.
 * @throws TransferInputError
 */
export function normalizeRequest(request: TransferRequest): TransferRequest {
  const fromLogin = String(request.fromLogin ?? '').trim();
  const toLogin = String(request.toLogin ?? '').trim();
  if (fromLogin === '' || toLogin === '')
    throw new TransferInputError(msg('Choose both the previous responsible user (from) and the new one (to).'));
  const modules = [...new Set(request.modules ?? [])];
  if (modules.length === 0)
    throw new TransferInputError(msg('Choose at least one module: {0}.'), [TRANSFER_MODULES.join(', ')]);
  for (const m of modules) {
    if (!(TRANSFER_MODULES as readonly string[]).includes(m))
      throw new TransferInputError(msg('"{0}" is not a module with responsibles. Modules: {1}.'), [
        String(m),
        TRANSFER_MODULES.join(', '),
      ]);
  }
  const roles = [...new Set(request.roles ?? [])];
  if (roles.length === 0)
    throw new TransferInputError(msg('Choose at least one role: {0}.'), [TRANSFER_ROLES.join(', ')]);
  for (const r of roles) {
    if (!(TRANSFER_ROLES as readonly string[]).includes(r))
      throw new TransferInputError(msg('"{0}" is not a role. Roles: {1}.'), [String(r), TRANSFER_ROLES.join(', ')]);
  }
  const objectNos = [...new Set(request.objectNos ?? [])].sort((a, b) => a - b);
  for (const n of objectNos) {
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new TransferInputError(msg('"{0}" is not an Objektnummer: expected a whole number greater than 0.'), [
        String(n),
      ]);
  }
  const team = request.team?.trim();
  return {
    fromLogin,
    toLogin,
    ...(objectNos.length > 0 ? { objectNos } : {}),
    ...(team ? { team } : {}),
    modules: TRANSFER_MODULES.filter((m) => modules.includes(m)),
    roles: TRANSFER_ROLES.filter((r) => roles.includes(r)),
    includeClosed: request.includeClosed === true,
  };
}
