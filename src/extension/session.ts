import * as vscode from 'vscode';
import type { Actor } from '../core/access/rights';
import { isAdmin } from '../core/access/rights';
import { CONTEXT_KEYS } from './ids';

/**
 * Who is signed in in this window (product.md §1). Held in memory only: after a window reload the user signs
 * in again (the last login is remembered to prefill the prompt, never the password).
 *
 * A sign-in belongs to the customer system it was made on (issue 20): when the window switches to another system,
 * the sign-in is suspended — kept in memory, by the system's id — and switching back resumes it (the user is read
 * again from that store, see `resumeSignIn`). A sign-in on a store outside the systems is never kept.
 */
export class Session implements vscode.Disposable {
  private actorValue: Actor | undefined;
  private systemIdValue: string | undefined;
  /** suspended sign-ins of the other systems of this window, by system id */
  private readonly kept = new Map<string, Actor>();
  private readonly emitter = new vscode.EventEmitter<Actor | undefined>();
  readonly onDidChange = this.emitter.event;

  get actor(): Actor | undefined {
    return this.actorValue;
  }

  /** The id of the customer system the current sign-in belongs to, or undefined (none, or an ad-hoc store). */
  get systemId(): string | undefined {
    return this.systemIdValue;
  }

  /** Signs `actor` in (on the system `systemId`, when a system is active) or, with undefined, out. */
  async set(actor: Actor | undefined, systemId?: string): Promise<void> {
    this.actorValue = actor;
    this.systemIdValue = actor ? systemId : undefined;
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.signedIn, actor !== undefined);
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.isAdmin, actor !== undefined && isAdmin(actor));
    this.emitter.fire(actor);
  }

  /**
   * Signs out because another store is being opened, keeping the sign-in for its system. The actor is cleared at
   * once (synchronously, before the returned promise settles), so nothing runs with it against the next store.
   */
  suspend(): Promise<void> {
    if (this.actorValue && this.systemIdValue !== undefined) this.kept.set(this.systemIdValue, this.actorValue);
    this.actorValue = undefined;
    this.systemIdValue = undefined;
    return this.set(undefined);
  }

  /** The suspended sign-in of `systemId`, handed out once (it is the session's again, or gone). */
  takeSuspended(systemId: string): Actor | undefined {
    const actor = this.kept.get(systemId);
    this.kept.delete(systemId);
    return actor;
  }

  /** Forgets the suspended sign-in of a system (the system was removed). */
  forget(systemId: string): void {
    this.kept.delete(systemId);
  }

  dispose(): void {
    this.kept.clear();
    this.emitter.dispose();
  }
}
