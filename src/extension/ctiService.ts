import * as vscode from 'vscode';
import { AMI_NO_HISTORY, AsteriskAmi } from '../core/cti/asteriskAmi';
import type { PartyMatch } from '../core/cti/callerLookup';
import { partyPhoneNumbers, rememberPick } from '../core/cti/callerLookup';
import { callRecordActions } from '../core/cti/callRecords';
import { DEFAULT_BLOCKED_CALL_MS } from '../core/cti/callOutcome';
import { ctiGate } from '../core/cti/ctiLine';
import { CtiSession } from '../core/cti/ctiSession';
import type { CallAlert } from '../core/cti/ctiSession';
import { FritzboxCallMonitor } from '../core/cti/fritzboxCallMonitor';
import type { PartyOrigin } from '../core/cti/phoneIndex';
import type { CtiProvider } from '../core/cti/provider';
import { CtiSimulator } from '../core/cti/simulator';
import type { Logger } from '../core/log';
import { partyRecord } from '../core/objects/objectQueries';
import { taggedLogger } from '../core/log';
import { CallStatusBar } from '../providers/cti/callStatusBar';
import type { Session } from './session';
import type { StoreHost } from './storeHost';
import { SerialQueue } from '../core/serialLifecycle';

/** Secret-storage key of the Asterisk AMI secret (never in settings, store or logs). */
export const AMI_SECRET_KEY = 'ixhaus.cti.amiSecret';
/** Secret-storage key of the Fritz!Box TR-064 password (dialling). */
export const TR064_SECRET_KEY = 'ixhaus.cti.tr064Password';

/** Configuration of the telephone system (`ixhaus.cti.*`). */
interface CtiConfig {
  readonly provider: 'simulator' | 'fritzbox' | 'asterisk';
  readonly host: string;
  readonly port: number | undefined;
  readonly amiUser: string;
  readonly tr064User: string;
  /** ms within which an unanswered call that ends counts as blocked (issue 16 §2) */
  readonly blockedCallMs: number;
}

function readConfig(): CtiConfig {
  const c = vscode.workspace.getConfiguration('ixhaus.cti');
  const port = c.get<number>('port', 0);
  const blocked = c.get<number>('blockedCallMs', DEFAULT_BLOCKED_CALL_MS);
  return {
    provider: c.get<CtiConfig['provider']>('provider', 'simulator'),
    host: c.get<string>('host', ''),
    port: port > 0 ? port : undefined,
    amiUser: c.get<string>('amiUser', ''),
    tr064User: c.get<string>('tr064User', ''),
    blockedCallMs: Number.isFinite(blocked) && blocked >= 0 ? Math.min(blocked, 10_000) : DEFAULT_BLOCKED_CALL_MS,
  };
}

/** Display label of a match's origin and field (German UI terms through l10n). */
export function originLabel(origin: PartyOrigin): string {
  return origin === 'person'
    ? vscode.l10n.t('Person')
    : origin === 'creditor'
      ? vscode.l10n.t('Creditor')
      : vscode.l10n.t('Owner');
}

export function fieldLabel(field: string): string {
  switch (field) {
    case 'private':
      return vscode.l10n.t('Phone (private)');
    case 'business':
      return vscode.l10n.t('Phone (business)');
    case 'mobile':
      return vscode.l10n.t('Mobile');
    default:
      return vscode.l10n.t('Fax');
  }
}

/**
 * The extension side of CTI (issue 9 §3–§6): runs the configured telephone system and the simulator for the
 * signed-in user while `PlusGlobalCTIKopplungAktiv` is on and the user has a CTI line; shows calls in the status
 * bar and as a notification "eingehender Anruf"; keeps the alerts for "open record" and the journal view fresh.
 */
