/**
 * Runs inside a real VS Code extension host (extensionTestsPath of `npm run bench`): activates the extension,
 * waits for its store, and writes activate() and store-ready times to $IXHAUS_BENCH_OUT.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { IxHausApi } from '../src/extension/extension';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<IxHausApi>('ixhaus-admin.ixhaus-admin');
  if (!extension) throw new Error('extension not loaded');
  const api = await extension.activate();
  await api.ready;
  const out = process.env.IXHAUS_BENCH_OUT;
  if (out)
    fs.writeFileSync(
      out,
      JSON.stringify({ activationMs: api.activationMs, storeReadyMs: api.storeReadyMs(), vscode: vscode.version }),
    );
}
