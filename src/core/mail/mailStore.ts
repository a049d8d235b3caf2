/**
 * SMTP Einstellungen in the store (issue 7 §1, product.md §5): the non-secret settings only. Reading is open to
 * every signed-in user of the core (senders need it); saving needs an administrator (domain.md §8) and is
 * audited. Secrets (password, client secret) never reach this module — they live in VS Code's secret storage
 * (extension) or in environment variables (CLI).
 */
import { ChangedMeanwhileError } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';
import { DEFAULT_AUTHORITY_HOST, emptyMailSettings } from '../../shared/mail/settings';
import { validateMailSettings } from '../../shared/mail/validate';
import type { MailSettings, SecretPresence } from '../../shared/mail/settings';
import { MailSettingsError } from './errors';

interface MailRow {
  [key: string]: string | number | null;
  auth_type: string;
  host: string | null;
  port: number | null;
  ssl_required: number;
  allow_insecure_auth: number;
  username: string | null;
  sender: string | null;
  client_id: string | null;
  object_id: string | null;
  tenant: string | null;
  authority_host: string | null;
  secret_valid_until: string | null;
  notify_email: string | null;
  scheduler_recipient: string | null;
  scheduler_recipient2: string | null;
}

/** The settings as stored (not re-validated), or `undefined` when none were saved yet. */
export async function loadMailSettings(store: AsyncQueryable): Promise<MailSettings | undefined> {
  const row = await store.get<MailRow>('SELECT * FROM mail_settings WHERE id = 1');
  if (!row) return undefined;
  const base = emptyMailSettings(row.auth_type === 'oauth2' ? 'oauth' : 'basic');
  return {
    ...base,
    host: row.host ?? base.host,
    port: row.port ?? base.port,
    ssl: row.ssl_required === 1,
    allowInsecureAuth: row.allow_insecure_auth === 1,
    user: row.username ?? '',
    from: row.sender ?? '',
    clientId: row.client_id ?? '',
    objectId: row.object_id ?? '',
    tenant: row.tenant ?? '',
    authorityHost: row.authority_host ?? DEFAULT_AUTHORITY_HOST,
    secretValidUntil: row.secret_valid_until ?? '',
    notifyAddress: row.notify_email ?? '',
    schedulerRecipient: row.scheduler_recipient ?? '',
    schedulerRecipient2: row.scheduler_recipient2 ?? '',
  };
}

/**
 * Validates and saves the settings (admin only, audited, one transaction: nothing half-written).
 * @param input field values as from the form or CLI (see {@link validateMailSettings})
 * @returns the normalised settings that were saved
 * @throws PermissionError unless the actor is an admin; MailSettingsError listing every issue when invalid
 */
export async function saveMailSettings(
  store: AsyncStore,
  actor: Actor,
  input: Record<string, unknown>,
  secrets?: SecretPresence,
  now: Date = new Date(),
  /**
   * the stored settings the edit was based on (what the form loaded; null: none were stored): refused with
   * ChangedMeanwhileError when another admin saved other settings meanwhile
   */
  expected?: MailSettings | null,
): Promise<MailSettings> {
  requireAdmin(actor, 'change the SMTP settings');
  const { settings, issues } = validateMailSettings(input, secrets);
  if (!settings) throw new MailSettingsError(issues);
  const values = [
    settings.authType === 'oauth' ? 'oauth2' : 'basic',
    settings.host,
    settings.port,
    settings.ssl ? 1 : 0,
    settings.allowInsecureAuth ? 1 : 0,
    settings.user,
    settings.from,
    settings.clientId,
    settings.objectId,
    settings.tenant,
    settings.authorityHost,
    settings.secretValidUntil || null,
    settings.notifyAddress,
    settings.schedulerRecipient,
    settings.schedulerRecipient2,
  ];
  await store.transaction(async (tx) => {
    await tx.lock('mail_settings');
    const before = await loadMailSettings(tx);
    if (expected !== undefined && JSON.stringify(before ?? null) !== JSON.stringify(expected))
      throw new ChangedMeanwhileError(
        'The SMTP settings',
        before ? `${before.host}:${before.port} (${before.authType}, ${before.from})` : '—',
      );
    await tx.run('DELETE FROM mail_settings WHERE id = 1');
    await tx.run(
      'INSERT INTO mail_settings (id, auth_type, host, port, ssl_required, allow_insecure_auth, username, sender, client_id, object_id, tenant, authority_host, secret_valid_until, notify_email, scheduler_recipient, scheduler_recipient2) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      values,
    );
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'mail.settings', 'mail_settings', '1', ?, ?)",
      [now.toISOString(), actor.id, before ? JSON.stringify(before) : null, JSON.stringify(settings)],
    );
  });
  return settings;
}

/**
 * Records the secret expiry read from Graph ("Gültig bis" refreshed on each OAuth test, issue 7 §5).
 * Not an admin action of a person, so it takes no actor; it changes only this one column.
 */
export async function updateSecretValidUntil(store: AsyncQueryable, validUntil: string): Promise<void> {
  await store.run('UPDATE mail_settings SET secret_valid_until = ? WHERE id = 1', [validUntil]);
}
