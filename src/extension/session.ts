import * as vscode from 'vscode';
import type { Actor } from '../core/access/rights';
import { isAdmin } from '../core/access/rights';
import { CONTEXT_KEYS } from './ids';

/**
 * Who is signed in in this window (product.md §1). Held in memory only: after a window reload the user signs
 * in again (the last login is remembered to prefill the prompt, never the password).
 */
export class Session implements vscode.Disposable {
  private actorValue: Actor | undefined;
  private readonly emitter = new vscode.EventEmitter<Actor | undefined>();
  readonly onDidChange = this.emitter.event;

  get actor(): Actor | undefined {
    return this.actorValue;
  }

  async set(actor: Actor | undefined): Promise<void> {
    this.actorValue = actor;
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.signedIn, actor !== undefined);
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.isAdmin, actor !== undefined && isAdmin(actor));
    this.emitter.fire(actor);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
