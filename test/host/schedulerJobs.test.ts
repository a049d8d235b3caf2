import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SchedulerJob } from '../../src/core/scheduler/scheduler';
import type { IxHausApi } from '../../src/extension/extension';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';
const NAME = 'Nebenkosten-Export';

/** "Add Job…", "Edit Job…", "Remove Job…" of the Scheduler view in a real VS Code host (issue 21). */
describe('Scheduler view: Add/Edit/Remove Job… in a real VS Code host', () => {
  let api: IxHausApi;

  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
  });
  after(async () => {
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
  async function jobItems(): Promise<vscode.TreeItem[]> {
    const groups = await api.views['ixhaus.scheduler'].getChildren();
    const items: vscode.TreeItem[] = [];
    for (const g of groups) for (const child of (await g.children?.()) ?? []) items.push(child.treeItem());
    return items;
  }

  it('contributes the commands to the view title and the job context menu, for administrators only', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8'),
    ) as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
    const title = pkg.contributes.menus['view/title']!.find((m) => m.command === 'ixhaus.scheduler.addJob');
    assert.match(title?.when ?? '', /view == ixhaus\.scheduler && ixhaus:isAdmin/);
    for (const id of ['ixhaus.scheduler.editJob', 'ixhaus.scheduler.removeJob'])
      assert.match(
        pkg.contributes.menus['view/item/context']!.find((m) => m.command === id)?.when ?? '',
        /viewItem =~ \/;job;\/ && ixhaus:isAdmin/,
      );
  });

  it('adds a job (shown in the view), edits it, refuses a bad schedule, removes it; all audited', async () => {
    const added = await vscode.commands.executeCommand<SchedulerJob | undefined>('ixhaus.scheduler.addJob', {
      name: NAME,
      group: 'Importe und Exporte',
      cron: '15 4 * * 1-5',
      maxRunMinutes: 45,
    });
    assert.equal(added?.name, NAME);
    const shown = (await jobItems()).find((i) => label(i) === NAME);
    assert.ok(shown, 'the new job is in the Scheduler view');
    assert.match(String(shown.description), /15 4 \* \* 1-5/);
    assert.match(String(shown.contextValue), /;job;/);

    const edited = await vscode.commands.executeCommand<SchedulerJob | undefined>('ixhaus.scheduler.editJob', {
      job: NAME,
      cron: '0 5 * * *',
      maxRunMinutes: 90,
    });
    assert.deepEqual([edited?.cron, edited?.maxRunMinutes], ['0 5 * * *', 90]);
    const refused = await vscode.commands.executeCommand<SchedulerJob | undefined>('ixhaus.scheduler.editJob', {
      job: NAME,
      cron: '0 5 * *',
    });
    assert.equal(refused, undefined, 'a 4-field schedule is refused');
    assert.match(String((await jobItems()).find((i) => label(i) === NAME)?.description), /0 5 \* \* \*/);

    const removed = await vscode.commands.executeCommand<SchedulerJob | undefined>('ixhaus.scheduler.removeJob', {
      job: NAME,
      confirm: true,
    });
    assert.equal(removed?.id, added?.id);
    assert.equal(
      (await jobItems()).find((i) => label(i) === NAME),
      undefined,
    );
    const audit = await api.services.storeHost.db!.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity = 'scheduler_jobs' AND entity_key = ? ORDER BY id",
      [String(added?.id)],
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ['scheduler.job.add', 'scheduler.job.update', 'scheduler.job.remove'],
    );
  });

  it('a Hauptbenutzer cannot add jobs', async () => {
    await vscode.commands.executeCommand('ixhaus.session.signOut');
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'haupt', password: 'demo' });
    const added = await vscode.commands.executeCommand<SchedulerJob | undefined>('ixhaus.scheduler.addJob', {
      name: 'Nicht erlaubt',
      cron: '0 2 * * *',
      maxRunMinutes: 5,
    });
    assert.equal(added, undefined);
    const rows = await api.services.storeHost.db!.query("SELECT id FROM scheduler_jobs WHERE name = 'Nicht erlaubt'");
    assert.equal(rows.length, 0);
  });
});
