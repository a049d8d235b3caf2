/**
 * Which calls and users CTI applies to (issue 9 §3, issue 16 §3): the gate (CTI on, the user has a line) and the
 * comparison of a provider's line name with the user's line.
 */
import type { AsyncQueryable } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { IxError, msg } from '../errors';
import { readCtiSettings } from './callerLookup';

/** Whether CTI alerts apply to a user (issue 9 §3): CTI on and the user has chosen a line. */
export async function ctiGate(
  store: AsyncQueryable,
  userId: number,
): Promise<{ active: boolean; line: string | undefined; reason: 'off' | 'no-line' | undefined }> {
  const settings = await readCtiSettings(store);
  const line = await scalar(store, 'SELECT cti_line FROM users WHERE id = ?', [userId]);
  const userLine = typeof line === 'string' && line !== '' ? line : undefined;
  if (!settings.enabled) return { active: false, line: userLine, reason: 'off' };
  if (!userLine) return { active: false, line: undefined, reason: 'no-line' };
  return { active: true, line: userLine, reason: undefined };
}

/** True when a provider's line name denotes the user's line (`PJSIP/201` ~ `201`, case-insensitive). */
export function sameLine(eventLine: string | undefined, userLine: string): boolean {
  if (!eventLine) return false;
  const a = eventLine.toLowerCase();
  const b = userLine.toLowerCase();
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/** A session needs a provider that knows the user's line. */
export class NoCtiLineError extends IxError {
  constructor() {
    super(
      'E_CTI_NO_LINE_CHOSEN',
      msg(
        'You have not chosen a CTI line, so no calls can be shown or placed. Choose your line under Meine Daten (CTI-Kopplung).',
      ),
    );
  }
}
