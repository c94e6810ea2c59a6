// The console's way to the API: the session (login, JSON over fetch with the bearer token, the silent
// token refresh on 401, the API's error body as an ApiError the panels can show as it is) is the one the
// demo page uses too, in ../shared/session.js. The console keeps its tokens in memory only (never
// storage): a reload means logging in again, and a script injected into the page could not read a
// stored admin token from disk-backed storage either.
import { describeError, onSessionEnded as onRefusedRefresh } from '../shared/session.js';

export { api, ApiError, currentUser, describeError, login, logout } from '../shared/session.js';

/** `callback(message)` runs when the server refuses the refresh token: the session is over. */
export function onSessionEnded(callback) {
  onRefusedRefresh((err) => callback(`Your session ended: ${describeError(err)}. Log in again.`));
}

/** `path?a=1&b=x&status=A&status=B`: empty values are left out, arrays repeat the key. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== '') query.append(key, String(one));
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
