// The cart: one order of the fan's picks (or of the best seats the server chose), with one countdown and
// one payment, shown as the server last described it (answer, push or poll).
import { api } from '../shared/session.js';
import { krw } from '../shared/zones.js';
import { schedulePolling } from './connection.js';
import { noteItemStatus, noteOrderStatus } from './my-orders.js';
import { dropPicks, releasePicks, renderPicks, tickPicks } from './picks.js';
import { backToQueue, queue } from './room.js';
import { SALE_REFUSALS, saleRefusal } from './sale.js';
import { loadSeatMap, renderSeats } from './seat-map.js';
import {
  $,
  LIVE,
  SEAT_GONE,
  logEvent,
  seatLabel,
  seatList,
  setMessage,
  setSeatMessage,
  state,
} from './state.js';

/** Holds the picked seats as one order; the order consumes the fan's locks on the server. */
export async function holdPicks() {
  const seatIds = [...state.picks.keys()];
  if (!seatIds.length) return;
  setSeatMessage('');
  $('hold').disabled = true;
  try {
    const order = await api('POST', '/api/orders', { optionId: state.optionId, seatIds });
    dropPicks();
    showOrder(order, 'response');
  } catch (err) {
    refuseOrder(err);
    // Seats another fan took or is picking are no longer ours to hold: those picks go, the others stay.
    if (SEAT_GONE.includes(err.errorCode)) {
      const gone = (err.details && err.details.unavailableSeatIds) || seatIds;
      for (const id of gone) state.picks.delete(id);
    }
    await loadSeatMap();
  } finally {
    renderPicks();
  }
}

/** "Best N seats" (in a zone, or anywhere): the server chooses and holds them as one order. */
export async function holdBest() {
  const quantity = Number($('best-quantity').value);
  const categoryId = $('best-zone').value ? Number($('best-zone').value) : undefined;
  setSeatMessage('');
  $('best-hold').disabled = true;
  // Picks of the fan's own would be locked seats to the choice: let them go first.
  await releasePicks();
  try {
    const body = { optionId: state.optionId, quantity };
    if (categoryId) body.categoryId = categoryId;
    const order = await api('POST', '/api/orders', body);
    showOrder(order, 'response');
    const seats = order.items.map((i) => i.seatNumber).join(', ');
    setSeatMessage(
      order.adjacent
        ? `Side by side: ${seats}.`
        : `No ${quantity} seats side by side are left there: these are the closest together (${seats}).`,
    );
  } catch (err) {
    refuseOrder(err);
    await loadSeatMap();
  } finally {
    $('best-hold').disabled = false;
  }
}

function refuseOrder(err) {
  const unavailable = err.details && err.details.unavailableSeatIds;
  if (err.errorCode === 'ADMISSION_REQUIRED') backToQueue();
  else if (SALE_REFUSALS[err.errorCode]) setSeatMessage(`Hold refused: ${saleRefusal(err)}`, true);
  else if (Array.isArray(unavailable) && unavailable.length) {
    setSeatMessage(
      `Hold refused: ${seatList(unavailable)} just went to another fan (${err.errorCode}).`,
      true,
    );
  } else setSeatMessage(`Hold refused: ${err.errorCode || ''} ${err.message}`, true);
}

export async function pay() {
  const o = state.order;
  if (!o) return;
  $('pay').disabled = true;
  setMessage('Paying…');
  try {
    if (o.status === 'HOLD') showOrder(await api('POST', `/api/orders/${o.id}/paying`), 'response');
    const body = {};
    if ($('method').value) body.paymentMethod = $('method').value;
    if (state.payments.provider === 'mock') body.mockOutcome = $('mock-outcome').value;
    showOrder(await api('POST', `/api/orders/${o.id}/confirm`, body), 'response');
  } catch (err) {
    setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
    await refreshOrder('response');
  }
}

