/**
 * The one sign-in guard of the extension (issue 18 §5): every command and panel that needs an open store and a
 * signed-in user asks here, and gets the same errors — {@link NoStoreOpenError} (offers "Create Demo Store" and
 * "Open Store…") or {@link SignInRequiredError} (offers "Sign in"). What the user's role allows is checked in core.
 */
import { NoStoreOpenError, SignInRequiredError } from '../core/errors';
import type { Store } from '../core/store/database';
import type { AsyncStore } from '../core/store/asyncStore';
import type { Actor } from '../core/access/rights';

/** Where the guard looks: the store host and the session (a narrow slice of the services). */
export interface SignInState {
  readonly storeHost: { readonly db: AsyncStore | undefined; readonly store?: Store | undefined };
  readonly session: { readonly actor: Actor | undefined };
}

/**
 * The open store (`store`: the core's asynchronous store, on either backend; `file`: the sql.js engine of a file
 * store, for the few file-only facts) and the signed-in user. @throws NoStoreOpenError, SignInRequiredError
 */
export function requireSignedIn(state: SignInState): {
  store: AsyncStore;
  file: Store | undefined;
  actor: Actor;
} {
  const store = state.storeHost.db;
  if (!store) throw new NoStoreOpenError();
  const actor = state.session.actor;
  if (!actor) throw new SignInRequiredError();
  return { store, file: state.storeHost.store, actor };
}
