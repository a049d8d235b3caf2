/**
 * Who may do what (product.md §1, domain.md §2–3): roles, rights classes and the checks every core service runs.
 * Its own folder, below both license/ and users/, so that neither depends on the other for a permission check
 * (issue 18 §6).
 */
import { PermissionError } from '../errors';

/** Benutzerrollen of iX-Haus plus known to the suite (domain.md §2; the schema's CHECK lists the same). */
export const USER_ROLES = [
  'Administrator',
  'Hauptbenutzer',
  'Sachbearbeiter',
  'Buchhaltung',
  'Technik',
  'Lesezugriff',
] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The signed-in user on whose behalf core services act. Every service call that changes data takes one. */
export interface Actor {
  readonly id: number;
  readonly login: string;
  readonly displayName: string;
  /** Benutzerklasse, one letter A–Z (domain.md §2.4) */
  readonly rightsClass: string;
  readonly role: UserRole;
}

/** Admin = rights class S or role Administrator (product.md §1, domain.md §8). */
export function isAdmin(actor: Actor): boolean {
  return actor.rightsClass === 'S' || actor.role === 'Administrator';
}

/** Hauptbenutzer or admin: may fetch and install licenses (product.md §1, domain.md §3). */
export function canManageLicenses(actor: Actor): boolean {
  return isAdmin(actor) || actor.role === 'Hauptbenutzer';
}

/**
 * Throws unless the actor is an admin.
 * @param action what was attempted, in words ("change system settings")
 * @throws PermissionError
 */
export function requireAdmin(actor: Actor | undefined, action: string): asserts actor is Actor {
  if (!actor || !isAdmin(actor))
    throw new PermissionError(action, 'an administrator (rights class S or role Administrator)');
}

/** Throws unless the actor is a Hauptbenutzer or an admin. @throws PermissionError */
export function requireLicenseManager(actor: Actor | undefined, action: string): asserts actor is Actor {
  if (!actor || !canManageLicenses(actor)) throw new PermissionError(action, 'an administrator or a Hauptbenutzer');
}
