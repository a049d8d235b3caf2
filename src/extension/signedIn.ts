/**
 * The one sign-in guard of the extension (issue 18 §5): every command and panel that needs an open store and a
 * signed-in user asks here, and gets the same errors — {@link NoStoreOpenError} (offers "Create Demo Store" and
 * "Open Store…") or {@link SignInRequiredError} (offers "Sign in"). What the user's role allows is checked in core.
 */
import { NoStoreOpenError, SignInRequiredError } from '../core/errors';
import type { Store } from '../core/store/database';
import type { AsyncStore } from '../core/store/asyncStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import type { Actor } from '../core/access/rights';
import { NotOnPostgresYetError } from './postgresGuard';

/** Where the guard looks: the store host and the session (a narrow slice of the services). */
export interface SignInState {
  readonly storeHost: { readonly store: Store | undefined; readonly db?: AsyncStore | undefined };
  readonly session: { readonly actor: Actor | undefined };
}

/**
 * The open store (`db`: the asynchronous interface converted services take; `store`: the file engine, for the
 * services not converted yet) and the signed-in user. @throws NoStoreOpenError, NotOnPostgresYetError (PostgreSQL store), SignInRequiredError
 */
export function requireSignedIn(state: SignInState): { store: Store; db: AsyncStore; actor: Actor } {
  const store = state.storeHost.store;
  // a PostgreSQL store has no file engine: the services behind this guard are not converted yet (issue 19)
  if (!store && state.storeHost.db) throw new NotOnPostgresYetError(state.storeHost.db.location);
  if (!store) throw new NoStoreOpenError();
  // transition (issue 19): callers that do not pass the host's async store get an adapter over the file store
  const db = state.storeHost.db ?? new SqlJsAsyncStore(store);
  const actor = state.session.actor;
  if (!actor) throw new SignInRequiredError();
  return { store, db, actor };
}
