import * as vscode from 'vscode';
import { partyOfNode } from '../../providers/tree/objectsTree';
import { listObjects, objectCreditors } from '../../core/objects/objectQueries';
import { partyPhoneNumbers } from '../../core/cti/callerLookup';
import { callerObjects, createAuftragFromCall, createMeldungFromCall } from '../../core/cti/callRecords';
import type { PartyOrigin } from '../../core/cti/phoneIndex';
import { ctiGate, setJournalNote } from '../../core/cti/ctiSession';
import { ownAreaCode, phoneNumberCount, setOwnAreaCode } from '../../core/cti/phoneIndex';
import { AreaCodeError, canonicalAreaCode } from '../../core/cti/phoneNumber';
import { journalEntryOf } from '../../providers/cti/callJournalTree';
import { AMI_SECRET_KEY, fieldLabel, PARTY_SCHEME, TR064_SECRET_KEY } from '../ctiService';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { scriptedArgs } from '../scriptedArgs';

function requireActive(services: Services): boolean {
  const { store, actor } = requireSignedIn(services);
  const gate = ctiGate(store, actor.id);
  if (gate.reason === 'off')
    void vscode.window.showWarningMessage(
      vscode.l10n.t('CTI is switched off: an administrator turns on the system setting PlusGlobalCTIKopplungAktiv.'),
    );
  else if (gate.reason === 'no-line')
    void vscode.window.showWarningMessage(
      vscode.l10n.t('You have not chosen a CTI line yet: choose it under Meine Daten (CTI-Kopplung).'),
    );
  return gate.active;
}

/** "Anruf simulieren…": rings the simulator on the user's line. Args `{ number }` skip the prompt (tests). */
export async function simulateCallCommand(services: Services, arg?: unknown): Promise<void> {
  if (!requireActive(services)) return;
  if (!services.cti.active) await services.cti.restart();
  const given = (arg as { number?: string } | undefined)?.number;
  const number =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Simulate Call'),
      prompt: vscode.l10n.t('Caller number (empty = number withheld)'),
      value: '030 6667777',
    }));
  if (number === undefined) return;
  services.cti.simulator.ring(number, 'SIM/1');
}

/** Opens the record of the current (or a given) call's caller. */
export async function openCallerRecordCommand(services: Services, arg?: unknown): Promise<void> {
  const a = (arg ?? {}) as { callId?: string; pick?: number };
  await services.cti.openRecord(services.cti.alert(a.callId), a.pick);
}

/** Dials `number` through the user's telephone system; a Fritz!Box without TR-064 opens a `tel:` URI. */
async function dialNumber(services: Services, number: string): Promise<void> {
  if (!requireActive(services)) return;
  if (!services.cti.active) await services.cti.restart();
  const session = services.cti.dialSession;
  if (!session) return;
  const result = await session.dial(number);
  if (result.outcome.kind === 'uri') await vscode.env.openExternal(vscode.Uri.parse(result.outcome.uri));
  else
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Calling {0} — your phone rings first.', result.dialString),
    );
  services.storeHost.store?.scheduleSave();
}

/**
 * "Anrufen": from a record's detail (its numbers, exactly one pick), from `{ origin, partyId }` or `{ number }`.
 */
export async function dialCommand(services: Services, arg?: unknown): Promise<void> {
  const store = services.storeHost.store;
  if (!store) return;
  let origin: PartyOrigin | undefined;
  let partyId: number | undefined;
  const a = arg as
    { number?: string; origin?: PartyOrigin; partyId?: number; scheme?: string; path?: string } | undefined;
  if (a?.number) return dialNumber(services, a.number);
  const fromTree = partyOfNode(arg);
  if (fromTree) {
    origin = fromTree.origin;
    partyId = fromTree.partyId;
  } else if (arg instanceof vscode.Uri && arg.scheme === PARTY_SCHEME) {
    const m = /^\/(person|creditor|owner)\/(\d+)\.md$/.exec(arg.path);
    origin = m?.[1] as PartyOrigin | undefined;
    partyId = m?.[2] ? Number(m[2]) : undefined;
  } else if (a?.origin && a.partyId !== undefined) {
    origin = a.origin;
    partyId = a.partyId;
  }
  if (!origin || partyId === undefined) {
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Call'),
      prompt: vscode.l10n.t('Number to call'),
    });
    if (typed) await dialNumber(services, typed);
    return;
  }
  const numbers = partyPhoneNumbers(store, origin, partyId);
  if (numbers.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This record has no phone number.'));
    return;
  }
  const picked =
    numbers.length === 1
      ? numbers[0]
      : (
          await vscode.window.showQuickPick(
            numbers.map((n) => ({ label: n.raw, description: fieldLabel(n.field), n })),
            { title: vscode.l10n.t('Call which number?') },
          )
        )?.n;
  if (picked) await dialNumber(services, picked.raw);
}

