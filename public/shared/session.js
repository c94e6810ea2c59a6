// The one owner of a page's API session, for the demo page and the admin console alike: the token pair,
// the login, the authorized fetch with its silent refresh on 401, and the logout. The access token lives
// in this module's memory only; a page that wants its session to survive a reload keeps the refresh
// token itself (onTokens) and trades it back with resume().

/** The API's error body `{status, errorCode, message, details?, correlationId}` as an Error. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.errorCode = (body && body.errorCode) || `HTTP_${status}`;
    this.details = body && body.details;
    this.correlationId = body && body.correlationId;
  }
}

/** "message (ERROR_CODE)", with validation details and the correlation id when the API gave them. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return `${err.message || err} (NETWORK_ERROR)`;
  let text = `${err.message} (${err.errorCode})`;
  if (Array.isArray(err.details) && err.details.length) text += `: ${err.details.join('; ')}`;
  if (err.correlationId) text += ` [correlation id ${err.correlationId}]`;
  return text;
}

const session = {
  token: null,
  refreshToken: null,
  user: null,
  /** The in-flight POST /api/auth/token/refresh, shared by every call that got a 401 meanwhile. */
  refreshing: null,
  /** Bumped when the session is forgotten: a refresh answered after that must not bring it back. */
  generation: 0,
  /** A logout is on its way: the session is ending, so nothing but the logout itself may refresh it. */
  loggingOut: false,
};
const tokenListeners = [];
const endListeners = [];

export const currentUser = () => session.user;
/** The access token, for what cannot go through api(): a socket's handshake, a keepalive fetch. */
export const accessToken = () => session.token;

/** `callback(body, how)` runs for every new token pair: `how` is 'login', 'refresh' or 'resume'. */
export function onTokens(callback) {
  tokenListeners.push(callback);
}

/** `callback(err)` runs when the server refuses the refresh token: the session is over. */
export function onSessionEnded(callback) {
  endListeners.push(callback);
}

/** One request without the session's retry: `{res, json}`; a body that is not JSON still gives `json`. */
async function send(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, say: the status still tells what happened.
    json = { message: `HTTP ${res.status} (not JSON)` };
  }
  return { res, json };
}

/**
 * One API call with the session's token. A 401 means the access token expired or was revoked: the
 * session is refreshed once and the call retried once with the new token.
 */
export function api(method, path, body) {
  return authorized(method, path, body, false);
}

async function authorized(method, path, body, forLogout) {
  const token = session.token;
  let { res, json } = await send(method, path, body, token);
  if (res.status === 401 && token) {
    await refreshSession(token, forLogout);
    ({ res, json } = await send(method, path, body, session.token));
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Logs in; a 401 here is bad credentials, so it is not a session to refresh. */
export async function login(username, password) {
  const { res, json } = await send('POST', '/api/auth/login', { username, password });
  if (!res.ok) throw new ApiError(res.status, json);
  startSession(json, 'login');
  return session.user;
}

/**
 * Trades a refresh token the page kept (across a reload) for a new pair. A refusal throws the ApiError
 * (401/400: the token is spent, revoked or expired), a server out of reach the fetch's own error.
 */
export async function resume(refreshToken) {
  const { res, json } = await send('POST', '/api/auth/token/refresh', { refreshToken });
  if (!res.ok) throw new ApiError(res.status, json);
  startSession(json, 'resume');
  return session.user;
}

/**
 * Ends the session on the server (access token and refresh family), then forgets it here in any case.
 * A refresh on its way is waited for first: its answer spends the old refresh token, and the logout must
 * go with the pair that is current, not be overtaken by a refresh that brings the session back. Once
 * the logout is sent, no other call may start a refresh: the server ends the session's push connections
 * at once (SESSION_EXPIRED, perhaps before the logout's own answer arrives), and refreshing for them
 * would spend a revoked refresh token (a 401, and "your session ended" instead of "logged out").
 */
export async function logout() {
  if (session.refreshing) await session.refreshing.catch(() => undefined);
  let failure = null;
  if (session.token) {
    session.loggingOut = true;
    try {
      await authorized('POST', '/api/auth/logout', undefined, true);
    } catch (err) {
      failure = err;
    } finally {
      session.loggingOut = false;
    }
  }
  forgetSession();
  if (failure) throw failure;
}

/**
 * A new token pair, one request at a time: the refresh token is spent by its first use, and the server
 * treats a second use as theft and revokes the whole session, so concurrent 401s must share one refresh.
 * `staleToken` is the token the caller was refused with: if the session already moved on, just retry.
 * While a logout is on its way only the logout's own call (`forLogout`) may refresh.
 */
export function refreshSession(staleToken, forLogout = false) {
  if (session.loggingOut && !forLogout) {
    return Promise.reject(new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Logging out' }));
  }
  if (session.token && session.token !== staleToken) return Promise.resolve();
  if (!session.refreshing) {
    session.refreshing = requestNewTokens().finally(() => {
      session.refreshing = null;
    });
  }
  return session.refreshing;
}

async function requestNewTokens() {
  // Logged out while the call that got the 401 was in flight: there is no session to refresh.
  if (!session.refreshToken) {
    throw new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Not logged in' });
  }
  const generation = session.generation;
  const { res, json } = await send('POST', '/api/auth/token/refresh', { refreshToken: session.refreshToken });
  // Logged out meanwhile: the new pair must not bring the session (or a page's copy of it) back.
  if (generation !== session.generation) {
    throw new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Logged out' });
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    // Only a refused refresh token ends the session; a busy or failing server (429, 5xx) does not.
    if (res.status === 401 || res.status === 400) {
      forgetSession();
      for (const listener of endListeners) listener(err);
    }
    throw err;
  }
  startSession(json, 'refresh');
}

function startSession(body, how) {
  session.token = body.accessToken;
  session.refreshToken = body.refreshToken;
  session.user = body.user;
  for (const listener of tokenListeners) listener(body, how);
}

/** Forgets the tokens here (the server is not told: see logout()). */
export function forgetSession() {
  session.generation += 1;
  session.token = null;
  session.refreshToken = null;
  session.user = null;
}
