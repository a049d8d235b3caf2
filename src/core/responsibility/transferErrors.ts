/**
 * The refusals of "Verantwortlichen ändern"'s planning (issue 8, product.md §4): each names the cause and the fix,
 * localized through its message template.
 */
import { IxError, msg } from '../errors';

/** A chosen module is not in a valid installed license. */
export class TransferModuleNotLicensedError extends IxError {
  constructor(moduleName: string, code: string) {
    super(
      'E_TRANSFER_MODULE_NOT_LICENSED',
      msg(
        'The module {0} ({1}) is not part of a valid installed license, so its responsibles cannot be changed. Deselect it or install a license that contains it.',
      ),
      [moduleName, code],
    );
  }
}

/** One or more Objektnummern do not exist. */
export class UnknownObjectError extends IxError {
  constructor(objectNos: readonly number[]) {
    super(
      'E_TRANSFER_UNKNOWN_OBJECT',
      msg('There is no object with the number {0}. Check the Objektnummern or choose the objects from the list.'),
      [objectNos.slice(0, 10).join(', ') + (objectNos.length > 10 ? ', …' : '')],
    );
  }
}

/** The team filter names no team. */
export class UnknownTeamError extends IxError {
  constructor(team: string) {
    super(
      'E_TRANSFER_UNKNOWN_TEAM',
      msg('There is no team "{0}". Choose a team from the Teamverwaltung or leave the team filter empty.'),
      [team],
    );
  }
}