/** "Zurückrufen" on a journal entry. */
export async function callBackCommand(services: Services, arg?: unknown): Promise<void> {
  // the node carries the journal row it shows: no lookup by a parsed id
  const number = journalEntryOf(arg)?.remoteNumber;
  if (typeof number !== 'string') {
    void vscode.window.showInformationMessage(vscode.l10n.t('This call has no number to call back.'));
    return;
  }
  await dialNumber(services, number);
  services.refreshViews();
}

/**
 * "Eigene Ortsvorwahl festlegen…" (issue 16; like `cti area-code`): administrators set the own area code that local
 * numbers without one are read in; the number index is rebuilt with a progress notification, then saved. Args
 * `{ areaCode }` skip the prompt in the test extension mode only. Returns how many numbers were indexed, or undefined when cancelled.
 */
export async function setAreaCodeCommand(services: Services, arg?: unknown): Promise<number | undefined> {
  const { store, actor } = requireSignedIn(services);
  const current = ownAreaCode(store);
  const given = (scriptedArgs(services.context, arg) as { areaCode?: string } | undefined)?.areaCode;
  const value =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Own Area Code (Ortsvorwahl)'),
      prompt: vscode.l10n.t('Area code that local numbers without one are read in, e.g. 030 (empty: none)'),
      value: current ? `0${current}` : '',
      validateInput: (text) => {
        try {
          canonicalAreaCode(text);
          return undefined;
        } catch (error) {
          return error instanceof AreaCodeError
            ? vscode.l10n.t('Give the area code as 2 to 5 digits, e.g. 030 or 0221.')
            : String(error);
        }
      },
    }));
  if (value === undefined) return undefined;
  const count = phoneNumberCount(store);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Rebuilding the phone number index ({0} numbers)…', count),
    },
    async (progress) => {
      progress.report({
        message:
          value.trim() === ''
            ? vscode.l10n.t('own area code cleared')
            : vscode.l10n.t('own area code {0}', value.trim()),
      });
      // let the notification paint before the index is rebuilt in one transaction
      await new Promise((resolve) => setTimeout(resolve, 0));
      const r = setOwnAreaCode(store, actor, value);
      progress.report({ increment: 100 });
      await store.save();
      return r;
    },
  );
  void vscode.window.showInformationMessage(
    result.areaCode
      ? vscode.l10n.t('Own area code 0{0} set; {1} numbers indexed.', result.areaCode, result.indexed)
      : vscode.l10n.t('Own area code cleared; {0} numbers indexed.', result.indexed),
  );
  services.refreshViews();
  return result.indexed;
}

/**
 * "Notiz zum Anruf…" on an Anrufjournal entry. Test-mode arguments `{ id, note }` (journal row id) skip the prompt.
 */
export async function editCallNoteCommand(services: Services, arg?: unknown): Promise<void> {
  const { store, actor } = requireSignedIn(services);
  const entry = journalEntryOf(arg);
  const scripted = entry
    ? undefined
    : (scriptedArgs(services.context, arg) as { id?: number; note?: string } | undefined);
  const id = entry?.id ?? scripted?.id;
  if (typeof id !== 'number') return;
  const note =
    scripted?.note ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Note on the Call'),
      prompt: vscode.l10n.t('At most 500 characters; empty removes the note'),
      value: entry?.note ?? '',
      validateInput: (t) => (t.trim().length > 500 ? vscode.l10n.t('At most 500 characters.') : undefined),
    }));
  if (note === undefined) return;
  setJournalNote(store, actor.id, id, note);
  store.scheduleSave();
  services.refreshViews();
}

/**
 * Stores the Asterisk AMI secret or the Fritz!Box TR-064 password (per `ixhaus.cti.provider`) in VS Code's secret
 * storage — never in settings, the store or a log. Empty input removes it.
 */
