/**
 * Kundensysteme in a real VS Code host (issue 20): the one-time migration of `ixhaus.store.path` into
 * `ixhaus.systems`, and secrets per system — a secret of system A is never used for system B, renaming keeps it,
 * removing forgets it, a new system with an old name does not inherit it. Two store files (copies of the demo
 * store the host opened) serve as the systems' stores. Everything the suite changes (settings, secrets, the open
 * store) is put back afterwards.
 *
 * Run alone: IXHAUS_HOST_ENV='{"IXHAUS_HOST_FILES":"systems"}' npm run test:host
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';
import { parseStoreLocation } from '../../src/core/store/location';
import type { PostgresLocation } from '../../src/core/store/location';
import { systemSecretKey } from '../../src/core/systems/systems';
import type { CustomerSystem } from '../../src/core/systems/systems';
import type { IxHausApi } from '../../src/extension/extension';
import { AMI_SECRET_KEY } from '../../src/extension/ctiService';
import { storePasswordKey } from '../../src/extension/storeHost';
import { sftpSecretKey } from '../../src/extension/commands/sftpConnection';
import { MIGRATED_STATE } from '../../src/extension/systemsHost';
import type { TreeNode } from '../../src/providers/tree/treeNode';
import { setOwnCtiLine } from '../../src/core/users/userService';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

describe('Kundensysteme (issue 20, real VS Code host)', function () {
  this.timeout(60_000);
  let api: IxHausApi;
  let dir: string;
  let originalStore: string;
  let storePathBefore: string | undefined;
  let systemsBefore: unknown;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('ixhaus');

  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    const location = api.services.storeHost.location;
    assert.equal(location?.kind, 'file', 'the host opened a store file');
    originalStore = location.kind === 'file' ? location.path : '';
    storePathBefore = config().inspect<string>('store.path')?.globalValue;
    systemsBefore = config().inspect<unknown>('systems')?.globalValue;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-systems-'));
    // the open store's last save is on disk: copies of it are two independent stores
    for (const name of ['a.sqlite', 'b.sqlite']) fs.copyFileSync(originalStore, path.join(dir, name));
  });

  after(async () => {
    await config().update('systems', systemsBefore, vscode.ConfigurationTarget.Global);
    await config().update('store.path', storePathBefore, vscode.ConfigurationTarget.Global);
    await api.services.storeHost.open(originalStore);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migrates ixhaus.store.path into ixhaus.systems once, copying the secrets keyed the old way', async () => {
    const { context, systems } = api.services;
    const file = path.join(dir, 'a.sqlite');
    await config().update('systems', [], vscode.ConfigurationTarget.Global);
    await config().update('store.path', file, vscode.ConfigurationTarget.Global);
    await context.globalState.update(MIGRATED_STATE, undefined);
    const amiBefore = await context.secrets.get(AMI_SECRET_KEY);
    await context.secrets.store(AMI_SECRET_KEY, 'ami-legacy');
    const migrated = await systems.migrate();
    if (amiBefore === undefined) await context.secrets.delete(AMI_SECRET_KEY);
    else await context.secrets.store(AMI_SECRET_KEY, amiBefore);
    assert.ok(migrated, 'a system was made of the setting');
    assert.equal(migrated.store, file);
    assert.equal(migrated.kind, 'Test');
    assert.equal(migrated.name, 'a');
    assert.deepEqual(
      systems.list().map((s) => s.id),
      [migrated.id],
    );
    assert.equal(await context.secrets.get(systemSecretKey(migrated.id, 'cti.amiSecret')), 'ami-legacy');
    // written to the user settings (application scope), in the serialized shape
    const written = config().inspect<Array<Record<string, string>>>('systems')?.globalValue;
    assert.deepEqual(written?.[0], { id: migrated.id, name: 'a', customer: '', store: file, kind: 'Test' });
    // never twice, even when the list is emptied again
    await config().update('systems', [], vscode.ConfigurationTarget.Global);
    assert.equal(await systems.migrate(), undefined);
    assert.deepEqual(systems.list(), []);
    // the window that had no system finds the migrated one at start-up through ixhaus.store.path
    await config().update('systems', written, vscode.ConfigurationTarget.Global);
    assert.equal(systems.startupSystem()?.id, migrated.id);
    await context.secrets.delete(systemSecretKey(migrated.id, 'cti.amiSecret'));
    await config().update('systems', [], vscode.ConfigurationTarget.Global);
  });

  it('keeps secrets per system: A never sees B, renaming keeps, removing forgets, an old name inherits nothing', async () => {
    const { context, systems, mail, storeHost, cti } = api.services;
    const add = async (fields: Record<string, string>): Promise<CustomerSystem> => {
      const added = await vscode.commands.executeCommand<CustomerSystem>('ixhaus.systems.add', fields);
      assert.ok(added, `added ${fields.name}`);
      return added;
    };
    const a = await add({
      name: 'Müller Prod',
      customer: 'Müller',
      store: path.join(dir, 'a.sqlite'),
      kind: 'Produktion',
    });
    const b = await add({ name: 'Müller Test', customer: 'Müller', store: path.join(dir, 'b.sqlite'), kind: 'Test' });
    await assert.rejects(
      Promise.resolve(systems.put({ ...b, id: '0d7f8a36-8c1e-4c67-9a4f-4a4b8f1f0c11', name: 'müller prod' })),
      /already a system named Müller Prod/,
    );

    assert.equal(await vscode.commands.executeCommand('ixhaus.systems.switch', { id: a.id }), true);
    assert.equal(systems.active?.id, a.id);
    assert.equal(storeHost.location?.redacted, a.store);
    const bar = api.statusBars.system.state;
    assert.match(bar.text, /Müller Prod · Produktion/);
    assert.equal(bar.background, 'statusBarItem.errorBackground');
    // the workspace state (this window), not the user settings, remembers the active system
    assert.equal(context.workspaceState.get('ixhaus.activeSystem'), a.id);
    await mail.write(storeHost.db!, 'password', 'smtp-of-A');
    await context.secrets.store(cti.secretKeyOf('cti.amiSecret', AMI_SECRET_KEY), 'ami-of-A');
    assert.equal(cti.secretKeyOf('cti.amiSecret', AMI_SECRET_KEY), systemSecretKey(a.id, 'cti.amiSecret'));
    const account = { username: 'lic', host: 'licenses.example', port: 22 };
    assert.equal(sftpSecretKey(account, 'password', systems.secretKeyOf), systemSecretKey(a.id, 'sftp.password'));

    // the Systeme view: customer Müller with both systems, A marked active
    const [group] = await api.views['ixhaus.systems'].getChildren();
    assert.ok(group);
    const rows = (await api.views['ixhaus.systems'].getChildren(group)) as Array<TreeNode<'system'>>;
    assert.deepEqual(
      rows.map((r) => [r.data.system.name, r.data.active]),
      [
        ['Müller Prod', true],
        ['Müller Test', false],
      ],
    );

    assert.equal(await vscode.commands.executeCommand('ixhaus.systems.switch', { id: b.id }), true);
    assert.equal(storeHost.location?.redacted, b.store);
    assert.equal(api.statusBars.system.state.background, undefined, 'Test: no warning or error background');
    assert.deepEqual(await mail.read(storeHost.db!), {}, 'B does not see the SMTP password of A');
    assert.equal(await context.secrets.get(cti.secretKeyOf('cti.amiSecret', AMI_SECRET_KEY)), undefined);
    await mail.write(storeHost.db!, 'password', 'smtp-of-B');

    // a PostgreSQL password is the active system's only for that system's store
    const foreign = parseStoreLocation('postgres://ixhaus_app@127.0.0.1:5999/other') as PostgresLocation;
    assert.equal(systems.storePasswordKeyOf(foreign), storePasswordKey(foreign));

    // rename A: its id, and so its secrets, stay
    const renamed = await vscode.commands.executeCommand<CustomerSystem>('ixhaus.systems.edit', {
      id: a.id,
      name: 'Müller Produktion',
    });
    assert.equal(renamed?.id, a.id);
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: a.id });
    assert.deepEqual(await mail.read(storeHost.db!), { password: 'smtp-of-A' });

    // remove A: its secrets are forgotten, its store file is not deleted; the window keeps the store open
    assert.equal(await vscode.commands.executeCommand('ixhaus.systems.remove', { id: a.id, confirm: true }), true);
    assert.equal(await context.secrets.get(systemSecretKey(a.id, 'mail.password')), undefined);
    assert.equal(await context.secrets.get(systemSecretKey(a.id, 'cti.amiSecret')), undefined);
    // without an active system, today's keys (by account) apply
    assert.equal(
      sftpSecretKey(account, 'password', systems.secretKeyOf),
      'ixhaus.sftp/lic@licenses.example:22/password',
    );
    assert.ok(fs.existsSync(a.store), 'the store file of a removed system is kept');
    assert.equal(systems.active, undefined);
    assert.match(api.statusBars.system.state.text, /No system|Kein System/);

    // a new system with the old name gets a new id and no secret
    const again = await add({ name: 'Müller Prod', customer: 'Müller', store: a.store, kind: 'Produktion' });
    assert.notEqual(again.id, a.id);
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: again.id });
    assert.deepEqual(await mail.read(storeHost.db!), {}, 'the new system inherits nothing');
    // B's secret is still B's
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: b.id });
    assert.deepEqual(await mail.read(storeHost.db!), { password: 'smtp-of-B' });

    for (const s of systems.list())
      await vscode.commands.executeCommand('ixhaus.systems.remove', { id: s.id, confirm: true });
    assert.equal(await context.secrets.get(systemSecretKey(b.id, 'mail.password')), undefined);
  });

  it('keeps the sign-in with its system within the window; CTI and the scheduler monitor follow the active system', async () => {
    const { systems, session, cti, storeHost } = api.services;
    const a = await vscode.commands.executeCommand<CustomerSystem>('ixhaus.systems.add', {
      name: 'Huber Prod',
      customer: 'Huber',
      store: path.join(dir, 'a.sqlite'),
      kind: 'Test',
    });
    const b = await vscode.commands.executeCommand<CustomerSystem>('ixhaus.systems.add', {
      name: 'Huber Schulung',
      customer: 'Huber',
      store: path.join(dir, 'b.sqlite'),
      kind: 'Schulung',
    });
    assert.ok(a && b);
    const signedIn = async (login: string | undefined): Promise<void> => {
      await until(() => session.actor?.login === login);
      await cti.refreshGate(); // waits for the restarts the sign-in change asked for
      await api.schedulerMonitor.update();
    };
    // A: the administrator, with CTI on (simulator line) — only in A's store
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: a.id });
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    await vscode.commands.executeCommand('ixhaus.settings.edit', { name: 'PlusGlobalCTIKopplungAktiv', value: '1' });
    await setOwnCtiLine(storeHost.db!, session.actor!, 'admin', 'SIM/1');
    await signedIn('admin');
    assert.equal(session.systemId, a.id);
    assert.equal(cti.active, true, 'CTI runs on A');
    assert.equal(api.schedulerMonitor.isRunning, true, 'the scheduler monitor runs for an administrator on A');

    // B: signed out (the sign-in belongs to A); CTI and the monitor stop
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: b.id });
    await signedIn(undefined);
    assert.equal(cti.active, false, 'CTI stopped: B is not signed in');
    assert.equal(api.schedulerMonitor.isRunning, false);
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'haupt', password: 'demo' });
    await signedIn('haupt');
    assert.equal(cti.active, false, 'CTI is off in B');
    assert.equal(api.schedulerMonitor.isRunning, false, 'a Hauptbenutzer runs no scheduler monitor');

    // back to A: the administrator's sign-in is resumed without a prompt; CTI and the monitor run again
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: a.id });
    await signedIn('admin');
    assert.equal(session.systemId, a.id);
    assert.equal(cti.active, true, 'CTI runs on A again');
    assert.equal(api.schedulerMonitor.isRunning, true);
    // and B's sign-in waits for B
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: b.id });
    await signedIn('haupt');

    // a user deactivated meanwhile is not resumed; a sign-out is not kept
    await vscode.commands.executeCommand('ixhaus.session.signOut');
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: a.id });
    await signedIn('admin');
    await vscode.commands.executeCommand('ixhaus.systems.switch', { id: b.id });
    await signedIn(undefined);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(session.actor, undefined, 'signed out on B: switching back to B does not sign in');
    // an ad-hoc store (Open Store…) ends the system: nothing is resumed there
    await storeHost.open(originalStore);
    await signedIn(undefined);
    assert.equal(systems.active, undefined);
    for (const s of systems.list())
      await vscode.commands.executeCommand('ixhaus.systems.remove', { id: s.id, confirm: true });
  });

  it('gives a hand-written system without an id one, and writes it back once (its secrets stay its own)', async () => {
    const { systems } = api.services;
    await config().update(
      'systems',
      [{ name: 'Von Hand', customer: 'Huber', store: path.join(dir, 'a.sqlite'), kind: 'Test' }],
      vscode.ConfigurationTarget.Global,
    );
    const [made] = systems.list();
    assert.ok(made?.id, 'an id is made');
    await until(() => {
      const written = config().inspect<Array<{ id?: string }>>('systems')?.globalValue;
      return written?.[0]?.id === made.id;
    });
    assert.equal(systems.list()[0]?.id, made.id, 'the same id from now on');
    await vscode.commands.executeCommand('ixhaus.systems.remove', { id: made.id, confirm: true });
  });

  it('keeps a system whose file is missing listed, with the reason and a Retry', async () => {
    const { systems } = api.services;
    const gone = await vscode.commands.executeCommand<CustomerSystem>('ixhaus.systems.add', {
      name: 'Weg',
      customer: '',
      store: path.join(dir, 'missing.sqlite'),
      kind: 'Schulung',
    });
    assert.ok(gone);
    await assert.rejects(systems.switchTo(gone));
    assert.ok(systems.failures.get(gone.id), 'the reason is kept for the view');
    const [group] = await api.views['ixhaus.systems'].getChildren();
    assert.ok(group);
    const [row] = (await api.views['ixhaus.systems'].getChildren(group)) as Array<TreeNode<'system'>>;
    assert.ok(row);
    assert.equal(row.data.failure, systems.failures.get(gone.id));
    const item = row.treeItem();
    assert.equal(item.command?.command, 'ixhaus.systems.switch', 'a click is the Retry');
    // the file is back (a share reconnected): Retry opens it and the reason goes
    fs.copyFileSync(originalStore, gone.store);
    assert.equal(await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? [])), true);
    assert.equal(systems.failures.get(gone.id), undefined);
    assert.equal(api.statusBars.system.state.background, 'statusBarItem.warningBackground', 'Schulung: warning');
    assert.deepEqual(
      systems.list().map((s) => s.name),
      ['Weg'],
    );
    await vscode.commands.executeCommand('ixhaus.systems.remove', { id: gone.id, confirm: true });
  });
});