export async function cancel() {
  const o = state.order;
  if (!o) return;
  try {
    showOrder(await api('POST', `/api/orders/${o.id}/cancel`), 'response');
  } catch (err) {
    setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
    await refreshOrder('response');
  }
}

let refreshing = null;
/** Reads the cart's order again; calls made while a read is on its way share it. */
export function refreshOrder(source) {
  if (!state.order) return Promise.resolve();
  if (refreshing) return refreshing;
  const id = state.order.id;
  refreshing = api('GET', `/api/orders/${id}`)
    .then((o) => {
      if (state.order && state.order.id === id) showOrder(o, source);
    })
    .catch((err) => setMessage(`Could not load the order: ${err.message}`, true))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** ORDER_STATUS: any of the fan's orders, also one changed in another tab or by the server (an expiry). */
export function onOrderStatus(event) {
  logEvent('ORDER_STATUS', `#${event.orderId} ${event.status}`);
  noteOrderStatus(event.orderId, event.status);
  const o = state.order;
  if (!o || o.id !== event.orderId) return;
  const items = o.items.map((item) => {
    const pushed = (event.items || []).find((i) => i.reservationId === item.reservationId);
    return pushed ? { ...item, status: pushed.status } : item;
  });
  showOrder(
    {
      ...o,
      status: event.status,
      holdExpiresAt: event.holdExpiresAt,
      refundedAmount: event.refundedAmount,
      items,
    },
    'push',
  );
}

/** RESERVATION_STATUS: an item's own news. Only a new payment outcome needs a read (its action, reason). */
export function onReservationStatus(event) {
  logEvent('RESERVATION_STATUS', `#${event.reservationId} ${event.status} payment=${event.paymentStatus}`);
  noteItemStatus(event.reservationId, event.status);
  const o = state.order;
  if (!o || !o.items.some((i) => i.reservationId === event.reservationId)) return;
  if (event.paymentStatus !== o.paymentStatus) void refreshOrder('push');
}

/** Renders the order as the server last described it (`source`: response, push or poll). */
export function showOrder(o, source) {
  const previous = state.order;
  // Events can overtake a slower HTTP answer; a live status never replaces a final one.
  if (previous && previous.id === o.id && !LIVE.includes(previous.status) && LIVE.includes(o.status)) return;
  state.order = o;
  noteOrderStatus(o.id, o.status);
  $('checkout').hidden = false;
  $('order-id').textContent = `#${o.id}`;
  $('order-seats').textContent = o.items.map((i) => i.seatNumber).join(', ');
  $('amount').textContent = krw(o.totalAmount);
  $('order-items').replaceChildren(...o.items.map(itemRow));
  const status = $('order-status');
  status.textContent = o.status;
  status.dataset.status = o.status;
  const payment = $('payment-status');
  payment.textContent = o.paymentStatus ? `payment ${o.paymentStatus}` : '';
  payment.className = o.paymentStatus ? 'status' : '';
  payment.dataset.status = o.paymentStatus || '';
  $('last-update').textContent = `via ${source} at ${new Date().toLocaleTimeString()}`;
  $('last-update').dataset.source = source;
  renderControls(o);
  tick();
  renderPicks();
  renderSeats();
  schedulePolling();
}

function itemRow(item) {
  const li = document.createElement('li');
  li.dataset.testid = `cart-item-${item.seatNumber}`;
  li.dataset.reservationId = String(item.reservationId);
  li.dataset.status = item.status;
  li.textContent = `${seatLabel(item.seatNumber, item.categoryId, item.amount)} · ${item.status}`;
  return li;
}

function renderControls(o) {
  const live = LIVE.includes(o.status);
  const pending = o.paymentStatus === 'PENDING';
  $('pay-controls').hidden = !live;
  $('pay').disabled = !live || pending;
  $('pay').textContent = o.paymentStatus === 'FAILED' ? 'Retry payment' : 'Pay';
  $('again').hidden = live;
  $('webhook-hint').hidden = !(live && pending);
  $('redirect-link').hidden = !(live && o.paymentAction === 'REDIRECT' && o.paymentRedirectUrl);
  if (o.paymentRedirectUrl) $('redirect-link').href = o.paymentRedirectUrl;
  const seats = o.items.length === 1 ? 'the seat is' : 'the seats are';
  if (o.status === 'CONFIRMED')
    setMessage(`CONFIRMED — your ${o.items.length === 1 ? 'ticket is' : 'tickets are'} booked.`);
  else if (o.status === 'PARTIALLY_REFUNDED')
    setMessage(`PARTIALLY_REFUNDED — ${krw(o.refundedAmount)} refunded.`);
  else if (o.status === 'EXPIRED') setMessage(`EXPIRED — the hold ran out and ${seats} free again.`, true);
  else if (o.status === 'CANCELLED') setMessage(`CANCELLED — ${seats} free again.`);
  else if (o.status === 'REFUNDED') setMessage('REFUNDED.');
  else if (o.paymentStatus === 'FAILED') {
    setMessage(
      `Payment FAILED: ${o.paymentFailureReason || 'declined'} — retry before the hold runs out.`,
      true,
    );
  } else if (pending) {
    setMessage(
      o.paymentAction === 'REDIRECT'
        ? 'Payment PENDING: finish it at the PG, then the webhook confirms it.'
        : 'Payment PENDING: waiting for the PG webhook…',
    );
    $('webhook-hint').textContent =
      'Play the PG from a shell (same PG_READY_WEBHOOK_SECRET as the server):\n' +
      'PG_READY_WEBHOOK_SECRET=<secret> npm run pg:webhook -- \\\n' +
      `  --reservation ${o.items[0].reservationId} --status APPROVED --amount ${o.totalAmount} --url ${location.origin}`;
  } else if (o.status === 'HOLD')
    setMessage(`${o.items.length === 1 ? 'Seat' : 'Seats'} held. Pay before the countdown ends.`);
}

export function tick() {
  tickPicks();
  tickWarning();
  queue.tick();
  const o = state.order;
  const el = $('countdown');
  if (!o || !LIVE.includes(o.status) || !o.holdExpiresAt) {
    el.textContent = '';
    return;
  }
  const left = Math.max(0, Math.ceil((Date.parse(o.holdExpiresAt) - Date.now()) / 1000));
  el.dataset.secondsLeft = String(left);
  el.textContent =
    left > 0
      ? `Hold expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`
      : 'Hold time is up — waiting for the server to expire it…';
}

export function onHoldExpiring(event) {
  logEvent('HOLD_EXPIRING', `order #${event.orderId} (#${event.reservationId}) ${event.secondsLeft} s left`);
  const o = state.order;
  // One warning per item arrives; they all name the same order and deadline.
  if (!o || o.id !== event.orderId || !LIVE.includes(o.status)) return;
  // Counted from the push's own secondsLeft, so a browser clock that is off does not move the warning.
  state.warning = { orderId: o.id, deadline: Date.now() + event.secondsLeft * 1000 };
  tickWarning();
}

/** The warning shows only while its order is the cart and still HOLD/PAYING. */
function tickWarning() {
  const w = state.warning;
  const o = state.order;
  const el = $('expiry-warning');
  if (!w || !o || o.id !== w.orderId || !LIVE.includes(o.status)) {
    el.hidden = true;
    return;
  }
  const left = Math.max(0, Math.ceil((w.deadline - Date.now()) / 1000));
  el.dataset.secondsLeft = String(left);
  el.textContent =
    left > 0 ? `Your hold expires in ${left} s — pay now to keep the seats.` : 'Your hold is expiring now.';
  el.hidden = false;
}

export function again() {
  state.order = null;
  state.warning = null;
  $('checkout').hidden = true;
  setMessage('');
  renderPicks();
  schedulePolling();
  void loadSeatMap();
}