export class CtiService implements vscode.Disposable {
  readonly statusBar = new CallStatusBar();
  readonly simulator = new CtiSimulator(['SIM/1', 'SIM/2']);
  private provider: CtiProvider | undefined;
  private sessions: CtiSession[] = [];
  private readonly alerts = new Map<string, CallAlert>();
  private readonly journalEmitter = new vscode.EventEmitter<void>();
  /** fires when the Anrufjournal changed */
  readonly onDidChangeJournal = this.journalEmitter.event;
  /** the last notification text shown and its actions (in-host tests) */
  lastNotification: string | undefined;
  lastActions: readonly string[] = [];
  /** the user's line while CTI is active */
  line: string | undefined;
  /** how many times CTI was (re)started */
  starts = 0;
  /** new-call alerts per call id (in-host tests count: one per call, whatever restarts happen) */
  readonly alertCounts = new Map<string, number>();
  private readonly log: Logger;
  /**
   * Start/stop run one after another (DESIGN.md §4b, issue 16 §5): sign-in, a store change and a settings change
   * may all ask at once; each waits for the one before, and decides on the state that one left.
   */
  private readonly lifecycle = new SerialQueue();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly storeHost: StoreHost,
    private readonly session: Session,
    logger: Logger,
    /** the key of a secret of the active system (issue 20), given today's key; by default today's key */
    readonly secretKeyOf: (purpose: 'cti.amiSecret' | 'cti.tr064Password', legacyKey: string) => string = (
      _purpose,
      legacyKey,
    ) => legacyKey,
  ) {
    this.log = taggedLogger(logger, 'cti');
  }

  /** The most recent alert of a call, or the newest alert when `callId` is undefined. */
  alert(callId?: string): CallAlert | undefined {
    if (callId) return this.alerts.get(callId);
    return [...this.alerts.values()].pop();
  }

  /** Whether CTI runs for the signed-in user. */
  get active(): boolean {
    return this.sessions.length > 0;
  }

  /** The session that dials: the configured telephone system, else the simulator. */
  get dialSession(): CtiSession | undefined {
    return this.sessions[0];
  }

  /** How many sessions listen to the simulator (one while CTI is active; two would alert every call twice). */
  get simulatorSessions(): number {
    return this.sessions.filter((s) => s.provider === this.simulator).length;
  }

  /** The simulator's session (for "Anruf simulieren…" and the CTI-Test). */
  get simulatorSession(): CtiSession | undefined {
    return this.sessions.find((s) => s.provider === this.simulator);
  }

  /** Runs `step` after every start/stop asked for before it (errors are logged, the chain goes on). */
  private serial(step: () => Promise<void>): Promise<void> {
    return this.lifecycle
      .run(step)
      .catch((error: unknown) =>
        this.log.error(`CTI start/stop: ${error instanceof Error ? error.message : String(error)}`),
      );
  }

  /** Restarts only when the gate (CTI on, user's line) changed — after any data change; waits for a running restart. */
  refreshGate(): Promise<void> {
    return this.serial(async () => {
      const store = this.storeHost.db;
      const actor = this.session.actor;
      const gate = store && actor ? await ctiGate(store, actor.id) : { active: false, line: undefined };
      if (gate.active !== this.active || (gate.active && gate.line !== this.line)) await this.startNow();
    });
  }

  /** (Re)starts or stops CTI after sign-in/out, a store change or a settings change (serialised). */
  restart(): Promise<void> {
    return this.serial(() => this.startNow());
  }

  /** Lines and extensions the telephone system named recently (Meine Daten), the real PBX before the simulator. */
  recentLines(): Array<{ name: string; at: Date; simulated: boolean }> {
    return this.sessions.flatMap((s) => s.linesSeen().map((l) => ({ ...l, simulated: s.provider === this.simulator })));
  }

  private async startNow(): Promise<void> {
    await this.stopNow();
    const store = this.storeHost.db;
    const actor = this.session.actor;
    if (!store || !actor) return;
    const gate = await ctiGate(store, actor.id);
    if (!gate.active) {
      this.log.debug(`inactive (${gate.reason ?? ''})`);
      return;
    }
    const config = readConfig();
    const providers: CtiProvider[] = [];
    if (config.provider === 'fritzbox' && config.host) {
      const password = config.tr064User
        ? await this.context.secrets.get(this.secretKeyOf('cti.tr064Password', TR064_SECRET_KEY))
        : undefined;
      const tr064 = config.tr064User && password !== undefined ? { username: config.tr064User, password } : undefined;
      providers.push(new FritzboxCallMonitor({ host: config.host, port: config.port, log: this.log, tr064 }));
    }
    if (config.provider === 'asterisk' && config.host) {
      const secret = await this.context.secrets.get(this.secretKeyOf('cti.amiSecret', AMI_SECRET_KEY));
      if (secret === undefined || config.amiUser === '') {
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'Asterisk needs an AMI user (setting ixhaus.cti.amiUser) and its secret: run "Store CTI Credentials…".',
          ),
        );
      } else
        providers.push(
          new AsteriskAmi({ host: config.host, port: config.port, username: config.amiUser, secret, log: this.log }),
        );
    }
    providers.push(this.simulator);
    const name = providers[0]?.kind ?? 'simulator';
    const sessions: CtiSession[] = [];
    for (const provider of providers) {
      // the simulator rings the user's own line; a real PBX only alerts for calls on it
      const ctiSession = await CtiSession.create(store, provider, {
        userId: actor.id,
        line: provider === this.simulator ? undefined : gate.line,
        log: this.log,
        journal: !store.readOnly,
        blockedCallMs: config.blockedCallMs,
      });
      ctiSession.onAlert((alert) => this.onAlert(alert));
      ctiSession.onCall((event) => {
        if (event.kind === 'ended' || event.kind === 'missed') this.statusBar.endCall(event.callId, name);
      });
      ctiSession.onJournalChanged(() => {
        this.journalEmitter.fire();
      });
      sessions.push(ctiSession);
    }
    // published only now, complete: nothing saw a half-started CTI while the secrets were read
    this.sessions = sessions;
    this.line = gate.line;
    this.starts++;
    if (config.provider === 'asterisk') this.log.info(AMI_NO_HISTORY);
    this.provider = providers[0];
    this.provider?.onStatus((status) => this.statusBar.setConnection(status, name));
    for (const provider of providers)
      void provider
        .connect()
        .catch((error: unknown) => this.log.error(error instanceof Error ? error.message : String(error)));
    this.statusBar.setConnection(this.provider?.status() ?? 'disconnected', name);
  }

  private onAlert(alert: CallAlert): void {
    if (alert.kind === 'new') {
      this.alertCounts.set(alert.event.callId, (this.alertCounts.get(alert.event.callId) ?? 0) + 1);
      if (this.alertCounts.size > 200) this.alertCounts.delete(this.alertCounts.keys().next().value as string);
    }
    this.alerts.set(alert.event.callId, alert);
    if (this.alerts.size > 50) this.alerts.delete(this.alerts.keys().next().value as string);
    this.statusBar.showCall(alert);
    void this.notify(alert);
  }

  private matchesText(alert: CallAlert): string {
    const l = alert.lookup;
    if (l.outcome === 'matched')
      return l.matches.map((m) => `${m.name} (${originLabel(m.origin)}, ${fieldLabel(m.field)})`).join('; ');
    if (l.outcome === 'internal') return l.users.map((u) => u.name).join('; ') || vscode.l10n.t('internal extension');
    if (l.outcome === 'suppressed') return vscode.l10n.t('Number withheld');
    return vscode.l10n.t('unknown caller');
  }

  /** The notification "eingehender Anruf" with number, time and matches, and its actions. */
  private async notify(alert: CallAlert): Promise<void> {
    const number = alert.event.remote || vscode.l10n.t('Number withheld');
    const text = vscode.l10n.t(
      'Incoming call: {0} at {1} — {2}',
      number,
      alert.event.at.toLocaleTimeString(),
      this.matchesText(alert),
    );
    this.lastNotification = text;
    const open = vscode.l10n.t('Open Record');
    const choose = vscode.l10n.t('Choose Match…');
    const home = vscode.l10n.t('Start Page');
    const meldung = vscode.l10n.t('Create Meldung');
    const auftrag = vscode.l10n.t('Create Auftrag');
    const matched = alert.lookup.outcome === 'matched' ? alert.lookup : undefined;
    const store = this.storeHost.db;
    const actor = this.session.actor;
    // "Meldung/Auftrag anlegen" only where licensed and allowed (domain.md §5); core checks again when creating
    const allowed =
      store && actor && !store.readOnly ? await callRecordActions(store, actor.id) : { meldung: false, auftrag: false };
    const actions = [
      ...(matched ? [matched.matches.length > 1 && !matched.picked ? choose : open] : []),
      ...(allowed.meldung ? [meldung] : []),
      ...(allowed.auftrag ? [auftrag] : []),
      home,
    ];
    this.lastActions = actions;
    const action = await vscode.window.showInformationMessage(text, ...actions);
    if (action === open || action === choose) await this.openRecord(alert);
    else if (action === meldung)
      await vscode.commands.executeCommand('ixhaus.cti.createMeldung', { callId: alert.event.callId });
    else if (action === auftrag)
      await vscode.commands.executeCommand('ixhaus.cti.createAuftrag', { callId: alert.event.callId });
    else if (action === home) await vscode.commands.executeCommand('workbench.view.extension.ixhaus');
  }

  /** Opens the record of a call's match; several matches → quick pick with origin and field (remembered). */
  async openRecord(alert: CallAlert | undefined, pickIndex?: number): Promise<PartyMatch | undefined> {
    const lookup = alert?.lookup;
    if (!lookup || lookup.outcome !== 'matched') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('This caller has no record in Personen, Kreditoren or Eigentümer.'),
      );
      return undefined;
    }
    let match: PartyMatch | undefined = lookup.picked ?? (lookup.matches.length === 1 ? lookup.matches[0] : undefined);
    if (pickIndex !== undefined) match = lookup.matches[pickIndex];
    if (!match) {
      const picked = await vscode.window.showQuickPick(
        lookup.matches.map((m) => ({
          label: m.name,
          description: `${originLabel(m.origin)} ${m.partyNo}`,
          detail: `${fieldLabel(m.field)}: ${m.raw}`,
          match: m,
        })),
        { title: vscode.l10n.t('Several records have the number {0}', lookup.e164) },
      );
      match = picked?.match;
      if (!match) return undefined;
    }
    const store = this.storeHost.db;
    const actor = this.session.actor;
    if (lookup.matches.length > 1 && store && actor && !store.readOnly)
      await rememberPick(store, actor.id, lookup.e164, match);
    await openPartyDocument(match.origin, match.partyId);
    return match;
  }

  /** Stops CTI (serialised with starts). */
  stop(): Promise<void> {
    return this.serial(() => this.stopNow());
  }

  private async stopNow(): Promise<void> {
    const sessions = this.sessions;
    this.sessions = [];
    for (const s of sessions) {
      await s.stop();
      await s.provider.disconnect();
    }
    this.provider = undefined;
    this.line = undefined;
    this.statusBar.hide();
  }

  dispose(): void {
    void this.stop();
    this.statusBar.dispose();
    this.journalEmitter.dispose();
  }
}

