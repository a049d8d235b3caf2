/**
 * "Meldung anlegen" / "Auftrag anlegen" from an incoming call (domain.md §5 "Incoming", product.md §7): only when
 * the user may use the module (licensed, unlocked, program rights — {@link canAccess}); prefilled with the caller
 * as reporter (Meldertyp) and the caller's object where the record has one.
 */
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { insertId, scalar } from '../store/asyncQueries';
import { IxError, msg } from '../errors';
import { canAccess } from '../users/programRights';
import type { Actor } from '../access/rights';
import type { PartyOrigin } from './phoneIndex';

/** Which "create" actions the user has for calls. */
export async function callRecordActions(
  store: AsyncQueryable,
  userId: number,
  now: Date = new Date(),
): Promise<{ meldung: boolean; auftrag: boolean }> {
  return {
    meldung: (await canAccess(store, userId, 'MELDUNGEN', undefined, now)).allowed,
    auftrag: (await canAccess(store, userId, 'AUFTRAEGE', undefined, now)).allowed,
  };
}

/** The caller of a record to create. */
export interface CallReporter {
  readonly origin: PartyOrigin;
  readonly partyId: number;
  readonly phone: string;
}

/** The objects a caller belongs to (person: its object; owner: owned objects; creditor: objects it serves), first = default. */
export async function callerObjects(
  store: AsyncQueryable,
  reporter: CallReporter | undefined,
): Promise<{ id: number; objectNo: number; name: string }[]> {
  if (!reporter) return [];
  const sql =
    reporter.origin === 'person'
      ? 'SELECT o.id, o.object_no, o.name FROM persons p JOIN objects o ON o.id = p.object_id WHERE p.id = ?'
      : reporter.origin === 'owner'
        ? 'SELECT o.id, o.object_no, o.name FROM object_owners x JOIN objects o ON o.id = x.object_id WHERE x.owner_id = ? ORDER BY o.object_no'
        : 'SELECT o.id, o.object_no, o.name FROM object_creditors x JOIN objects o ON o.id = x.object_id WHERE x.creditor_id = ? ORDER BY o.object_no';
  return (await store.query<{ id: number; object_no: number; name: string }>(sql, [reporter.partyId])).map((r) => ({
    id: r.id,
    objectNo: r.object_no,
    name: r.name,
  }));
}

/** The module is not available to the user. */
export class CallRecordAccessError extends IxError {
  constructor(module: string, reason: string) {
    super(
      'E_CTI_RECORD_ACCESS',
      msg(
        'You cannot create a record in {0} ({1}): the module must be licensed, unlocked for you and allowed for your rights class.',
      ),
      [module, reason],
    );
  }
}

function requireText(value: string, what: string): string {
  const text = value.trim();
  if (text === '' || text.length > 200)
    throw new IxError('E_CTI_RECORD_TEXT', msg('The {0} must have 1 to 200 characters.'), [what]);
  return text;
}

async function requireObject(store: AsyncQueryable, objectId: number | undefined): Promise<number> {
  if (objectId === undefined || (await scalar(store, 'SELECT 1 FROM objects WHERE id = ?', [objectId])) === undefined) {
    throw new IxError('E_CTI_RECORD_OBJECT', msg('Choose the object (Objekt) the record belongs to: it is mandatory.'));
  }
  return objectId;
}

async function audit(
  store: AsyncQueryable,
  actor: Actor,
  action: string,
  entity: string,
  key: number,
  value: object,
  now: Date,
): Promise<void> {
  await store.run(
    'INSERT INTO audit_log (at, user_id, action, entity, entity_key, new_value) VALUES (?, ?, ?, ?, ?, ?)',
    [now.toISOString(), actor.id, action, entity, String(key), JSON.stringify(value)],
  );
}

