// Logging in and out, and the session across a reload. The tokens themselves (login, refresh, logout)
// are ../shared/session.js's; this is what the page does around them: the shop opens, the tab keeps its
// refresh token, and everything stops when the session ends.
import {
  api,
  ApiError,
  currentUser,
  forgetSession,
  login as logIn,
  logout as logOut,
  onSessionEnded,
  onTokens,
  resume,
} from '../shared/session.js';
import { loadConcerts, loadPaymentMethods } from './catalog.js';
import { showOrder } from './checkout.js';
import { setMode } from './connection.js';
import { reloadOrders, renderOrders } from './my-orders.js';
import { closeSocket, connectSocket } from './realtime.js';
import { queue } from './room.js';
import { loadTier } from './sale.js';
import { dropPicks, releasePicks, renderPicks } from './picks.js';
import { $, LIVE, logEvent, setOrdersMessage, setSeatMessage, state } from './state.js';

/** Where the tab keeps its refresh token (see rememberRefreshToken). */
const REFRESH_TOKEN_KEY = 'checkout-demo.refreshToken';

/**
 * The tab keeps the refresh token (never the access token) in sessionStorage, so that a reload does not
 * log the fan out. sessionStorage belongs to this tab only and is gone when the tab closes: another
 * tab, or this one reopened, starts at the login form. The token is spent by its first use, so a copy
 * read from the storage is worth at most one refresh, and spending it twice (a copy, or a tab
 * duplicated with its storage) revokes the whole session on the server: both go back to the login.
 */
function rememberRefreshToken(token) {
  try {
    if (token) sessionStorage.setItem(REFRESH_TOKEN_KEY, token);
    else sessionStorage.removeItem(REFRESH_TOKEN_KEY);
  } catch {
    // Storage disabled (privacy settings): the session lasts as long as the page, as it did before.
  }
}

function storedRefreshToken() {
  try {
    return sessionStorage.getItem(REFRESH_TOKEN_KEY);
  } catch {
    return null;
  }
}

/**
 * On load: a refresh token the tab kept (this is a reload) is traded for a new pair and the fan is back
 * in the shop without seeing the login form. A refused token (spent, revoked, expired) is forgotten and
 * the form shows; a server that cannot answer now leaves it for the next reload.
 */
export async function restoreSession() {
  const refreshToken = storedRefreshToken();
  if (!refreshToken) return;
  $('login-panel').hidden = true;
  $('restoring').hidden = false;
  let failure = null;
  try {
    await resume(refreshToken);
  } catch (err) {
    failure = err;
  }
  $('restoring').hidden = true;
  if (!failure) {
    logEvent('session', 'restored after a reload');
    await openShop();
    await resumeCheckout();
  } else if (failure.status === 401 || failure.status === 400) {
    endSession('Your session has ended — please log in again.');
  } else {
    // A server that answered says why (its error code); a fetch that failed never reached it.
    const why = failure instanceof ApiError ? failure.errorCode : 'network';
    endSession(`Your session could not be restored (${why}) — please log in.`, {
      bad: true,
      keepStoredToken: true,
    });
  }
}

/**
 * Back to the login form: the tokens are forgotten and nothing keeps polling or listening. The tab's
 * copy of the refresh token goes too (a reload must not bring an ended session back), unless
 * `keepStoredToken`: the server could not be asked, and the next reload may still restore the session.
 */
export function endSession(reason, { bad = false, keepStoredToken = false } = {}) {
  closeSocket();
  queue.reset();
  state.sessionSeq += 1;
  forgetSession();
  if (!keepStoredToken) rememberRefreshToken(null);
  state.tier = null;
  dropPicks();
  state.order = null;
  state.warning = null;
  state.orders.list = [];
  state.orders.read = false;
  state.orders.loadFailed = false;
  setMode('offline', reason || 'logged out');
  $('shop').hidden = true;
  $('checkout').hidden = true;
  $('tickets').hidden = true;
  $('restoring').hidden = true;
  setOrdersMessage('');
  renderOrders();
  $('login-panel').hidden = false;
  $('login-error').textContent = reason || '';
  $('login-error').classList.toggle('error', Boolean(bad));
  $('login-error').hidden = !reason;
}

/**
 * The form's own submit (method="post", for a page without script) never happens: the credentials go
 * as JSON by fetch, and never into the URL or the browser's history.
 */
export async function login(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  $('login-error').hidden = true;
  try {
    await logIn(String(form.get('username')), String(form.get('password')));
  } catch (err) {
    $('login-error').textContent = `Login failed: ${err.message}`;
    $('login-error').classList.add('error');
    $('login-error').hidden = false;
    return;
  }
  await openShop();
}

/** A new session (from the login, or restored on load): the shop, the fan's tickets, live updates. */
async function openShop() {
  const user = currentUser();
  $('who').textContent = `${user.username} (#${user.id})`;
  $('login-panel').hidden = true;
  $('shop').hidden = false;
  $('tickets').hidden = false;
  setSeatMessage('');
  renderPicks();
  void reloadOrders();
  await loadTier();
  await loadPaymentMethods();
  connectSocket();
  await loadConcerts();
}

/**
 * After a reload the cart of a hold still running (the newest one) comes back, so the fan can pay for it
 * or let it go; without it only "My orders" would know about it. Only after a reload: a fresh login starts
 * at the seat map, whatever another tab or device is buying.
 */
async function resumeCheckout() {
  const session = state.sessionSeq;
  await reloadOrders();
  const listed = state.orders.list.find((o) => LIVE.includes(o.status));
  if (!listed || state.order) return;
  // Its own GET, not the list's copy: it expires an overdue hold, and its answer is the newest.
  let o;
  try {
    o = await api('GET', `/api/orders/${listed.id}`);
  } catch (err) {
    logEvent('session', `could not resume order #${listed.id}: ${err.errorCode || err.message}`);
    return;
  }
  if (session === state.sessionSeq && !state.order && LIVE.includes(o.status)) showOrder(o, 'response');
}

export async function logout() {
  await releasePicks();
  await queue.leaveOnLogout();
  try {
    await logOut();
  } catch (err) {
    logEvent('session', `logout: ${err.errorCode || err.message}`);
  }
  endSession('Logged out.');
}

/**
 * What the page does with the session's own events: every new pair's refresh token is kept by the tab;
 * a silent refresh moves the socket to the new token (its user room must follow it); a refused refresh
 * token ends the session.
 */
export function followSession() {
  onTokens((body, how) => {
    rememberRefreshToken(body.refreshToken);
    if (how !== 'refresh') return;
    logEvent('session', 'access token refreshed');
    // The socket was authenticated with the old token: its user room must follow the new one.
    if (state.socket) connectSocket();
  });
  onSessionEnded((err) =>
    endSession(`Your session ended (${err.errorCode}) — please log in again.`, { bad: true }),
  );
}
