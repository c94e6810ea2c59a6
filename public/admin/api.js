// The console's only way to the API: JSON over fetch with the session's bearer token, a silent token
// refresh on 401, and the API's error body turned into an ApiError the panels can show as it is.
// Tokens live in this module's memory only (never localStorage): a reload means logging in again, and a
// script injected into the page could not read a stored admin token from disk-backed storage either.

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
};
const endListeners = [];

export const currentUser = () => session.user;

/** `callback(message)` runs when the server refuses the refresh token: the session is over. */
export function onSessionEnded(callback) {
  endListeners.push(callback);
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
export async function api(method, path, body) {
  const token = session.token;
  let { res, json } = await send(method, path, body, token);
  if (res.status === 401 && token) {
    await refreshSession(token);
    ({ res, json } = await send(method, path, body, session.token));
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Logs in; a 401 here is bad credentials, so it is not a session to refresh. */
export async function login(username, password) {
  const { res, json } = await send('POST', '/api/auth/login', { username, password });
  if (!res.ok) throw new ApiError(res.status, json);
  startSession(json);
  return session.user;
}

/** Ends the session on the server (access token and refresh family), then forgets it here in any case. */
export async function logout() {
  let failure = null;
  if (session.token) {
    try {
      await api('POST', '/api/auth/logout');
    } catch (err) {
      failure = err;
    }
  }
  forgetSession();
  if (failure) throw failure;
}

/**
 * A new token pair, one request at a time: the refresh token is spent by its first use, and the server
 * treats a second use as theft and revokes the whole session, so concurrent 401s must share one refresh.
 * `staleToken` is the token the caller was refused with: if the session already moved on, just retry.
 */
function refreshSession(staleToken) {
  if (session.token && session.token !== staleToken) return Promise.resolve();
  if (!session.refreshing) {
    session.refreshing = requestNewTokens().finally(() => {
      session.refreshing = null;
    });
  }
  return session.refreshing;
}

async function requestNewTokens() {
  if (!session.refreshToken) {
    throw new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Not logged in' });
  }
  const { res, json } = await send('POST', '/api/auth/token/refresh', { refreshToken: session.refreshToken });
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    // Only a refused refresh token ends the session; a busy or failing server (429, 5xx) does not.
    if (res.status === 401 || res.status === 400) {
      forgetSession();
      for (const listener of endListeners)
        listener(`Your session ended: ${describeError(err)}. Log in again.`);
    }
    throw err;
  }
  startSession(json);
}

function startSession(body) {
  session.token = body.accessToken;
  session.refreshToken = body.refreshToken;
  session.user = body.user;
}

function forgetSession() {
  session.token = null;
  session.refreshToken = null;
  session.user = null;
}
