import * as vscode from 'vscode';
import { partyOfNode } from '../../providers/tree/objectsTree';
import { listObjects, objectCreditors } from '../../core/objects/objectQueries';
import { partyPhoneNumbers } from '../../core/cti/callerLookup';
import { callerObjects, createAuftragFromCall, createMeldungFromCall } from '../../core/cti/callRecords';
import type { PartyOrigin } from '../../core/cti/phoneIndex';
import { setJournalNote } from '../../core/cti/callJournal';
import { ctiGate } from '../../core/cti/ctiLine';
import { journalEntryOf } from '../../providers/cti/callJournalTree';
import { fieldLabel, PARTY_SCHEME } from '../ctiService';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { scriptedArgs } from '../scriptedArgs';

/** True when CTI may be used by the signed-in user (CTI on, a line chosen); else says why and returns false. */
export async function requireActive(services: Services): Promise<boolean> {
  const { store, actor } = requireSignedIn(services);
  const gate = await ctiGate(store, actor.id);
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
  if (!(await requireActive(services))) return;
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
  if (!(await requireActive(services))) return;
  if (!services.cti.active) await services.cti.restart();
  const session = services.cti.dialSession;
  if (!session) return;
  const result = await session.dial(number);
  if (result.outcome.kind === 'uri') await vscode.env.openExternal(vscode.Uri.parse(result.outcome.uri));
  else
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Calling {0} — your phone rings first.', result.dialString),
    );
}

/**
 * "Anrufen": from a record's detail (its numbers, exactly one pick), from `{ origin, partyId }` or `{ number }`.
 */
export async function dialCommand(services: Services, arg?: unknown): Promise<void> {
  const store = services.storeHost.db;
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
  const numbers = await partyPhoneNumbers(store, origin, partyId);
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

/** Args of "Meldung anlegen" / "Auftrag anlegen": the call, and optionally everything the prompts would ask. */
interface CreateArgs {
  readonly callId?: string;
  readonly pick?: number;
  readonly objectId?: number;
  readonly creditorId?: number;
  readonly subject?: string;
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
  await setJournalNote(store, actor.id, id, note);
  services.refreshViews();
}

async function createFromCall(services: Services, kind: 'meldung' | 'auftrag', arg?: unknown): Promise<void> {
  const store = services.storeHost.db;
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
    const own = await callerObjects(store, reporter);
    const candidates = own.length > 0 ? own : (await listObjects(store)).slice(0, 1000);
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
    const made = await createMeldungFromCall(store, actor, { reporter, objectId, subject });
    void vscode.window.showInformationMessage(vscode.l10n.t('Meldung {0} created.', made.meldungNo));
    return;
  }
  let creditorId = a.creditorId ?? (reporter?.origin === 'creditor' ? reporter.partyId : undefined);
  if (creditorId === undefined) {
    const creditors = await objectCreditors(store, objectId);
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
  const made = await createAuftragFromCall(store, actor, { reporter, objectId, creditorId, subject });
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
