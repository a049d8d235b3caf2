import { strict as assert } from 'node:assert';
import {
  callerObjects,
  callRecordActions,
  CallRecordAccessError,
  createAuftragFromCall,
  createMeldungFromCall,
} from '../../src/core/cti/callRecords';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { signIn } from '../../src/core/users/auth';
import { DEMO_PASSWORD } from '../../src/core/demo/demoData';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';
import { scalar } from '../../src/core/store/asyncQueries';

describe('cti: Meldung / Auftrag anlegen from a call (domain.md §5)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;

  beforeEach(async () => ({ db: store, admin } = await smallDemoDb()));
  afterEach(async () => store.close());

  it("creates a Meldung with the caller as reporter in the caller's object, audited", async () => {
    const person = (await store.get<{ id: number; object_id: number }>(
      'SELECT id, object_id FROM persons WHERE object_id IS NOT NULL ORDER BY id LIMIT 1',
    ))!;
    const reporter = { origin: 'person' as const, partyId: person.id, phone: '+49301234567' };
    const objects = await callerObjects(store, reporter);
    assert.equal(objects[0]?.id, person.object_id);
    assert.deepEqual(await callRecordActions(store, admin.id), { meldung: true, auftrag: true });
    const made = await createMeldungFromCall(store, admin, {
      reporter,
      objectId: objects[0]?.id,
      subject: 'Wasserschaden im Bad',
    });
    const row = await store.get(
      'SELECT subject, status, kind, reporter_kind, reporter_id, reporter_phone FROM meldungen WHERE id = ?',
      [made.id],
    );
    assert.deepEqual(row, {
      subject: 'Wasserschaden im Bad',
      status: 'offen',
      kind: 'Telefonat',
      reporter_kind: 'person',
      reporter_id: person.id,
      reporter_phone: '+49301234567',
    });
    assert.equal(
      await scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'cti.meldung' AND entity_key = ?", [
        String(made.meldungNo),
      ]),
      1,
    );
    await assert.rejects(() => createMeldungFromCall(store, admin, { reporter, subject: 'x' }), /Choose the object/);
    await assert.rejects(
      () => createMeldungFromCall(store, admin, { reporter, objectId: person.object_id, subject: '  ' }),
      /1 to 200 characters/,
    );
  });

  it('creates an Auftrag with a calling creditor as contractor; another caller needs a creditor chosen', async () => {
    const creditor = (await store.get<{ creditor_id: number; object_id: number }>(
      'SELECT creditor_id, object_id FROM object_creditors ORDER BY object_id LIMIT 1',
    ))!;
    const reporter = { origin: 'creditor' as const, partyId: creditor.creditor_id, phone: '+49301234567' };
    const made = await createAuftragFromCall(store, admin, {
      reporter,
      objectId: (await callerObjects(store, reporter))[0]?.id,
      subject: 'Heizung prüfen',
    });
    assert.deepEqual(
      await store.get('SELECT creditor_id, status, reporter_kind FROM auftraege WHERE id = ?', [made.id]),
      {
        creditor_id: creditor.creditor_id,
        status: 'Neu',
        reporter_kind: 'creditor',
      },
    );
    await assert.rejects(
      () =>
        createAuftragFromCall(store, admin, {
          reporter: { origin: 'person', partyId: 1, phone: '1' },
          objectId: creditor.object_id,
          subject: 'x',
        }),
      /Choose the contractor/,
    );
  });

  it('refuses users who may not use the module (enforced in core)', async () => {
    const login = String(
      await scalar(
        store,
        "SELECT login FROM users WHERE active = 1 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'MELDUNGEN') ORDER BY id LIMIT 1",
      ),
    );
    const user = await signIn(store, login, DEMO_PASSWORD);
    assert.equal((await callRecordActions(store, user.id)).meldung, false);
    const objectId = Number(await scalar(store, 'SELECT min(id) FROM objects'));
    await assert.rejects(() => createMeldungFromCall(store, user, { objectId, subject: 'x' }), CallRecordAccessError);
    assert.equal(await scalar(store, "SELECT count(*) FROM meldungen WHERE subject = 'x'"), 0);
  });
});
