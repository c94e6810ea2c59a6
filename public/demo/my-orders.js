// "My orders": the fan's orders, newest first, each with its seats, read again whenever the server says one
// changed. A live order has Pay and Cancel; a paid one a Refund per seat (each seat returns what it was
// sold for, the others keep theirs) and, with several paid seats, Refund all. checkout.js runs them.
import { accessToken, api } from '../shared/session.js';
import { krw } from '../shared/zones.js';
import { renderSeats } from './seat-map.js';
import { $, LIVE, ORDER_STATUSES, ORDERS_LIMIT, PAID, seatLabel, setOrdersMessage, state } from './state.js';

/** Reads "My orders" again, one read at a time: any number of asks meanwhile make one more read. */
export function reloadOrders() {
  const t = state.orders;
  if (t.loading) {
    t.again = true;
    return t.loading;
  }
  t.loading = loadOrders().finally(() => {
    t.loading = null;
    if (t.again) {
      t.again = false;
      void reloadOrders();
    }
  });
  return t.loading;
}

async function loadOrders() {
  if (!accessToken()) return;
  const t = state.orders;
  const session = state.sessionSeq;
  const query = ORDER_STATUSES.map((s) => `status=${s}`).join('&');
  let list;
  try {
    list = await api('GET', `/api/orders/me?${query}&limit=${ORDERS_LIMIT}`);
  } catch (err) {
    if (session !== state.sessionSeq) return;
    t.loadFailed = true;
    setOrdersMessage(`Could not load your orders: ${err.errorCode || 'ERROR'} ${err.message}`, true);
    return;
  }
  if (session !== state.sessionSeq) return;
  // A read that works again takes its failure's message away (not a refund's or cancel's answer).
  if (t.loadFailed) setOrdersMessage('');
  t.loadFailed = false;
  t.list = list;
  t.read = true;
  renderOrders();
}

/**
 * An order's status as the server just told it (push, answer or poll): the list is read again only if
 * it says otherwise, so the push and the answer about one change make one read, not two. An order the
 * list does not have matters only if it belongs there (a new hold; not an expiry).
 */
export function noteOrderStatus(id, status) {
  const listed = state.orders.list.find((o) => o.id === id);
  const outdated = listed ? listed.status !== status : ORDER_STATUSES.includes(status);
  if (outdated) void reloadOrders();
}

/** An item's status (RESERVATION_STATUS): a refund of one seat may leave its order's status as it was. */
export function noteItemStatus(reservationId, status) {
  const order = state.orders.list.find((o) => o.items.some((i) => i.reservationId === reservationId));
  const item = order && order.items.find((i) => i.reservationId === reservationId);
  if (item ? item.status !== status : ORDER_STATUSES.includes(status)) void reloadOrders();
}

/** Newest first, as the server lists them. */
export function renderOrders() {
  const list = state.orders.list;
  $('tickets-empty').hidden = list.length > 0 || !state.orders.read;
  $('ticket-list').replaceChildren(...list.map(orderItem));
  // The map shows the fan's own seats from this list.
  if (state.seats.size) renderSeats();
}

function orderItem(o) {
  const li = document.createElement('li');
  li.className = 'ticket';
  li.dataset.testid = `order-${o.id}`;
  li.dataset.status = o.status;
  const concert = state.concerts.get(o.concertId);
  const what = document.createElement('span');
  const refunded = o.refundedAmount ? ` (${krw(o.refundedAmount)} refunded)` : '';
  what.textContent =
    `Order #${o.id} · ${concert ? concert.title : `concert #${o.concertId}`} · ` +
    `${o.items.length === 1 ? '1 seat' : `${o.items.length} seats`} · ${krw(o.totalAmount)}${refunded}`;
  li.append(what, statusBadge(o.status, 'order-status-badge'));
  const note = refundNote(o);
  if (note) li.append(small(note, 'order-note'));
  const actions = orderActions(o);
  if (actions.length)
    li.append(
      buttons(
        o,
        actions.map((a) => ({ action: a })),
      ),
    );
  const seats = document.createElement('ul');
  seats.className = 'order-items';
  seats.replaceChildren(...o.items.map((item) => seatItem(o, item)));
  li.append(seats);
  return li;
}

function seatItem(o, item) {
  const li = document.createElement('li');
  li.dataset.testid = `item-${item.reservationId}`;
  li.dataset.status = item.status;
  const what = document.createElement('span');
  what.textContent = `seat ${seatLabel(item.seatNumber, item.categoryId, item.amount)}`;
  li.append(what, statusBadge(item.status, 'item-status'));
  if (item.status === 'CONFIRMED' && refundOpen(o)) {
    li.append(
      buttons(o, [{ action: 'refund', reservationId: item.reservationId, label: 'Refund this seat' }]),
    );
  }
  return li;
}

function statusBadge(status, testId) {
  const b = document.createElement('b');
  b.className = 'status';
  b.dataset.status = status;
  b.dataset.testid = testId;
  b.textContent = status;
  return b;
}

function small(text, testId) {
  const el = document.createElement('small');
  el.dataset.testid = testId;
  el.textContent = text;
  return el;
}

const LABELS = { pay: 'Pay', cancel: 'Cancel', 'refund-all': 'Refund all' };
/** Test ids by action: the order's buttons, and the one of a seat. */
const TEST_IDS = {
  pay: 'order-pay',
  cancel: 'order-cancel',
  'refund-all': 'order-refund',
  refund: 'item-refund',
};

function buttons(o, actions) {
  const box = document.createElement('span');
  box.className = 'ticket-actions';
  for (const { action, reservationId, label } of actions) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = action === 'pay' ? '' : 'secondary';
    b.textContent = label || LABELS[action];
    b.dataset.testid = TEST_IDS[action];
    b.dataset.action = action;
    b.dataset.orderId = String(o.id);
    if (reservationId) b.dataset.reservationId = String(reservationId);
    b.disabled = state.orders.busy.has(o.id);
    box.append(b);
  }
  return box;
}

/**
 * Pay (in the cart) or cancel for a hold or a payment under way, wherever it was made; Refund all for an
 * order with several paid seats before its cutoff. The cutoff is read on the browser's clock, which may
 * be off: the server's clock decides (REFUND_CUTOFF_PASSED).
 */
function orderActions(o) {
  if (LIVE.includes(o.status)) return ['pay', 'cancel'];
  const paid = o.items.filter((i) => i.status === 'CONFIRMED').length;
  if (PAID.includes(o.status) && refundOpen(o) && paid > 1) return ['refund-all'];
  return [];
}

const refundOpen = (o) => Boolean(o.refundCutoffAt) && Date.now() < Date.parse(o.refundCutoffAt);

function refundNote(o) {
  if (!PAID.includes(o.status) || !o.refundCutoffAt) return '';
  const cutoff = new Date(o.refundCutoffAt).toLocaleString();
  return refundOpen(o) ? `refundable until ${cutoff}` : `no refunds after ${cutoff}`;
}