/** URI scheme of the read-only record detail ("Personen plus / Kreditoren plus" detail, issue 9 §3). */
export const PARTY_SCHEME = 'ixhaus-party';

/** Opens the read-only detail of a party. */
export async function openPartyDocument(origin: PartyOrigin, partyId: number): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(
    vscode.Uri.from({ scheme: PARTY_SCHEME, path: `/${origin}/${partyId}.md` }),
  );
  return vscode.window.showTextDocument(doc, { preview: true });
}

/** Renders a party's detail (name, number, address, e-mail, phone numbers with their E.164) as Markdown text. */
export class PartyDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly storeHost: StoreHost) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const match = /^\/(person|creditor|owner)\/(\d+)\.md$/.exec(uri.path);
    const store = this.storeHost.db;
    if (!match?.[1] || !match[2] || !store) return '';
    const origin = match[1] as PartyOrigin;
    const id = Number(match[2]);
    const row = await partyRecord(store, origin, id);
    if (!row) return vscode.l10n.t('The record no longer exists.');
    const lines = [`# ${row.name}`, '', `${originLabel(origin)} ${row.no}${row.extra ? ` · ${row.extra}` : ''}`, ''];
    if (row.address) lines.push(`- ${vscode.l10n.t('Address')}: ${row.address}`);
    if (row.email) lines.push(`- E-Mail: ${row.email}`);
    for (const n of await partyPhoneNumbers(store, origin, id))
      lines.push(`- ${fieldLabel(n.field)}: ${n.raw}${n.e164 ? ` (${n.e164})` : ''}`);
    lines.push('', vscode.l10n.t('Read-only. "Call…" in the editor title dials one of these numbers.'));
    return `${lines.join('\n')}\n`;
  }
}