export async function setCredentialsCommand(services: Services): Promise<void> {
  const fritz = vscode.workspace.getConfiguration('ixhaus.cti').get<string>('provider') === 'fritzbox';
  const prompt = fritz
    ? vscode.l10n.t("Password of the Fritz!Box user for dialling (TR-064); kept in VS Code's secret storage")
    : vscode.l10n.t("Secret of the Asterisk AMI user (manager.conf); kept in VS Code's secret storage");
  const secret = await vscode.window.showInputBox({
    title: vscode.l10n.t('Store CTI Credentials'),
    prompt,
    password: true,
    ignoreFocusOut: true,
  });
  if (secret === undefined) return;
  const key = fritz ? TR064_SECRET_KEY : AMI_SECRET_KEY;
  if (secret === '') await services.context.secrets.delete(key);
  else await services.context.secrets.store(key, secret);
  await services.cti.restart();
}

/** The messages of the original CTI-Test tool (domain.md §5). */
const SUCCESS = 'CTI-Test erfolgreich abgeschlossen!';
const FAILURE = 'CTI-Test leider nicht erfolgreich, kontaktieren Sie Ihren Administrator.';

/**
 * "CTI-Test" (issue 9 §5): choose a line (warn when there are none or several), "Überwachung starten", get
 * called or "Anwählen", "Überwachung beenden"; the log goes to the output channel "iX-Haus CTI-Test" with the
 * original tool's messages and a verdict. Args `{ line, mode: 'simulate' | 'dial', number }` skip the prompts.
 * Returns true on success.
 */
export async function ctiTestCommand(services: Services, arg?: unknown): Promise<boolean> {
  const a = (arg ?? {}) as { line?: string; mode?: 'simulate' | 'dial' | 'wait'; number?: string; timeoutMs?: number };
  const out = (services.ctiTestChannel ??= vscode.window.createOutputChannel('iX-Haus CTI-Test'));
  const log = (text: string): void => out.appendLine(`${new Date().toLocaleTimeString()}  ${text}`);
  out.show(true);
  log(vscode.l10n.t('CTI-Test started.'));
  const verdict = (ok: boolean): boolean => {
    log(ok ? SUCCESS : FAILURE);
    log(vscode.l10n.t('Stop monitoring'));
    return ok;
  };
  // the CTI test reports "not configured" in its log instead of failing the command when nobody is signed in
  if (!services.storeHost.store || !services.session.actor || !requireActive(services)) {
    log('TAPI Treiber nicht installiert oder nicht konfiguriert.');
    return verdict(false);
  }
  if (!services.cti.active) await services.cti.restart();
  const dial = services.cti.dialSession;
  if (!dial) return verdict(false);
  const lines = [...new Set([services.cti.line ?? '', ...dial.provider.lines()].filter((l) => l !== ''))];
  log(vscode.l10n.t('Telephone system: {0}; lines: {1}', dial.provider.kind, lines.join(', ') || '–'));
  if (lines.length === 0) {
    log(vscode.l10n.t('No line is offered: the administrator must clarify which line is coupled.'));
    return verdict(false);
  }
  let line = a.line ?? (lines.length === 1 ? lines[0] : undefined);
  if (!line) {
    log(vscode.l10n.t('Several lines are offered: the administrator must clarify which line is coupled.'));
    line = await vscode.window.showQuickPick(lines, { title: vscode.l10n.t('Phone line') });
    if (!line) return verdict(false);
  }
  log(`${vscode.l10n.t('Phone line')}: ${line}`);
  log(vscode.l10n.t('Start monitoring'));
  if (dial.provider.status() !== 'connected') await dial.provider.connect();
  log(vscode.l10n.t('Connection: {0}', dial.provider.status()));
  if (dial.provider.status() !== 'connected') return verdict(false);
  const mode =
    a.mode ??
    (
      await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Wait for a call'), mode: 'wait' as const },
          { label: vscode.l10n.t('Dial'), mode: 'dial' as const },
        ],
        { title: vscode.l10n.t('CTI Test') },
      )
    )?.mode;
  if (!mode) return verdict(false);
  if (mode === 'dial') {
    const number =
      a.number ??
      (await vscode.window.showInputBox({ title: vscode.l10n.t('Dial'), prompt: vscode.l10n.t('Number to call') }));
    if (!number) return verdict(false);
    try {
      const result = await dial.dial(number);
      log(
        vscode.l10n.t(
          'Dialled {0}: {1}',
          result.dialString,
          result.outcome.kind === 'placed' ? result.outcome.reference : result.outcome.uri,
        ),
      );
      if (result.outcome.kind === 'uri') await vscode.env.openExternal(vscode.Uri.parse(result.outcome.uri));
      return verdict(true);
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      return verdict(false);
    }
  }
  log(vscode.l10n.t('Call the line {0} now, or have it called.', line));
  const watched = mode === 'simulate' ? (services.cti.simulatorSession ?? dial) : dial;
  const rang = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), a.timeoutMs ?? 60_000);
    const off = watched.onCall((event) => {
      if (event.kind === 'ringing') {
        clearTimeout(timer);
        off();
        log(vscode.l10n.t('Call received from {0}.', event.remote || vscode.l10n.t('Number withheld')));
        resolve(true);
      }
    });
  });
  if (mode === 'simulate') services.cti.simulator.ring(a.number ?? '030 6667777', line);
  return verdict(await rang);
}

