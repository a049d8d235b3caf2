/**
 * The extension under test in in-host tests: activated, its store open (`api.ready`), and — when `signInAs` is
 * given — that user signed in through the scripted "Sign in" command.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { IxHausApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

export async function activatedExtension(signInAs?: { login: string; password: string }): Promise<IxHausApi> {
  const extension = vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID);
  assert.ok(extension, `the extension ${EXTENSION_ID} is installed in the host`);
  const api = await extension.activate();
  await api.ready;
  if (signInAs) await vscode.commands.executeCommand('ixhaus.session.signIn', signInAs);
  return api;
}
