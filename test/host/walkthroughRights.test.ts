import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { ProgramRightChange } from '../../src/core/users/programRights';
import type { IxHausApi } from '../../src/extension/extension';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

describe('issue 18 in a real VS Code host: walkthrough, manifest conventions, Edit Program Rights…', () => {
  let api: IxHausApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    await api.ready;
  });

  it('runs on the workspace side and declares untrusted and virtual workspaces', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(extension?.extensionKind, vscode.ExtensionKind.Workspace);
    const manifest = extension?.packageJSON as {
      capabilities: { untrustedWorkspaces: { supported: boolean }; virtualWorkspaces: { supported: boolean } };
    };
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
    assert.equal(manifest.capabilities.virtualWorkspaces.supported, true);
  });

  it('Edit Program Rights… (scripted) sets, reports and clears a right; the store is saved and audited', async () => {
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    const store = api.services.storeHost.store!;
    const before = Number(store.scalar("SELECT count(*) FROM audit_log WHERE action = 'rights.set'"));
    const denied = await vscode.commands.executeCommand<ProgramRightChange>('ixhaus.rights.edit', {
      rightsClass: 'b',
      module: 'MELDUNGEN',
      list: 'Auswertung',
      setting: 'deny',
    });
    assert.deepEqual(denied, {
      rightsClass: 'B',
      moduleCode: 'MELDUNGEN',
      list: 'Auswertung',
      oldSetting: 'inherit',
      newSetting: 'deny',
      changed: true,
    });
    assert.equal(api.services.storeHost.store!.dirty, false, 'saved');
    const cleared = await vscode.commands.executeCommand<ProgramRightChange>('ixhaus.rights.edit', {
      rightsClass: 'B',
      module: 'MELDUNGEN',
      list: 'Auswertung',
      setting: 'inherit',
    });
    assert.equal(cleared?.newSetting, 'inherit');
    assert.equal(Number(store.scalar("SELECT count(*) FROM audit_log WHERE action = 'rights.set'")), before + 2);
    // a refused input is shown, nothing is written, and the command yields undefined
    assert.equal(
      await vscode.commands.executeCommand('ixhaus.rights.edit', {
        rightsClass: 'S',
        module: 'MELDUNGEN',
        list: '',
        setting: 'deny',
      }),
      undefined,
    );
    assert.equal(Number(store.scalar("SELECT count(*) FROM audit_log WHERE action = 'rights.set'")), before + 2);
  });
});