/**
 * Creates a Meldung (status offen) for a call: Betreff and Objekt are mandatory (domain.md §7), the caller becomes
 * the reporter. One transaction with its audit row; the caller saves the store.
 * @throws CallRecordAccessError, IxError (no object, empty subject)
 */
export async function createMeldungFromCall(
  store: AsyncStore,
  actor: Actor,
  input: { reporter?: CallReporter; objectId?: number; subject: string; kind?: string },
  now: Date = new Date(),
): Promise<{ id: number; meldungNo: number }> {
  const access = await canAccess(store, actor.id, 'MELDUNGEN', undefined, now);
  if (!access.allowed) throw new CallRecordAccessError('Meldungen', access.reason);
  const subject = requireText(input.subject, 'subject (Betreff)');
  const objectId = await requireObject(store, input.objectId);
  return await store.transaction(async (tx) => {
    const meldungNo = Number(await scalar(tx, 'SELECT coalesce(max(meldung_no), 0) + 1 FROM meldungen'));
    const id = await insertId(
      tx,
      "INSERT INTO meldungen (meldung_no, object_id, subject, kind, priority, status, reported_at, reporter_kind, reporter_id, reporter_phone) VALUES (?, ?, ?, ?, 'normal', 'offen', ?, ?, ?, ?) RETURNING id",
      [
        meldungNo,
        objectId,
        subject,
        input.kind ?? 'Telefonat',
        now.toISOString(),
        input.reporter?.origin ?? null,
        input.reporter?.partyId ?? null,
        input.reporter?.phone ?? null,
      ],
    );
    await audit(
      tx,
      actor,
      'cti.meldung',
      'meldungen',
      meldungNo,
      { subject, objectId, reporter: input.reporter ?? null },
      now,
    );
    return { id, meldungNo };
  });
}

/**
 * Creates an Auftrag (status Neu) for a call: the contractor (Kreditor) is the caller when the caller is a
 * creditor, else `creditorId`. @throws CallRecordAccessError, IxError (no object/creditor, empty subject)
 */
export async function createAuftragFromCall(
  store: AsyncStore,
  actor: Actor,
  input: { reporter?: CallReporter; objectId?: number; creditorId?: number; subject: string },
  now: Date = new Date(),
): Promise<{ id: number; auftragNo: number }> {
  const access = await canAccess(store, actor.id, 'AUFTRAEGE', undefined, now);
  if (!access.allowed) throw new CallRecordAccessError('Aufträge', access.reason);
  const subject = requireText(input.subject, 'subject (Betreff)');
  const objectId = await requireObject(store, input.objectId);
  const creditorId = input.creditorId ?? (input.reporter?.origin === 'creditor' ? input.reporter.partyId : undefined);
  if (
    creditorId === undefined ||
    (await scalar(store, 'SELECT 1 FROM creditors WHERE id = ?', [creditorId])) === undefined
  ) {
    throw new IxError(
      'E_CTI_RECORD_CREDITOR',
      msg('Choose the contractor (Kreditor) of the Auftrag: it is mandatory.'),
    );
  }
  return await store.transaction(async (tx) => {
    const auftragNo = Number(await scalar(tx, 'SELECT coalesce(max(auftrag_no), 0) + 1 FROM auftraege'));
    const id = await insertId(
      tx,
      "INSERT INTO auftraege (auftrag_no, object_id, creditor_id, subject, status, created_at, reporter_kind, reporter_id, reporter_phone) VALUES (?, ?, ?, ?, 'Neu', ?, ?, ?, ?) RETURNING id",
      [
        auftragNo,
        objectId,
        creditorId,
        subject,
        now.toISOString(),
        input.reporter?.origin ?? null,
        input.reporter?.partyId ?? null,
        input.reporter?.phone ?? null,
      ],
    );
    await audit(
      tx,
      actor,
      'cti.auftrag',
      'auftraege',
      auftragNo,
      { subject, objectId, creditorId, reporter: input.reporter ?? null },
      now,
    );
    return { id, auftragNo };
  });
}
