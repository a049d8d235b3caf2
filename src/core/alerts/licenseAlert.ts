/**
 * License and module expiry reminders (src/core/license/licenseService.ts `dueReminders`, product.md §2: the
 * store's reminder windows, default 30/7/1 days) as alerts of the monitor (issue 21). One incident per license or
 * module, end date and window: the same reminder found again in a later cycle is the same incident (claimed once).
 */
import { dueReminders } from '../license/licenseService';
import type { DueReminder } from '../license/licenseService';
import type { AlertIncident, NamedCheck } from './incident';

/** The claim key of an expiry reminder (license or module, its end date and the window reached). */
export function expiryIncidentKey(
  r: Pick<DueReminder, 'licenseNo' | 'moduleCode' | 'validUntil' | 'threshold'>,
): string {
  return `expiry:${r.licenseNo}:${r.moduleCode || '-'}:${r.validUntil}:${r.threshold}`;
}

/** A due reminder as an alert (German, as the administrators read it). */
export function expiryAlert(r: DueReminder): AlertIncident {
  const what = r.moduleCode ? `Modul ${r.name} (${r.moduleCode})` : `Lizenz ${r.name}`;
  const [y, m, d] = r.validUntil.slice(0, 10).split('-');
  const date = `${d}.${m}.${y}`;
  return {
    key: expiryIncidentKey(r),
    kind: r.moduleCode ? 'module-expiry' : 'license-expiry',
    subject: `iX-Haus: ${what} endet am ${date} (noch ${r.daysLeft} Tage)`,
    text: `${what} der Lizenz ${r.licenseNo} endet am ${date}, in ${r.daysLeft} Tagen.${
      r.demo ? ' (Demo-Lizenz)' : ''
    }\nBitte fordern Sie rechtzeitig eine verlängerte Lizenz bei CREM SOLUTIONS an und spielen Sie sie ein.`,
    at: `${r.validUntil.slice(0, 10)}T00:00:00.000Z`,
    facts: [
      ['Lizenz', r.licenseNo],
      ...(r.moduleCode ? ([['Modul', `${r.name} (${r.moduleCode})`]] as const) : []),
      ['Endet am', date],
      ['Noch', `${r.daysLeft} Tage`],
    ],
  };
}

/**
 * The expiry check of the monitor: the reminders due now. The monitor's claims make each one go out once; the
 * reminders shown to an administrator in VS Code at sign-in are kept apart (they are marked given there).
 */
export function expiryCheck(): NamedCheck {
  return {
    name: 'license-expiry',
    run: async (store, now) => (await dueReminders(store, now)).map(expiryAlert),
  };
}
