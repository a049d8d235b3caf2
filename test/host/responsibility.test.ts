import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { IxHausApi } from '../../src/extension/extension';
import { activatedExtension } from './hostApi';
import type { BatchView, InitView, PreviewView, UndoView } from '../../src/shared/protocol/responsibility';
import { partyOfNode } from '../../src/providers/tree/objectsTree';
import { nodeOf } from '../../src/providers/tree/treeNode';

describe('Verantwortlichen ändern in a real VS Code host (command → panel → core)', () => {
  let api: IxHausApi;
  let from: string;

  before(async () => {
    api = await activatedExtension({ login: 'admin', password: 'demo' });
    const store = api.services.storeHost.store!;
    from = String(
      store.scalar(
        "SELECT u.login FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.active = 1 AND u.login NOT IN ('admin', 'haupt') GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1",
      ),
    );
  });

  after(async () => {
    api.services.transferPanels.open?.panel.dispose();
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  const panel = () => {
    const p = api.services.transferPanels.open;
    assert.ok(p, 'the command opened the panel');
    return p;
  };

  it('opens the panel from a Modules & Users user node, prefilled with that user', async () => {
    await api.views['ixhaus.modules'].getChildren();
    const userNode = (await api.views['ixhaus.modules'].allNodes()).find(
      (n) => nodeOf(n, 'user')?.data.user.login === from && nodeOf(n, 'user')?.data.module === undefined,
    );
    assert.ok(userNode, `user node of ${from}`);
    await vscode.commands.executeCommand('ixhaus.responsible.transfer', userNode);
    assert.equal(panel().panel.viewType, 'ixhaus.transferResponsible');
    assert.equal(panel().panel.webview.options.enableScripts, true);
    assert.match(
      panel().panel.webview.html,
      /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/,
    );
    const init = (await panel().invoke('responsibility/session/init', {})) as InitView;
    assert.equal(init.blocked, null);
    assert.equal(init.prefill?.fromLogin, from);
    assert.ok(init.users.some((u) => u.login === 'haupt'));
    assert.equal(init.objects.length, 200);
    assert.deepEqual(
      init.modules.map((m) => m.licensed),
      [true, true, true, true],
    );
  });

  it('previews, applies and undoes through the panel; the store is saved and audited', async () => {
    const store = api.services.storeHost.store!;
    const held = (): number =>
      Number(
        store.scalar('SELECT count(*) FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.login = ?', [
          from,
        ]),
      );
    const before = held();
    const draft = {
      fromLogin: from,
      toLogin: 'haupt',
      scope: 'all',
      objectNos: [],
      team: '',
      modules: ['objects', 'meldungen', 'auftraege', 'technical_objects'],
      roles: ['responsible', 'deputy'],
      includeClosed: true,
    };
    const preview = (await panel().invoke('responsibility/plan/preview', draft)) as PreviewView;
    assert.equal(preview.total, before);
    assert.equal(preview.records.length, Math.min(50, before));
    const applied = (await panel().invoke('responsibility/batch/apply', {
      fingerprint: preview.fingerprint,
    })) as BatchView;
    assert.equal(applied.total, before);
    assert.equal(held(), 0);
    assert.equal(api.services.storeHost.store!.dirty, false, 'saved');
    assert.equal(Number(store.scalar('SELECT count(*) FROM audit_log WHERE batch_id = ?', [applied.batchId])), before);
    await assert.rejects(
      panel().invoke('responsibility/batch/apply', { fingerprint: preview.fingerprint }),
      /preview again/,
    );
    const history = (await panel().invoke('responsibility/batch/history', {})) as BatchView[];
    assert.equal(history[0]?.batchId, applied.batchId);
    const undo = (await panel().invoke('responsibility/batch/undo', { batchId: applied.batchId })) as UndoView;
    assert.deepEqual([undo.restored, undo.skipped.length], [before, 0]);
    assert.equal(held(), before);
    await assert.rejects(panel().invoke('responsibility/batch/undo', { batchId: applied.batchId }), /already undone/);
  });

  it('limits the preview to chosen objects and refuses the objects scope without objects', async () => {
    const store = api.services.storeHost.store!;
    const objectNo = Number(
      store.scalar(
        'SELECT o.object_no FROM responsibilities r JOIN users u ON u.id = r.user_id JOIN objects o ON o.id = r.object_id WHERE u.login = ? ORDER BY o.object_no LIMIT 1',
        [from],
      ),
    );
    const expected = Number(
      store.scalar(
        'SELECT count(*) FROM responsibilities r JOIN users u ON u.id = r.user_id JOIN objects o ON o.id = r.object_id WHERE u.login = ? AND o.object_no = ?',
        [from, objectNo],
      ),
    );
    const draft = {
      fromLogin: from,
      toLogin: 'haupt',
      scope: 'objects',
      objectNos: [objectNo],
      team: '',
      modules: ['objects', 'meldungen', 'auftraege', 'technical_objects'],
      roles: ['responsible', 'deputy'],
      includeClosed: true,
    };
    const preview = (await panel().invoke('responsibility/plan/preview', draft)) as PreviewView;
    assert.equal(preview.total, expected);
    assert.ok(preview.records.every((r) => r.objectNo === objectNo));
    await assert.rejects(
      panel().invoke('responsibility/plan/preview', { ...draft, objectNos: [] }),
      /Choose at least one object/,
    );
    await assert.rejects(
      panel().invoke('responsibility/plan/preview', { ...draft, objectNos: [99999] }),
      /no object with the number 99999/,
    );
  });

  it('takes the chosen objects from a multi-selection in the Objekte view', async () => {
    api.services.transferPanels.open?.panel.dispose();
    const objects = await api.views['ixhaus.objects'].getChildren();
    assert.equal(objects.length, 200, 'the demo objects, by Objektnummer');
    const groups = await api.views['ixhaus.objects'].getChildren(objects[0]);
    assert.deepEqual(
      groups.map((g) => g.id.split('/').pop()),
      ['owners', 'creditors', 'persons'],
    );
    const persons = await api.views['ixhaus.objects'].getChildren(groups[2]);
    assert.ok(persons.length > 0 && /^object\/\d+\/persons\/person\/\d+$/.test(persons[0]!.id));
    // "Anrufen" on a party node dials one of that record's numbers (the node carries the record)
    const person = nodeOf(persons[0], 'party');
    assert.ok(person);
    assert.deepEqual(partyOfNode(persons[0]), { origin: 'person', partyId: person.data.id });
    assert.equal(
      persons[0]!.id,
      `object/${nodeOf(objects[0], 'object')!.data.objectNo}/persons/person/${person.data.id}`,
    );
    await vscode.commands.executeCommand('ixhaus.responsible.transfer', objects[1], [objects[0], objects[1]]);
    const init = (await panel().invoke('responsibility/session/init', {})) as InitView;
    const nos = objects.slice(0, 2).map((o) => Number(o.id.split('/')[1]));
    assert.deepEqual(init.prefill?.objectNos, nos);
  });

  it('refuses malformed messages before core sees them', async () => {
    await assert.rejects(
      panel().invoke('responsibility/plan/preview', { fromLogin: from }),
      /toLogin: expected a string/,
    );
    await assert.rejects(
      panel().invoke('responsibility/plan/preview', {
        fromLogin: from,
        toLogin: 'haupt',
        scope: 'all',
        objectNos: [],
        team: '',
        modules: ['kreditoren'],
        roles: ['responsible'],
        includeClosed: false,
      }),
      /modules\[0\]: expected one of/,
    );
    await assert.rejects(panel().invoke('responsibility/admin/dropTables', {}), /unknown method/);
  });

  it('a non-admin gets the panel but core refuses: the page shows why', async () => {
    await vscode.commands.executeCommand('ixhaus.session.signOut');
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'haupt', password: 'demo' });
    assert.equal(api.services.session.actor?.login, 'haupt');
    const init = (await panel().invoke('responsibility/session/init', {})) as InitView;
    assert.match(init.blocked ?? '', /not allowed to change responsibles/);
    await assert.rejects(panel().invoke('responsibility/batch/history', {}), /not allowed/);
  });
});
