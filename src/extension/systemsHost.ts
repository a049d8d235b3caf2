/**
 * Kundensysteme in VS Code (issue 20): the list in the user setting `ixhaus.systems` (application scope), the
 * window's active system (workspace state of this window — never a user setting, so that switching in one window
 * leaves the others where they are), switching (re-opens the store through {@link StoreHost}), the one-time
 * migration of `ixhaus.store.path`, and the secret-storage keys of the active system's secrets.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { parseStoreLocation } from '../core/store/location';
import type { PostgresLocation } from '../core/store/location';
import {
  newSystemId,
  parseSystems,
  serializeSystems,
  SYSTEM_SECRET_PURPOSES,
  systemSecretKey,
  SYSTEMS_SETTING,
  validateSystem,
} from '../core/systems/systems';
import type { CustomerSystem, SystemSecretPurpose } from '../core/systems/systems';
import { localizedMessage } from './errors';
import { CONFIG } from './ids';
import { AMI_SECRET_KEY, TR064_SECRET_KEY } from './ctiService';
import { storePasswordKey } from './storeHost';
import { sftpSecretKey } from './commands/sftpConnection';
import { loadSftpSettings } from '../core/sftp/sftpSettings';
import type { AsyncQueryable } from '../core/store/asyncStore';
import type { StoreHost } from './storeHost';

/** workspaceState key: the id of this window's active system. */
export const ACTIVE_SYSTEM_STATE = 'ixhaus.activeSystem';
/** globalState key: set once `ixhaus.store.path` was migrated into `ixhaus.systems` (never migrated twice). */
export const MIGRATED_STATE = 'ixhaus.systems.migratedStorePath';

/**
 * The secret-storage key of a secret: the active system's key ({@link systemSecretKey}, by id) when a system is
 * active, else `legacyKey` (the key used before issue 20, so that a window without systems keeps working).
 */
export type SecretKeyOf = (purpose: SystemSecretPurpose, legacyKey: string) => string;

/** The canonical text of a store (file: absolute path; PostgreSQL: URL without password), or undefined if invalid. */
export function canonicalStore(store: string): string | undefined {
  try {
    return parseStoreLocation(store).redacted;
  } catch {
    return undefined;
  }
}

/** Systems list, active system per window, switching, migration and per-system secret keys. */
export class SystemsHost implements vscode.Disposable {
  private activeId: string | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** why a system could not be opened (file missing, server unreachable …), by id, until it opens */
  readonly failures = new Map<string, string>();
  /** fires when the list, the active system or a failure changed */
  readonly onDidChange = this.emitter.event;
  /** the reason the setting could not be read, or undefined */
  listError: string | undefined;
  /** set while the ids made for hand-written entries are written back */
  private assigningIds = false;
  private assignedList: CustomerSystem[] | undefined;

