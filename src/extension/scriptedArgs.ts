/**
 * Command arguments that change behaviour in a way only scripts and tests need — skipping a confirmation
 * (`{ confirm: true }`), trusting a host key, a test CA file (issue 18 §2, DESIGN.md §4b). Any extension can call
 * our commands with any argument, so these are honoured only while the extension runs in the test extension mode
 * (`vscode.ExtensionMode.Test`, i.e. the in-host test runner); otherwise they are ignored and the user is asked.
 */
import * as vscode from 'vscode';

/** True when confirmation-skipping and other test-only arguments may be honoured. */
export function acceptsScriptedArgs(context: Pick<vscode.ExtensionContext, 'extensionMode'>): boolean {
  return context.extensionMode === vscode.ExtensionMode.Test;
}

/** `args` in the test extension mode, else `undefined` (the command then runs interactively). */
export function scriptedArgs(context: Pick<vscode.ExtensionContext, 'extensionMode'>, args: unknown): unknown {
  return acceptsScriptedArgs(context) ? args : undefined;
}
