import { scalar } from '../../src/core/store/asyncQueries';
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { until } from './until';
import type { IxHausApi } from '../../src/extension/extension';
import { setOwnCtiLine } from '../../src/core/users/userService';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

describe('CTI in a real VS Code host: one alert per call, whatever restarts happen (issue 16 §5)', function () {
  this.timeout(60_000);
  let api: IxHausApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    await api.ready;
  });

  after(async () => {
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('signs in with CTI on (simulator) while store changes and restarts race: one session, one alert per call', async () => {
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    const store = api.services.storeHost.db!;
    await vscode.commands.executeCommand('ixhaus.settings.edit', { name: 'PlusGlobalCTIKopplungAktiv', value: '1' });
    await setOwnCtiLine(store, api.services.session.actor!, 'admin', 'SIM/1');
    await vscode.commands.executeCommand('ixhaus.session.signOut');
    await api.services.cti.refreshGate();
    assert.equal(api.services.cti.active, false);
    // sign in (restart), while a store change (refreshGate), a settings change and a command (restart) ask too
    const signIn = vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    const racing = [api.services.cti.refreshGate(), api.services.cti.restart(), api.services.cti.refreshGate()];
    await signIn;
    await Promise.all(racing);
    await api.services.cti.refreshGate(); // waits for everything asked before it
    assert.equal(api.services.cti.active, true);
    assert.equal(api.services.cti.simulatorSessions, 1, 'exactly one session listens to the simulator');
    const calls = ['030 6667777', '0171 6783154', ''].map((n) => api.services.cti.simulator.ring(n, 'SIM/1'));
    await until(() => calls.every((id) => api.services.cti.alertCounts.has(id)));
    await new Promise((r) => setTimeout(r, 300)); // a second session would have alerted by now
    for (const id of calls) api.services.cti.simulator.hangUp(id);
    assert.deepEqual(
      calls.map((id) => api.services.cti.alertCounts.get(id)),
      [1, 1, 1],
    );
    // a call that ends at once is blocked: no alert at all (issue 16 §2)
    const blocked = api.services.cti.simulator.ring('0900 123456', 'SIM/1');
    api.services.cti.simulator.hangUp(blocked);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(api.services.cti.alertCounts.get(blocked), undefined);
    const row = await store.get<{ outcome: string }>('SELECT outcome FROM call_journal WHERE call_id = ?', [blocked]);
    assert.equal(row?.outcome, 'blocked');
  });

  it('sets the own area code from VS Code and rebuilds the index', async () => {
    const indexed = await vscode.commands.executeCommand<number | undefined>('ixhaus.cti.setAreaCode', {
      areaCode: '040',
    });
    assert.ok(typeof indexed === 'number' && indexed > 0);
    assert.equal(await scalar(api.services.storeHost.db!, "SELECT value FROM meta WHERE key = 'cti.areaCode'"), '40');
    await vscode.commands.executeCommand('ixhaus.cti.setAreaCode', { areaCode: '030' });
  });
});
