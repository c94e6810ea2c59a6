// Push over socket.io /realtime: seat, order, reservation, expiry-warning and queue events for this fan. When
// the socket cannot connect (or drops) the page polls instead (connection.js); a refused or expired
// token is refreshed and the socket made again with the new one.
import { accessToken, refreshSession } from '../shared/session.js';
import { onHoldExpiring, onOrderStatus, onReservationStatus, refreshOrder } from './checkout.js';
import { setMode } from './connection.js';
import { reloadOrders } from './my-orders.js';
import { queue } from './room.js';
import { loadSeatMap, onSeatStatus } from './seat-map.js';
import { $, CONNECT_GRACE_MS, logEvent, state } from './state.js';

export function connectSocket() {
  if (typeof window.io !== 'function') {
    setMode('polling', 'socket.io client unavailable');
    return;
  }
  // A socket authenticated with an older token is replaced, not reused: the new one joins the user
  // room with the current token and catches up on connect.
  closeSocket();
  const socket = window.io('/realtime', {
    auth: { token: accessToken() },
    forceNew: true,
    reconnectionDelayMax: 5000,
  });
  state.socket = socket;
  state.graceTimer = setTimeout(() => {
    if (!socket.connected) setMode('polling', 'socket did not connect');
  }, CONNECT_GRACE_MS);
  socket.on('connect', () => {
    clearTimeout(state.graceTimer);
    setMode('socket', 'live push');
    // Catch up on anything missed while disconnected: the map is read once the seats are followed again.
    void subscribeSeats().catch(() => undefined);
    // A new socket (reconnected, or rebuilt for a refreshed token) follows no queue until told again.
    queue.resubscribe();
    void refreshOrder('response');
    void reloadOrders();
  });
  socket.on('disconnect', () => setMode('polling', 'socket disconnected'));
  socket.on('connect_error', (err) => onConnectError(socket, err));
  socket.on('SEAT_STATUS', onSeatStatus);
  socket.on('ORDER_STATUS', onOrderStatus);
  socket.on('RESERVATION_STATUS', onReservationStatus);
  socket.on('HOLD_EXPIRING', onHoldExpiring);
  socket.on('QUEUE_STATUS', queue.onPush);
  socket.on('SESSION_EXPIRED', () => onSessionExpired(socket));
}

/**
 * The server closes a socket when its token expires (and socket.io does not reconnect after a server
 * disconnect): refresh the token, which rebuilds the socket with the new one.
 */
function onSessionExpired(socket) {
  logEvent('socket', 'session expired: refreshing');
  renewSocket(socket);
}

/** A socket whose token is no good: a newer token is simply used, else the token is refreshed first. */
function renewSocket(socket) {
  if (socket !== state.socket) return;
  if (socket.auth.token !== accessToken()) connectSocket();
  else refreshSession(accessToken()).catch(() => undefined);
}

/**
 * socket.io does not retry a handshake its server refused: a refused token is refreshed (or, if the
 * page already has a newer one, simply used) and the socket is made again.
 */
function onConnectError(socket, err) {
  logEvent('socket', `connect_error: ${err.message}`);
  if (err.message === 'UNAUTHENTICATED') renewSocket(socket);
}

export function closeSocket() {
  const socket = state.socket;
  if (!socket) return;
  state.socket = null;
  clearTimeout(state.graceTimer);
  // Its listeners go first: its disconnect must not switch the page to polling.
  socket.off();
  socket.disconnect();
}

/** How long a seat subscription may wait for the server's answer before the map is read anyway. */
const SUBSCRIBE_ACK_MS = 5000;

/**
 * Follows the show's seats, then reads the map. The read comes after the server has confirmed the
 * subscription: a map read before it could miss a change pushed in between, and the seat would stay wrong
 * until its next change. Resolves false when there is no live socket (the caller reads the map itself).
 * Once the map on screen is followed live, the seat grid says which show (`data-live`).
 */
export async function subscribeSeats() {
  const socket = state.socket;
  if (!socket || !socket.connected || !state.optionId) return false;
  const optionId = state.optionId;
  const grid = $('seats');
  delete grid.dataset.live;
  let ack;
  try {
    ack = await socket.timeout(SUBSCRIBE_ACK_MS).emitWithAck('seats.subscribe', { optionId });
  } catch {
    ack = { ok: false, message: 'no answer' };
  }
  if (!ack || !ack.ok) logEvent('socket', `seats.subscribe refused: ${ack && ack.message}`);
  if (state.optionId !== optionId) return true;
  await loadSeatMap();
  if (ack && ack.ok && state.optionId === optionId && socket === state.socket)
    grid.dataset.live = String(optionId);
  return true;
}
