/**
 * Error model of the core (DESIGN.md §3 "Errors").
 *
 * Every failure the user can meet is a subclass of {@link IxError}. It carries an English message template
 * (the l10n key: the extension translates it with `vscode.l10n.t(template, ...args)`, the CLI prints it as is),
 * its arguments, and a machine-readable `code`. Templates are written with {@link msg} so that the
 * l10n completeness test can find them; each template says what is wrong **and** what to do.
 */

/** Marks an English message template for the German bundle check. Returns its argument unchanged. */
export function msg(template: string): string {
  return template;
}

/** Fills `{0}`, `{1}` … in a template (the same placeholder syntax as `vscode.l10n.t`). */
export function formatTemplate(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });
}

/**
 * What the user can do about an error, carried by the error itself (issue 18 §5): the extension turns each into a
 * button of the error message, the CLI into a hint. Adding one here makes every surface offer it.
 */
export type SuggestedAction =
  'signIn' | 'createDemoStore' | 'openStore' | 'restoreBackup' | 'sftpSettings' | 'retrustHostKey';

/** Base of all typed core errors. `code` is stable (for scripts and tests); `template` + `args` give the text. */
export class IxError extends Error {
  readonly code: string;
  readonly template: string;
  readonly args: readonly (string | number)[];

  constructor(code: string, template: string, args: readonly (string | number)[] = [], options?: { cause?: unknown }) {
    super(formatTemplate(template, args), options);
    this.name = new.target.name;
    this.code = code;
    this.template = template;
    this.args = args;
  }

  /** What the user can do about it (none by default; subclasses say). */
  get suggestedActions(): readonly SuggestedAction[] {
    return [];
  }
}

/** An action needs a signed-in iX-Haus user (the extension's sign-in; the CLI signs in per call with --user). */
export class SignInRequiredError extends IxError {
  constructor() {
    super(
      'E_SIGN_IN_REQUIRED',
      msg('Sign in first: use "Sign in" in the iX-Haus view or the status bar, with your iX-Haus login.'),
    );
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['signIn'];
  }
}

/** An action needs an open store and none is open. */
export class NoStoreOpenError extends IxError {
  constructor() {
    super('E_NO_STORE', msg('No store is open. Create the demo store or open a store first.'));
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['createDemoStore', 'openStore'];
  }
}

/** The acting user lacks the right for an operation (enforced in core, product.md §1). */
export class PermissionError extends IxError {
  constructor(action: string, needed: string) {
    super(
      'E_PERMISSION',
      msg('You are not allowed to {0}: this needs {1}. Sign in as such a user or ask your administrator.'),
      [action, needed],
    );
  }
}

/**
 * An edit was based on a value that someone else (another admin, window or process on a shared store) changed
 * meanwhile (issue 19 "optimistic concurrency"): nothing was saved, and the message shows the current value.
 */
export class ChangedMeanwhileError extends IxError {
  constructor(what: string, current: string) {
    super(
      'E_CHANGED_MEANWHILE',
      msg(
        '{0} was changed by someone else meanwhile and is now: {1}. Nothing was saved. Look at the current value and make your change again.',
      ),
      [what, current],
    );
  }
}

/** Returns a readable message for anything thrown (an IxError's text, else `Error.message`, else `String(x)`). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
