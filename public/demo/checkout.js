// The checkout card: hold the picked seat, pay (or cancel) the reservation, and show it as the server
// last described it (answer, push or poll), with the hold's countdown and expiry warning. A ticket's
// Pay, Refund and Cancel buttons land here too.
import { api } from '../shared/session.js';
import { schedulePolling } from './connection.js';
import { noteTicketStatus, reloadTickets, renderTickets } from './my-tickets.js';
import { backToQueue, queue } from './room.js';
import { SALE_REFUSALS, saleRefusal } from './sale.js';
import { loadSeatMap, releaseSelection, renderSeats, renderSelection, tickSelection } from './seat-map.js';
import {
  $,
  LIVE,
  SEAT_GONE,
  logEvent,
  setMessage,
  setSeatMessage,
  setTicketsMessage,
  state,
} from './state.js';

/** Holds the selected seat; the hold consumes the fan's lock on the server. */
export async function hold() {
  const sel = state.selection;
  if (!sel) return;
  setSeatMessage('');
  $('hold').disabled = true;
  try {
    const r = await api('POST', '/api/reservations/v7/holds', { seatId: sel.seatId });
    if (state.selection === sel) state.selection = null;
    showReservation(r, 'response');
  } catch (err) {
    if (err.errorCode === 'ADMISSION_REQUIRED') backToQueue();
    else if (SALE_REFUSALS[err.errorCode]) setSeatMessage(`Hold refused: ${saleRefusal(err)}`, true);
    else setSeatMessage(`Hold refused: ${err.errorCode || ''} ${err.message}`, true);
    if (SEAT_GONE.includes(err.errorCode) && state.selection === sel) state.selection = null;
    await loadSeatMap();
  } finally {
    renderSelection();
  }
}

export async function pay() {
  const r = state.reservation;
  if (!r) return;
  $('pay').disabled = true;
  setMessage('Paying…');
  try {
    if (r.status === 'HOLD')
      showReservation(await api('POST', `/api/reservations/v7/${r.id}/paying`), 'response');
    const body = {};
    if ($('method').value) body.paymentMethod = $('method').value;
    if (state.payments.provider === 'mock') body.mockOutcome = $('mock-outcome').value;
    showReservation(await api('POST', `/api/reservations/v7/${r.id}/confirm`, body), 'response');
  } catch (err) {
    setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
    await refreshReservation('response');
  }
}

export async function cancel() {
  const r = state.reservation;
  if (!r) return;
  try {
    showReservation(await api('POST', `/api/reservations/v7/${r.id}/cancel`), 'response');
  } catch (err) {
    setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
    await refreshReservation('response');
  }
}

export async function refreshReservation(source) {
  if (!state.reservation) return;
  try {
    showReservation(await api('GET', `/api/reservations/v7/${state.reservation.id}`), source);
  } catch (err) {
    setMessage(`Could not load the reservation: ${err.message}`, true);
  }
}

export function onReservationStatus(event) {
  logEvent('RESERVATION_STATUS', `#${event.reservationId} ${event.status} payment=${event.paymentStatus}`);
  // Any of the fan's reservations, also one changed in another tab or by the server (an expiry).
  noteTicketStatus(event.reservationId, event.status);
  const r = state.reservation;
  if (!r || r.id !== event.reservationId) return;
  // The push carries the status; only a new payment outcome needs a GET for its details (action, reason).
  showReservation(
    { ...r, status: event.status, paymentStatus: event.paymentStatus, holdExpiresAt: event.holdExpiresAt },
    'push',
  );
  if (event.paymentStatus !== r.paymentStatus) void refreshReservation('push');
}

/** Renders the reservation as the server last described it (`source`: response, push or poll). */
export function showReservation(r, source) {
  const previous = state.reservation;
  // Events can overtake a slower HTTP answer; a live status never replaces a final one.
  if (previous && previous.id === r.id && !LIVE.includes(previous.status) && LIVE.includes(r.status)) return;
  state.reservation = r;
  noteTicketStatus(r.id, r.status);
  $('checkout').hidden = false;
  $('reservation-id').textContent = `#${r.id}`;
  $('reservation-seat').textContent = r.seatNumber;
  $('amount').textContent = `${Number(r.amount).toLocaleString()} KRW`;
  const status = $('reservation-status');
  status.textContent = r.status;
  status.dataset.status = r.status;
  const payment = $('payment-status');
  payment.textContent = r.paymentStatus ? `payment ${r.paymentStatus}` : '';
  payment.className = r.paymentStatus ? 'status' : '';
  payment.dataset.status = r.paymentStatus || '';
  $('last-update').textContent = `via ${source} at ${new Date().toLocaleTimeString()}`;
  $('last-update').dataset.source = source;

  const live = LIVE.includes(r.status);
  const pending = r.paymentStatus === 'PENDING';
  $('pay-controls').hidden = !live;
  $('pay').disabled = !live || pending;
  $('pay').textContent = r.paymentStatus === 'FAILED' ? 'Retry payment' : 'Pay';
  $('again').hidden = live;
  $('webhook-hint').hidden = !(live && pending);
  $('redirect-link').hidden = !(live && r.paymentAction === 'REDIRECT' && r.paymentRedirectUrl);
  if (r.paymentRedirectUrl) $('redirect-link').href = r.paymentRedirectUrl;

  if (r.status === 'CONFIRMED') setMessage('CONFIRMED — your ticket is booked.');
  else if (r.status === 'EXPIRED') setMessage('EXPIRED — the hold ran out and the seat is free again.', true);
  else if (r.status === 'CANCELLED') setMessage('CANCELLED — the seat is free again.');
  else if (r.status === 'REFUNDED') setMessage('REFUNDED.');
  else if (r.paymentStatus === 'FAILED') {
    setMessage(
      `Payment FAILED: ${r.paymentFailureReason || 'declined'} — retry before the hold runs out.`,
      true,
    );
  } else if (pending) {
    setMessage(
      r.paymentAction === 'REDIRECT'
        ? 'Payment PENDING: finish it at the PG, then the webhook confirms it.'
        : 'Payment PENDING: waiting for the PG webhook…',
    );
    $('webhook-hint').textContent =
      'Play the PG from a shell (same PG_READY_WEBHOOK_SECRET as the server):\n' +
      'PG_READY_WEBHOOK_SECRET=<secret> npm run pg:webhook -- \\\n' +
      `  --reservation ${r.id} --status APPROVED --amount ${r.amount} --url ${location.origin}`;
  } else if (r.status === 'HOLD') setMessage('Seat held. Pay before the countdown ends.');
  tick();
  renderSelection();
  renderSeats();
  schedulePolling();
}

