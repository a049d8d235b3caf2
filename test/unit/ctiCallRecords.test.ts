import { strict as assert } from 'node:assert';
import {
  callerObjects,
  callRecordActions,
  CallRecordAccessError,
  createAuftragFromCall,
  createMeldungFromCall,
} from '../../src/core/cti/callRecords';
import type { Store } from '../../src/core/store/database';
import { signIn } from '../../src/core/users/auth';
import { DEMO_PASSWORD } from '../../src/core/demo/demoData';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoStore } from '../helpers';

describe('cti: Meldung / Auftrag anlegen from a call (domain.md §5)', function () {
  this.timeout(30_000);
  let store: Store;
  let admin: Actor;

  beforeEach(async () => ({ store, admin } = await smallDemoStore()));
  afterEach(async () => store.close());

  it("creates a Meldung with the caller as reporter in the caller's object, audited", () => {
    const person = store.get<{ id: number; object_id: number }>(
      'SELECT id, object_id FROM persons WHERE object_id IS NOT NULL ORDER BY id LIMIT 1',
    )!;
    const reporter = { origin: 'person' as const, partyId: person.id, phone: '+49301234567' };
    const objects = callerObjects(store, reporter);
    assert.equal(objects[0]?.id, person.object_id);
    assert.deepEqual(callRecordActions(store, admin.id), { meldung: true, auftrag: true });
    const made = createMeldungFromCall(store, admin, {
      reporter,
      objectId: objects[0]?.id,
      subject: 'Wasserschaden im Bad',
    });
    const row = store.get(
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
      store.scalar("SELECT count(*) FROM audit_log WHERE action = 'cti.meldung' AND entity_key = ?", [
        String(made.meldungNo),
      ]),
      1,
    );
    assert.throws(() => createMeldungFromCall(store, admin, { reporter, subject: 'x' }), /Choose the object/);
    assert.throws(
      () => createMeldungFromCall(store, admin, { reporter, objectId: person.object_id, subject: '  ' }),
      /1 to 200 characters/,
    );
  });

  it('creates an Auftrag with a calling creditor as contractor; another caller needs a creditor chosen', () => {
    const creditor = store.get<{ creditor_id: number; object_id: number }>(
      'SELECT creditor_id, object_id FROM object_creditors ORDER BY object_id LIMIT 1',
    )!;
    const reporter = { origin: 'creditor' as const, partyId: creditor.creditor_id, phone: '+49301234567' };
    const made = createAuftragFromCall(store, admin, {
      reporter,
      objectId: callerObjects(store, reporter)[0]?.id,
      subject: 'Heizung prüfen',
    });
    assert.deepEqual(store.get('SELECT creditor_id, status, reporter_kind FROM auftraege WHERE id = ?', [made.id]), {
      creditor_id: creditor.creditor_id,
      status: 'Neu',
      reporter_kind: 'creditor',
    });
    assert.throws(
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
      store.scalar(
        "SELECT login FROM users WHERE active = 1 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'MELDUNGEN') ORDER BY id LIMIT 1",
      ),
    );
    const user = await signIn(store, login, DEMO_PASSWORD);
    assert.equal(callRecordActions(store, user.id).meldung, false);
    const objectId = Number(store.scalar('SELECT min(id) FROM objects'));
    assert.throws(() => createMeldungFromCall(store, user, { objectId, subject: 'x' }), CallRecordAccessError);
    assert.equal(store.scalar("SELECT count(*) FROM meldungen WHERE subject = 'x'"), 0);
  });
});
