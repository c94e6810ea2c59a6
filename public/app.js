// Demo checkout page: log in, pick seats from the live seat map (coloured by price zone) or ask for the
// best N seats of a zone, hold them as one order, pay once, and watch the outcome arrive by push
// (socket.io /realtime). When the socket cannot connect (or drops), the page polls GET /api/orders/{id}
// and the seat map every 2 s instead: the server's answer is the truth. Clicking a seat takes a soft lock
// on it (SELECTING for everyone else) until the fan holds it, clicks it again or leaves the page; up to
// MAX_PICKS seats are picked at once. The access token lives in memory only (shared/session.js, which the
// admin console uses too); an expired one is refreshed once, silently, with the refresh token, which the
// tab also keeps so that a reload restores the session. A concert whose waiting room is on shows the
// fan's place in its queue instead of the seat map until the server admits them (queue.js). "My
// orders" lists the fan's orders, with cancel, and refund per seat.
// Plain browser ES modules by concern under demo/, no build step; the CSP allows only same-origin files.
// This entry module only wires them to the page.
import { followSession, login, logout, restoreSession } from './demo/auth.js';
import { loadOptions, selectOption } from './demo/catalog.js';
import { again, cancel, holdBest, holdPicks, pay, refreshOrder, tick } from './demo/checkout.js';
import { openCheckout, runOrderAction } from './demo/order-actions.js';
import { onPoll } from './demo/connection.js';
import { onPageShow, releaseOnLeave, releasePicks, toggleSeat } from './demo/picks.js';
import { onGate } from './demo/room.js';
import { loadSeatMap, setSeatsOpen } from './demo/seat-map.js';
import { $, liveOrder } from './demo/state.js';

followSession();
onGate(setSeatsOpen);
// Polls only while push is unavailable: the cart's order (if live) and the seat map.
onPoll(() => {
  if (liveOrder()) void refreshOrder('poll');
  void loadSeatMap();
});

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => void logout());
$('concert').addEventListener('change', (e) => void loadOptions(Number(e.target.value)));
$('option').addEventListener('change', (e) => void selectOption(Number(e.target.value)));
$('seats').addEventListener('click', (e) => {
  const seat = e.target.closest('button[data-seat-id]');
  if (seat && !seat.disabled) void toggleSeat(Number(seat.dataset.seatId));
});
$('hold').addEventListener('click', () => void holdPicks());
$('release').addEventListener('click', () => void releasePicks());
$('best-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void holdBest();
});
$('pay').addEventListener('click', () => void pay());
$('cancel').addEventListener('click', () => void cancel());
$('again').addEventListener('click', again);
$('ticket-list').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b || b.disabled) return;
  const orderId = Number(b.dataset.orderId);
  if (b.dataset.action === 'pay') void openCheckout(orderId);
  else if (b.dataset.action === 'cancel') void runOrderAction(orderId, 'cancel');
  else
    void runOrderAction(
      orderId,
      'refund',
      b.dataset.reservationId ? Number(b.dataset.reservationId) : undefined,
    );
});
window.addEventListener('pagehide', releaseOnLeave);
window.addEventListener('pageshow', onPageShow);
setInterval(tick, 250);
void restoreSession();
