/**
 * Extension side of the SMTP settings (issue 7 §1, §4): secrets live only in VS Code's secret storage
 * (`context.secrets`), keyed per store file; the connection-test report goes to its own output channel
 * ("iX-Haus SMTP"), never with a secret.
 */
import * as vscode from 'vscode';
import type { AsyncStore } from '../../core/store/asyncStore';
import type { MailSecrets } from '../../core/mail/mailTest';
import { secretLooksLikeId } from '../../core/mail/oauth';
import type { SecretPresence } from '../../shared/mail/settings';
import type { MailSecretAccess, MailSecretKind } from '../panels/mailSettingsController';

/** SMTP secrets per store in VS Code's secret storage, and the "iX-Haus SMTP" report channel. */
export class MailHost implements vscode.Disposable, MailSecretAccess {
  readonly output: vscode.OutputChannel;

  /**
   * @param keyOf the key of a secret of the active system (issue 20: by the system's id), given today's key; by
   *              default today's key
   */
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly keyOf: (purpose: 'mail.password' | 'mail.clientSecret', legacyKey: string) => string = (
      _purpose,
      legacyKey,
    ) => legacyKey,
  ) {
    this.output = vscode.window.createOutputChannel('iX-Haus SMTP');
  }

  /** Secret-storage key of a secret for a store (per store file, so that two stores never share a password). */
  key(store: AsyncStore, kind: MailSecretKind): string {
    return this.keyOf(`mail.${kind}`, `ixhaus.mail.${kind}:${store.location}`);
  }

  async read(store: AsyncStore): Promise<MailSecrets> {
    const [password, clientSecret] = await Promise.all([
      this.secrets.get(this.key(store, 'password')),
      this.secrets.get(this.key(store, 'clientSecret')),
    ]);
    return { ...(password ? { password } : {}), ...(clientSecret ? { clientSecret } : {}) };
  }

  /** Stores (or with '' deletes) a secret. */
  async write(store: AsyncStore, kind: MailSecretKind, value: string): Promise<void> {
    if (value === '') await this.secrets.delete(this.key(store, kind));
    else await this.secrets.store(this.key(store, kind), value);
  }

  /** Whether each secret is set — all a form or webview ever learns. */
  async presence(store: AsyncStore): Promise<SecretPresence> {
    const secrets = await this.read(store);
    return {
      password: !!secrets.password,
      clientSecret: !!secrets.clientSecret,
      clientSecretLooksLikeId: !!secrets.clientSecret && secretLooksLikeId(secrets.clientSecret),
    };
  }

  dispose(): void {
    this.output.dispose();
  }
}