/** Args of "Meldung anlegen" / "Auftrag anlegen": the call, and optionally everything the prompts would ask. */
interface CreateArgs {
  readonly callId?: string;
  readonly pick?: number;
  readonly objectId?: number;
  readonly creditorId?: number;
  readonly subject?: string;
}

async function createFromCall(services: Services, kind: 'meldung' | 'auftrag', arg?: unknown): Promise<void> {
  const store = services.storeHost.store;
  const actor = services.session.actor;
  if (!store || !actor) return;
  const a = (arg ?? {}) as CreateArgs;
  const alert = services.cti.alert(a.callId);
  const lookup = alert?.lookup;
  let match =
    lookup?.outcome === 'matched'
      ? a.pick !== undefined
        ? lookup.matches[a.pick]
        : (lookup.picked ?? (lookup.matches.length === 1 ? lookup.matches[0] : undefined))
      : undefined;
  if (!match && lookup?.outcome === 'matched') match = await services.cti.openRecord(alert);
  const reporter =
    match && alert ? { origin: match.origin, partyId: match.partyId, phone: alert.event.remote } : undefined;
  let objectId = a.objectId;
  if (objectId === undefined) {
    const own = callerObjects(store, reporter);
    const candidates = own.length > 0 ? own : listObjects(store).slice(0, 1000);
    objectId =
      own.length === 1
        ? own[0]?.id
        : (
            await vscode.window.showQuickPick(
              candidates.map((o) => ({ label: `${o.objectNo} ${o.name}`, id: o.id })),
              { title: vscode.l10n.t('Object (Objekt) of the new record') },
            )
          )?.id;
    if (objectId === undefined) return;
  }
  const who = match?.name ?? (alert?.event.remote || vscode.l10n.t('Number withheld'));
  const subject =
    a.subject ??
    (await vscode.window.showInputBox({
      title: kind === 'meldung' ? vscode.l10n.t('Create Meldung') : vscode.l10n.t('Create Auftrag'),
      prompt: vscode.l10n.t('Subject (Betreff)'),
      value: vscode.l10n.t('Call from {0}', who),
    }));
  if (subject === undefined) return;
  if (kind === 'meldung') {
    const made = createMeldungFromCall(store, actor, { reporter, objectId, subject });
    await store.save();
    void vscode.window.showInformationMessage(vscode.l10n.t('Meldung {0} created.', made.meldungNo));
    return;
  }
  let creditorId = a.creditorId ?? (reporter?.origin === 'creditor' ? reporter.partyId : undefined);
  if (creditorId === undefined) {
    const creditors = objectCreditors(store, objectId);
    creditorId = (
      await vscode.window.showQuickPick(
        creditors.map((c) => ({
          label: c.name,
          description: `${c.creditorNo}${c.trade ? ` · ${c.trade}` : ''}`,
          id: c.id,
        })),
        { title: vscode.l10n.t('Contractor (Kreditor) of the Auftrag') },
      )
    )?.id;
    if (creditorId === undefined) return;
  }
  const made = createAuftragFromCall(store, actor, { reporter, objectId, creditorId, subject });
  await store.save();
  void vscode.window.showInformationMessage(vscode.l10n.t('Auftrag {0} created.', made.auftragNo));
}

/** "Meldung anlegen" for a call (only when the user may use Meldungen; enforced in core). */
export function createMeldungCommand(services: Services, arg?: unknown): Promise<void> {
  return createFromCall(services, 'meldung', arg);
}

/** "Auftrag anlegen" for a call (only when the user may use Aufträge; enforced in core). */
export function createAuftragCommand(services: Services, arg?: unknown): Promise<void> {
  return createFromCall(services, 'auftrag', arg);
}