  constructor(
    private readonly context: Pick<vscode.ExtensionContext, 'workspaceState' | 'globalState' | 'secrets'>,
    private readonly storeHost: StoreHost,
    private readonly logger: Logger,
  ) {
    this.activeId = context.workspaceState.get<string>(ACTIVE_SYSTEM_STATE);
    // the PostgreSQL password of the active system's store is that system's secret
    storeHost.passwordKeyOf = (location) => this.storePasswordKeyOf(location);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${CONFIG.section}.${SYSTEMS_SETTING}`)) this.emitter.fire();
      }),
      // a store opened outside the systems (Open Store…, Create Demo Store) ends the active system of this window
      storeHost.onDidChangeStore(() => {
        const active = this.active;
        const open = storeHost.location?.redacted;
        if (active && open !== undefined && canonicalStore(active.store) !== open) void this.setActive(undefined);
        else this.emitter.fire();
      }),
    );
  }

  /** The systems of the setting; an unreadable setting gives [] and sets {@link listError}. */
  list(): CustomerSystem[] {
    const raw = vscode.workspace.getConfiguration(CONFIG.section).get<unknown>(SYSTEMS_SETTING);
    // while made ids are written back, every reader sees the same ids
    if (this.assigningIds && this.assignedList) return this.assignedList;
    try {
      const systems = parseSystems(raw);
      this.listError = undefined;
      // entries written by hand without an id got one: write it back once, so that their secrets stay theirs
      if (!this.assigningIds && Array.isArray(raw) && raw.some((e) => !(e as { id?: unknown } | null)?.id)) {
        this.assigningIds = true;
        this.assignedList = systems;
        void this.write(systems)
          .catch((error: unknown) => this.logger.warn(`[systems] could not write the new ids: ${String(error)}`))
          .finally(() => {
            this.assigningIds = false;
            this.assignedList = undefined;
          });
      }
      return systems;
    } catch (error) {
      this.listError = localizedMessage(error);
      this.logger.warn(`[systems] setting ixhaus.systems: ${this.listError}`);
      return [];
    }
  }

  /** This window's active system, or undefined (no system, or an ad-hoc store is open). */
  get active(): CustomerSystem | undefined {
    const id = this.activeId;
    return id === undefined ? undefined : this.list().find((s) => s.id === id);
  }

  private async setActive(id: string | undefined): Promise<void> {
    this.activeId = id;
    await this.context.workspaceState.update(ACTIVE_SYSTEM_STATE, id);
    this.emitter.fire();
  }

  /** The key of a secret of the active system, else the legacy key (see {@link SecretKeyOf}). */
  readonly secretKeyOf: SecretKeyOf = (purpose, legacyKey) => {
    const active = this.active;
    return active ? systemSecretKey(active.id, purpose) : legacyKey;
  };

  /**
   * The key of a PostgreSQL store's password: the system's when the store is the active system's store — never
   * another system's, even while switching — else today's key by URL.
   */
  storePasswordKeyOf(location: PostgresLocation): string {
    const active = this.active;
    return active && canonicalStore(active.store) === location.redacted
      ? systemSecretKey(active.id, 'store.password')
      : storePasswordKey(location);
  }

  /** Writes the list to the user settings (application scope), each entry validated. */
  private async write(systems: readonly CustomerSystem[]): Promise<void> {
    const checked: CustomerSystem[] = [];
    for (const s of systems) checked.push(validateSystem(s, checked));
    await vscode.workspace
      .getConfiguration(CONFIG.section)
      .update(SYSTEMS_SETTING, serializeSystems(checked), vscode.ConfigurationTarget.Global);
    this.emitter.fire();
  }

  /**
   * Adds a system, or replaces the one with the same id (an edit: its id and so its secrets stay).
   * @throws SystemError, StoreLocationError (see validateSystem): nothing is written then
   */
  async put(system: CustomerSystem): Promise<CustomerSystem> {
    const list = this.list();
    const others = list.filter((s) => s.id !== system.id);
    const checked = validateSystem(system, others);
    const index = list.findIndex((s) => s.id === system.id);
    await this.write(index < 0 ? [...list, checked] : list.map((s) => (s.id === system.id ? checked : s)));
    return checked;
  }

  /**
   * Removes a system from the list and forgets its secrets; its store (file or database) is never touched. When it
   * is this window's active system, the window keeps its store open, as an ad-hoc store.
   */
  async remove(id: string): Promise<void> {
    await this.write(this.list().filter((s) => s.id !== id));
    await Promise.all(SYSTEM_SECRET_PURPOSES.map((p) => this.context.secrets.delete(systemSecretKey(id, p))));
    this.failures.delete(id);
    if (this.activeId === id) await this.setActive(undefined);
    this.logger.info(`[systems] removed system ${id} and forgot its secrets`);
  }

  /**
   * Makes `system` this window's active system and opens its store (the views reload through the store change).
   * A PostgreSQL password is asked for when the system has none yet. When opening fails, the reason is kept in
   * {@link failures} (the view shows it with Retry) and rethrown.
   * @returns false when the user cancelled the password prompt (the previous system stays active)
   */
  async switchTo(system: CustomerSystem): Promise<boolean> {
    const previous = this.activeId;
    const previousDb = this.storeHost.db;
    // set first: the password key of the store being opened is this system's
    this.activeId = system.id;
    try {
      const location = parseStoreLocation(system.store);
      if (location.kind === 'postgres') {
        if ((await this.storeHost.openPostgres(location.redacted)) === undefined) {
          this.activeId = previous;
          return false;
        }
      } else {
        await this.storeHost.open(location.path);
      }
      this.failures.delete(system.id);
      await this.setActive(system.id);
      this.logger.info(`[systems] switched to ${system.name} (${system.kind})`);
      return true;
    } catch (error) {
      this.failures.set(system.id, localizedMessage(error));
      // the previous store is still open (a refused connection closes nothing): the previous system stays active
      await this.setActive(this.storeHost.db !== undefined && this.storeHost.db === previousDb ? previous : system.id);
      throw error;
    }
  }

  /**
   * `ixhaus.store.path` as set now (trimmed; '' when unset). Read it once at start-up, before the migration writes
   * `ixhaus.systems`: in a remote window (code-server) the machine-scoped `ixhaus.store.path` of the user settings
   * reads as unset once the user settings were written by the extension (seen in the UI tests).
   */
  configuredStore(): string {
    return vscode.workspace.getConfiguration(CONFIG.section).get<string>(CONFIG.storePath, '').trim();
  }

  /**
   * The system to open at start: this window's last active system, else the system whose store is the one named
   * by `ixhaus.store.path` (after the migration: the migrated one), else undefined (today's start-up).
   */
  startupSystem(configured: string = this.configuredStore()): CustomerSystem | undefined {
    const list = this.list();
    const remembered = list.find((s) => s.id === this.activeId);
    if (remembered) return remembered;
    const wanted = configured === '' ? undefined : canonicalStore(configured);
    return wanted === undefined ? undefined : list.find((s) => canonicalStore(s.store) === wanted);
  }

  /**
   * One-time migration (per user profile): when `ixhaus.store.path` names a store and no system has that store, a
   * system is made of it (kind Test: the old setting says nothing about the kind, and Test keeps today's behaviour
   * — no new confirmations; the user sets the kind in the Systeme view). The secrets keyed the old way (PostgreSQL
   * password by URL, SMTP secrets by store, CTI credentials) are copied to the new system's keys; the old ones are
   * kept, so that a window of an older version still works.
   * @returns the new system, or undefined when there was nothing to migrate or it ran before
   */
  async migrate(configured: string = this.configuredStore()): Promise<CustomerSystem | undefined> {
    if (this.context.globalState.get<boolean>(MIGRATED_STATE) === true) return undefined;
    const location =
      configured === ''
        ? undefined
        : (() => {
            try {
              return parseStoreLocation(configured);
            } catch {
              return undefined;
            }
          })();
    if (location === undefined) {
      // nothing (valid) to migrate: not marked as done, so that a setting fixed later is still migrated once
      return undefined;
    }
    const list = this.list();
    if (this.listError !== undefined) return undefined;
    let migrated: CustomerSystem | undefined;
    if (!list.some((s) => canonicalStore(s.store) === location.redacted)) {
      const base =
        location.kind === 'file'
          ? path.basename(location.path).replace(/\.(sqlite|db)$/i, '')
          : `${location.database}@${location.host}`;
      let name = base;
      for (let n = 2; list.some((s) => s.name.toLocaleLowerCase('de') === name.toLocaleLowerCase('de')); n++)
        name = `${base} ${n}`;
      migrated = { id: newSystemId(), name, customer: '', store: location.redacted, kind: 'Test' };
      await this.write([...list, migrated]);
      const copies: Array<[SystemSecretPurpose, string]> = [
        ['mail.password', `ixhaus.mail.password:${location.redacted}`],
        ['mail.clientSecret', `ixhaus.mail.clientSecret:${location.redacted}`],
        ['cti.amiSecret', AMI_SECRET_KEY],
        ['cti.tr064Password', TR064_SECRET_KEY],
      ];
      if (location.kind === 'postgres') copies.push(['store.password', storePasswordKey(location)]);
      for (const [purpose, legacy] of copies) {
        const value = await this.context.secrets.get(legacy);
        if (value !== undefined) await this.context.secrets.store(systemSecretKey(migrated.id, purpose), value);
      }
      this.logger.info(`[systems] migrated ixhaus.store.path into the system ${name} (kind Test)`);
    }
    await this.context.globalState.update(MIGRATED_STATE, true);
    return migrated;
  }

  /**
   * The part of the migration that needs the open store: the SFTP secrets of the store's license-server account
   * (keyed by account before issue 20) are copied to the migrated system's keys.
   */
  async copyLegacySftpSecrets(systemId: string, store: AsyncQueryable): Promise<void> {
    const settings = await loadSftpSettings(store);
    if (!settings) return;
    for (const what of ['password', 'privateKey', 'passphrase'] as const) {
      const value = await this.context.secrets.get(sftpSecretKey(settings, what));
      if (value !== undefined) await this.context.secrets.store(systemSecretKey(systemId, `sftp.${what}`), value);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}
