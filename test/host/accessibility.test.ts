import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { IxHausApi } from '../../src/extension/extension';
import type { ViewId } from '../../src/extension/ids';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

describe('accessibility in a real VS Code host', () => {
  let api: IxHausApi;
  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
  });
  after(async () => {
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('every tree item has an accessible label made of its label and description', async () => {
    for (const id of ['ixhaus.licenses', 'ixhaus.modules', 'ixhaus.settings'] as ViewId[]) {
      const provider = api.views[id];
      await provider.getChildren();
      const nodes = (await provider.allNodes()).slice(0, 300);
      assert.ok(nodes.length > 0, `${id} has nodes`);
      for (const n of nodes) {
        const item = provider.getTreeItem(n);
        const label = item.accessibilityInformation?.label ?? '';
        const visible = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        assert.ok(label.startsWith(visible) && label.length > 0, `${n.id}: "${label}"`);
        if (typeof item.description === 'string' && item.description !== '')
          assert.ok(label.includes(item.description), `${n.id}: description missing in "${label}"`);
      }
    }
  });
});
