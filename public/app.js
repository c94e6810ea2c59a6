// Demo checkout page: log in, pick a seat from the live seat map, hold it, pay, and watch the outcome
// arrive by push (socket.io /realtime). When the socket cannot connect (or drops), the page polls
// GET /api/reservations/v7/{id} and the seat map every 2 s instead: the server's answer is the truth.
// Clicking a seat takes a soft lock on it (SELECTING for everyone else) until the fan holds it, picks
// another seat or leaves the page. The access token lives in memory only (shared/session.js, which the
// admin console uses too); an expired one is refreshed once, silently, with the refresh token, which the
// tab also keeps so that a reload restores the session. A concert whose waiting room is on shows the
// fan's place in its queue instead of the seat map until the server admits them (queue.js). "My
// tickets" lists the fan's reservations, with refund and cancel.
// Plain browser ES modules by concern under demo/, no build step; the CSP allows only same-origin files.
// This entry module only wires them to the page.
import { followSession, login, logout, restoreSession } from './demo/auth.js';
import { loadOptions, selectOption } from './demo/catalog.js';
import {
  again,
  cancel,
  hold,
  openCheckout,
  pay,
  refreshReservation,
  runTicketAction,
  tick,
} from './demo/checkout.js';
import { onPoll } from './demo/connection.js';
import { onGate } from './demo/room.js';
import {
  loadSeatMap,
  onPageShow,
  releaseOnLeave,
  releaseSelection,
  selectSeat,
  setSeatsOpen,
} from './demo/seat-map.js';
import { $, liveReservation } from './demo/state.js';

followSession();
onGate(setSeatsOpen);
// Polls only while push is unavailable: the reservation (if any) and the seat map.
onPoll(() => {
  if (liveReservation()) void refreshReservation('poll');
  void loadSeatMap();
});

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => void logout());
$('concert').addEventListener('change', (e) => void loadOptions(Number(e.target.value)));
$('option').addEventListener('change', (e) => void selectOption(Number(e.target.value)));
$('seats').addEventListener('click', (e) => {
  const seat = e.target.closest('button[data-seat-id]');
  if (seat && !seat.disabled) void selectSeat(Number(seat.dataset.seatId));
});
$('hold').addEventListener('click', () => void hold());
$('release').addEventListener('click', () => void releaseSelection());
$('pay').addEventListener('click', () => void pay());
$('cancel').addEventListener('click', () => void cancel());
$('again').addEventListener('click', again);
$('ticket-list').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b || b.disabled) return;
  if (b.dataset.action === 'pay') void openCheckout(Number(b.dataset.reservationId));
  else void runTicketAction(Number(b.dataset.reservationId), b.dataset.action);
});
window.addEventListener('pagehide', releaseOnLeave);
window.addEventListener('pageshow', onPageShow);
setInterval(tick, 250);
void restoreSession();
