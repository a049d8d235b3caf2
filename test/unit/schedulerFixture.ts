/**
 * The store the scheduler unit tests share: the small demo store with SMTP settings (Basic, both scheduler
 * recipients) and a `send` that records the alert mails instead of sending (the SMTP path is tested against a real
 * server in test/integration/mailCli.test.ts).
 */
import type { SafeMessageInput } from '../../src/core/mail/headerSafety';
import { saveMailSettings } from '../../src/core/mail/mailStore';
import type { closeAfterEach } from '../helpers';
import { smallDemoDb } from '../helpers';

export async function schedulerSetup(closing: ReturnType<typeof closeAfterEach>) {
  const { db: store, admin, haupt } = closing(await smallDemoDb());
  const settings = await saveMailSettings(store, admin, {
    authType: 'basic',
    host: 'smtp.example.de',
    port: 587,
    user: 'u@ixhaus.example',
    from: 'scheduler@ixhaus.example',
    schedulerRecipient: 'admin1@ixhaus.example',
    schedulerRecipient2: 'admin2@ixhaus.example',
  });
  const sent: SafeMessageInput[] = [];
  const send = async (m: SafeMessageInput) => void sent.push(m);
  return { store, admin, haupt, settings, sent, send };
}
