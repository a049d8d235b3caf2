/**
 * The alert channels of `ixhaus-admin serve` (issue 21): the webhooks of `--webhook KIND=VAR` (URL from the named
 * environment variable, never from the command line) and the mail channel of `--mail`/`--mail-to` built from the
 * SMTP settings in the store and the secrets in the environment.
 */
import * as fs from 'node:fs';
import { jsonChannel, mailChannel, teamsChannel } from '../core/alerts/channels';
import type { AlertChannel } from '../core/alerts/channels';
import { loadMailSettings } from '../core/mail/mailStore';
import { proxyFromEnv } from '../core/mail/proxy';
import { createSender } from '../core/mail/sender';
import type { OpenedStore } from '../core/store/openStore';
import { parseAddress } from '../shared/mail/fieldParsing';
import type { ServeOptions } from './serveCommand';

type WebhookKind = 'teams' | 'json';

/** Reads a file named by an option. @throws Error naming the option and the file */
export function readOptionFile(file: string, option: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${option} ${file}: ${(error as Error).message}`);
  }
}

/**
 * The webhook channels of `--webhook` (URL from the named variable; a missing variable or a non-https URL is an
 * error naming the variable, never the URL). Two webhooks of one kind are named by their variables.
 */
export function webhookChannels(options: ServeOptions, env: NodeJS.ProcessEnv = process.env): AlertChannel[] {
  const specs = (options.webhook ?? []).map((s) => {
    const [kind, variable] = s.split('=') as [WebhookKind, string];
    return { kind, variable };
  });
  const ca = options.webhookCa !== undefined ? readOptionFile(options.webhookCa, '--webhook-ca') : undefined;
  const proxy = proxyFromEnv(env);
  return specs.map(({ kind, variable }) => {
    const url = env[variable];
    if (url === undefined || url.trim() === '')
      throw new Error(`the environment variable ${variable} (--webhook ${kind}=${variable}) is not set`);
    const name = specs.filter((s) => s.kind === kind).length > 1 ? variable : kind;
    const common = { name, url, proxy, ...(ca ? { ca } : {}) };
    return kind === 'teams' ? teamsChannel(common) : jsonChannel(common);
  });
}

/**
 * The mail channel (`--mail` / `--mail-to`), built per cycle from the SMTP settings in the store and the secrets in
 * the environment; undefined without those flags.
 * @throws Error naming what is missing (no settings, no recipient, no sender, PostgreSQL not yet)
 */
export async function mailChannelFor(options: ServeOptions, opened: OpenedStore): Promise<AlertChannel | undefined> {
  if (options.mail !== true && (options.mailTo ?? []).length === 0) return undefined;
  const settings = await loadMailSettings(opened.store);
  if (!settings || settings.host === '' || settings.from === '')
    throw new Error(
      'the store has no SMTP settings (server and sender): save them in VS Code ("SMTP Einstellungen") or with `ixhaus-admin mail set`',
    );
  const to =
    (options.mailTo ?? []).length > 0
      ? [...(options.mailTo ?? [])]
      : [settings.schedulerRecipient, settings.schedulerRecipient2].map((r) => r.trim()).filter((r) => r !== '');
  if (to.length === 0)
    throw new Error(
      'no mail recipient: give --mail-to ADDRESS or set the Scheduler E-Mailempfänger in the SMTP settings',
    );
  for (const address of to)
    if (!parseAddress(address)) throw new Error(`the mail recipient "${address}" is not a valid e-mail address`);
  const password = process.env[options.passwordEnv ?? 'IXHAUS_SMTP_PASSWORD'];
  const clientSecret = process.env[options.clientSecretEnv ?? 'IXHAUS_SMTP_CLIENT_SECRET'];
  const ca = options.caFile !== undefined ? readOptionFile(options.caFile, '--ca-file') : undefined;
  const send = createSender(
    settings,
    { ...(password !== undefined ? { password } : {}), ...(clientSecret !== undefined ? { clientSecret } : {}) },
    { ...(ca ? { ca } : {}), implicitTlsPort: Number(options.implicitTlsPort ?? 465) },
  );
  return mailChannel({ from: settings.from, to, send });
}