export function tick() {
  tickSelection();
  tickWarning();
  queue.tick();
  const r = state.reservation;
  const el = $('countdown');
  if (!r || !LIVE.includes(r.status) || !r.holdExpiresAt) {
    el.textContent = '';
    return;
  }
  const left = Math.max(0, Math.ceil((Date.parse(r.holdExpiresAt) - Date.now()) / 1000));
  el.dataset.secondsLeft = String(left);
  el.textContent =
    left > 0
      ? `Hold expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`
      : 'Hold time is up — waiting for the server to expire it…';
}

export function onHoldExpiring(event) {
  logEvent('HOLD_EXPIRING', `#${event.reservationId} ${event.secondsLeft} s left`);
  const r = state.reservation;
  if (!r || r.id !== event.reservationId || !LIVE.includes(r.status)) return;
  // Counted from the push's own secondsLeft, so a browser clock that is off does not move the warning.
  state.warning = { reservationId: r.id, deadline: Date.now() + event.secondsLeft * 1000 };
  tickWarning();
}

/** The warning shows only while its reservation is the current one and still HOLD/PAYING. */
function tickWarning() {
  const w = state.warning;
  const r = state.reservation;
  const el = $('expiry-warning');
  if (!w || !r || r.id !== w.reservationId || !LIVE.includes(r.status)) {
    el.hidden = true;
    return;
  }
  const left = Math.max(0, Math.ceil((w.deadline - Date.now()) / 1000));
  el.dataset.secondsLeft = String(left);
  el.textContent =
    left > 0 ? `Your hold expires in ${left} s — pay now to keep the seat.` : 'Your hold is expiring now.';
  el.hidden = false;
}

export function again() {
  state.reservation = null;
  state.warning = null;
  $('checkout').hidden = true;
  setMessage('');
  renderSelection();
  schedulePolling();
  void loadSeatMap();
}

/**
 * "Pay" on a ticket: its checkout comes up, read from the server (its own GET, which also expires an
 * overdue hold), with the payment method and the Pay button.
 */
export async function openCheckout(id) {
  setTicketsMessage('');
  const session = state.sessionSeq;
  let r;
  try {
    r = await api('GET', `/api/reservations/v7/${id}`);
  } catch (err) {
    setTicketsMessage(`Could not open reservation #${id}: ${err.errorCode || 'ERROR'} ${err.message}`, true);
    return;
  }
  if (session !== state.sessionSeq) return;
  // A pick the fan was making lets go: a live reservation disables the map.
  await releaseSelection();
  showReservation(r, 'response');
  $('checkout').scrollIntoView({ block: 'nearest' });
  if (LIVE.includes(r.status) && !$('pay').disabled) $('pay').focus();
}

/** The Refund or Cancel button of a ticket; the list is read again after it, whatever the answer. */
export async function runTicketAction(id, action) {
  setTicketsMessage('');
  state.tickets.busy.add(id);
  renderTickets();
  try {
    const r = await api('POST', `/api/reservations/v7/${id}/${action}`);
    setTicketsMessage(`Reservation #${id} ${r.status === 'REFUNDED' ? 'refunded' : r.status.toLowerCase()}.`);
    if (state.reservation && state.reservation.id === id) showReservation(r, 'response');
  } catch (err) {
    const refusal = ticketRefusal(id, action, err);
    setTicketsMessage(refusal, true);
    logEvent('tickets', refusal);
  } finally {
    state.tickets.busy.delete(id);
    await reloadTickets();
  }
}

function ticketRefusal(id, action, err) {
  if (err.errorCode === 'REFUND_CUTOFF_PASSED')
    return `Reservation #${id} can no longer be refunded (REFUND_CUTOFF_PASSED): ${err.message}.`;
  return `Could not ${action} reservation #${id}: ${err.errorCode || 'ERROR'} ${err.message}`;
}
