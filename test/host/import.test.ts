import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import * as vscode from 'vscode';
import type { IxHausApi } from '../../src/extension/extension';
import { activatedExtension } from './hostApi';
import type { ImportPreviewPanel } from '../../src/extension/panels/importPreviewPanel';
import type { ExportCommandResult } from '../../src/extension/commands/importCommands';
import {
  exportMasterDataCommand,
  importMasterDataCommand,
  undoImportCommand,
} from '../../src/extension/commands/importCommands';
import { localizedMessage } from '../../src/extension/errors';
import type { UndoImportResult } from '../../src/core/import/importBatch';
import type { ImportPreviewView, ImportResultView } from '../../src/shared/protocol/importPreview';

describe('Stammdaten importieren / exportieren in a real VS Code host (command → preview panel → core)', () => {
  let api: IxHausApi;
  let dir: string;

  before(async () => {
    api = await activatedExtension({ login: 'admin', password: 'demo' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-host-import-'));
  });

  after(async () => {
    api.services.importPanels.open?.panel.dispose();
    await vscode.commands.executeCommand('ixhaus.session.signOut');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const store = () => api.services.storeHost.store!;
  const personCount = (): number => Number(store().scalar('SELECT count(*) FROM persons'));
  const panel = (): ImportPreviewPanel => {
    const p = api.services.importPanels.open;
    assert.ok(p, 'the command opened the preview panel');
    return p;
  };

  it('previews a German Excel CSV (cp1252, ";", one invalid row), refuses it, imports with skip-invalid, undoes', async () => {
    const objectNo = Number(store().scalar('SELECT object_no FROM objects ORDER BY object_no LIMIT 1'));
    const file = path.join(dir, 'Personen Müller.csv');
    fs.writeFileSync(
      file,
      iconv.encode(
        [
          'Pers.-Nr.;Nachname;Vorname;Telefon privat;Handy;Objekt-Nr.;Bemerkung intern',
          `970001;Müller;Jürgen;0351 1234567;0171/2345678;${objectNo};"zwei\r\nZeilen"`,
          'x-12;Weiß;Anna;;;;',
          `970002;Öztürk;Ömer;;;${objectNo};`,
        ].join('\r\n'),
        'win1252',
      ),
    );
    const before = personCount();
    const returned = await vscode.commands.executeCommand<ImportPreviewPanel>('ixhaus.import.start', {
      file,
      kind: 'persons',
      confirm: true,
    });
    assert.equal(returned, panel(), 'the command returns the panel it opened');
    assert.equal(panel().panel.viewType, 'ixhaus.importPreview');
    assert.match(
      panel().panel.webview.html,
      /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/,
    );
    assert.match(panel().panel.webview.html, /importPreview\.js/);

    const view = (await panel().invoke('import/session/init', {})) as ImportPreviewView;
    assert.equal(view.blocked, null);
    assert.equal(view.fileName, 'Personen Müller.csv');
    assert.deepEqual(view.counts, { new: 2, changed: 0, unchanged: 0, invalid: 1 });
    const fact = (label: string) => view.detected.find((f) => f.label === label)?.value ?? '';
    assert.match(fact('Encoding'), /Windows-1252 \(detected\)/);
    assert.match(fact('Delimiter'), /";" \(detected\)/);
    assert.match(fact('Header row'), /^1 /);
    assert.equal(view.invalid.total, 1);
    assert.equal(view.invalid.items[0]?.row, 3);
    assert.match(view.invalid.items[0]?.column ?? '', /^A \(Pers\.-Nr\.\)/);
    assert.deepEqual(view.unknownColumns, ['G Bemerkung intern']);
    assert.equal(view.result, null);

    // the host validates every message: a bad payload is refused before any handler runs
    await assert.rejects(panel().invoke('import/batch/apply', { skipInvalid: 'yes' }), /skipInvalid/);
    // invalid rows without "skip" write nothing
    await assert.rejects(panel().invoke('import/batch/apply', { skipInvalid: false }), /1 invalid rows/);
    assert.equal(personCount(), before);

    const result = (await panel().invoke('import/batch/apply', { skipInvalid: true })) as ImportResultView;
    assert.ok(result.batchId, 'a batch was written');
    assert.match(result.text, /2 new, 0 changed, 1 invalid rows skipped/);
    assert.equal(personCount(), before + 2);
    assert.equal(
      String(store().scalar('SELECT last_name FROM persons WHERE person_no = 970001')),
      'Müller',
      'cp1252 decoded',
    );
    // a second click does not write again: the panel answers with the result it has
    assert.deepEqual(await panel().invoke('import/batch/apply', { skipInvalid: true }), result);
    assert.equal(personCount(), before + 2);

    const undone = await vscode.commands.executeCommand<UndoImportResult>('ixhaus.import.undo', {
      batchId: result.batchId,
      confirm: true,
    });
    assert.equal(undone?.restored, 2);
    assert.equal(personCount(), before);
  });

  it('exports persons to .xlsx and .csv; re-importing each file plans 0 changes', async () => {
    const records = personCount();
    assert.ok(records > 0);
    for (const name of ['personen.xlsx', 'personen.csv']) {
      const file = path.join(dir, name);
      const exported = await vscode.commands.executeCommand<ExportCommandResult>('ixhaus.export.start', {
        kind: 'persons',
        file,
      });
      assert.equal(exported?.records, records);
      assert.equal(exported?.bytes, fs.statSync(file).size);
      await vscode.commands.executeCommand('ixhaus.import.start', { file, kind: 'persons', confirm: true });
      const view = (await panel().invoke('import/session/init', {})) as ImportPreviewView;
      assert.deepEqual(view.counts, { new: 0, changed: 0, unchanged: records, invalid: 0 }, name);
      const result = (await panel().invoke('import/batch/apply', { skipInvalid: false })) as ImportResultView;
      assert.equal(result.batchId, null, `${name}: nothing written`);
    }
  });

  it('warns when the file deactivates a user who still holds assignments, and opens Verantwortlichen ändern', async () => {
    const holder = store()
      .all<{ login: string; short_code: string; last_name: string }>(
        "SELECT u.login, u.short_code, u.last_name FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.active = 1 AND u.login NOT IN ('admin', 'haupt') GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1",
      )
      .at(0);
    assert.ok(holder);
    const file = path.join(dir, 'benutzer.csv');
    fs.writeFileSync(
      file,
      iconv.encode(
        `Login;Kürzel;Nachname;Aktiv\r\n${holder.login};${holder.short_code};${holder.last_name};nein\r\n`,
        'win1252',
      ),
    );
    await vscode.commands.executeCommand('ixhaus.import.start', { file, kind: 'users' });
    const view = (await panel().invoke('import/session/init', {})) as ImportPreviewView;
    assert.deepEqual(view.counts, { new: 0, changed: 1, unchanged: 0, invalid: 0 });
    assert.equal(view.warnings.total, 1);
    assert.equal(view.warnings.items[0]?.holderLogin, holder.login);
    assert.match(view.warnings.items[0]?.text ?? '', /Verantwortlichen ändern/);
    assert.equal(view.changes.items[0]?.key, holder.login);
    await panel().invoke('import/responsible/open', { login: holder.login });
    const transfer = api.services.transferPanels.open;
    assert.ok(transfer, 'Verantwortlichen ändern opened');
    const init = (await transfer.invoke('responsibility/session/init', {})) as {
      prefill: { fromLogin?: string } | null;
    };
    assert.equal(init.prefill?.fromLogin, holder.login);
    transfer.panel.dispose();
    // Cancel closes the preview without writing
    await panel().invoke('import/panel/cancel', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(api.services.importPanels.open, undefined);
    assert.equal(Number(store().scalar('SELECT active FROM users WHERE login = ?', [holder.login])), 1);
  });

  it('lists only batches that can still be undone', async () => {
    const { listImportBatches } = await import('../../src/core/import/importHistory');
    const db = api.services.storeHost.db;
    assert.ok(db);
    const all = await listImportBatches(db, api.services.session.actor);
    assert.ok(all.some((b) => b.undoneAt !== null && b.sourceName === 'Personen Müller.csv'));
    const open = await listImportBatches(db, api.services.session.actor, { includeUndone: false });
    assert.ok(open.every((b) => b.undoneAt === null));
  });

  it('refuses a user who is not an administrator (the core says why); nothing opens, nothing is written', async () => {
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'haupt', password: 'demo' });
    try {
      const file = path.join(dir, 'personen.csv');
      const refusal = /not allowed to (import|export|list) master data.*administrator/;
      for (const run of [
        () => importMasterDataCommand(api.services, { file, kind: 'persons' }),
        () => exportMasterDataCommand(api.services, { kind: 'persons', file: path.join(dir, 'x.csv') }),
        () => undoImportCommand(api.services, { batchId: 'imp-x' }),
      ])
        await assert.rejects(run(), (error: unknown) => refusal.test(localizedMessage(error)));
      assert.equal(api.services.importPanels.open, undefined);
      assert.equal(fs.existsSync(path.join(dir, 'x.csv')), false);
      // through the command wrapper: the error is shown, the command yields nothing
      assert.equal(await vscode.commands.executeCommand('ixhaus.import.start', { file, kind: 'persons' }), undefined);
    } finally {
      await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    }
  });
});
