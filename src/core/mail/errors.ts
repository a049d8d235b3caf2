import { IxError, msg } from '../errors';
import type { MailIssue } from '../../shared/mail/settings';

/** A failure of the mail core (issue 7): bad settings, unsafe header values, OAuth or Graph refusals. */
export class MailError extends IxError {}

/**
 * Settings that failed {@link validateMailSettings}: `issues` holds every finding; the message names the first
 * error and its fix.
 */
export class MailSettingsError extends MailError {
  readonly issues: readonly MailIssue[];
  constructor(issues: readonly MailIssue[]) {
    const first = issues.find((issue) => issue.severity === 'error') ?? issues[0];
    super(
      first?.code ?? 'E_MAIL_SETTINGS',
      first?.template ?? msg('The SMTP settings are incomplete.'),
      first?.args ?? [],
    );
    this.issues = issues;
  }
}

/** A header-bound value held CR, LF or NUL (field case C09); `field` names it, the message says where it came from. */
export class HeaderInjectionError extends MailError {
  readonly field: string;
  constructor(field: string) {
    super(
      'E_MAIL_HEADER_LINEBREAK',
      msg(
        '{0} contains a line break or NUL character; such a value could inject mail headers and is refused. Correct the record and try again.',
      ),
      [field],
    );
    this.field = field;
  }
}
