// One order's case file: the order and its seats, its ledger (the order's payment attempts and each seat's
// refunds, oldest first) and the audit rows of admin refunds on its seats; and the admin refund, of the
// seats ticked or of the whole order. Like the reservation override it ignores the refund cutoff and
// writes an audit row per seat whatever happens, so it asks for a reason and a confirmation first.
// There is no admin read of one order: the order is read again through the search (its fan and show), and
// its money and audit through each seat's reservation case file (GET /api/admin/reservations/{id}).
import { api, withQuery } from './api.js';
import { auditTable, paymentsTable } from './case-file.js';
import * as catalog from './catalog.js';
import {
  $,
  busy,
  el,
  factList,
  formatAmount,
  formatTime,
  reasonProblem,
  replace,
  say,
  showError,
  statusTag,
  table,
} from './ui.js';

const state = { order: null, reads: 0, pending: null };
const listeners = [];

/** Told the order each time its file is read, so that other views of it follow (the results row). */
export function onLoaded(listener) {
  listeners.push(listener);
}

export function init() {
  $('of-refund-form').addEventListener('submit', (event) => {
    event.preventDefault();
    askToConfirm(event.submitter && event.submitter.value === 'all');
  });
  $('of-dialog').addEventListener('close', onDialogClosed);
  $('of-reload').addEventListener('click', () => void busy($('of-reload'), reload));
}

export async function open(order) {
  state.order = order;
  $('of-refund-form').reset();
  say($('of-result'), '');
  showError($('of-error'), null);
  $('order-file').hidden = false;
  $('of-title').textContent = `Order #${order.id}`;
  await load();
  $('of-title').focus();
}

export function close() {
  state.order = null;
  $('order-file').hidden = true;
}

/** The order again (from the search, by its fan and show), then its file. */
async function reload() {
  const o = state.order;
  showError($('of-case-error'), null);
  try {
    const rows = await api(
      'GET',
      withQuery('/api/admin/orders', { userId: o.userId, optionId: o.optionId, limit: 200 }),
    );
    const fresh = rows.find((r) => r.id === o.id);
    if (fresh && state.order && state.order.id === o.id) state.order = fresh;
  } catch (err) {
    showError($('of-case-error'), err, `Could not read order #${o.id} again: `);
  }
  await load();
}

/** The seats' money and audit, merged: one list per kind for the whole order. */
async function load() {
  const o = state.order;
  const mine = ++state.reads;
  let files = [];
  try {
    files = await Promise.all(o.items.map((i) => api('GET', `/api/admin/reservations/${i.reservationId}`)));
  } catch (err) {
    showError($('of-case-error'), err, `Could not read the ledger of order #${o.id}: `);
  }
  if (mine !== state.reads) return;
  const payments = unique(files.flatMap((f) => f.payments)).sort((a, b) => a.id - b.id);
  const audit = unique(files.flatMap((f) => f.adminRefunds)).sort((a, b) => b.id - a.id);
  replace(
    $('of-body'),
    summary(o),
    el('h4', {}, 'Seats'),
    itemsTable(o),
    el('h4', {}, 'Payments (ledger, oldest first)'),
    payments.length
      ? paymentsTable(payments, 'of-payments')
      : el('p', { className: 'hint' }, 'No payment attempt.'),
    el('h4', {}, 'Admin refunds (audit, newest first)'),
    audit.length
      ? auditTable(audit, 'of-audit')
      : el('p', { className: 'hint' }, 'No admin refund on this order.'),
  );
  renderRefundForm();
  for (const listener of listeners) listener(o);
}

const unique = (rows) => [...new Map(rows.map((r) => [r.id, r])).values()];

function summary(o) {
  const facts = [
    ['Fan', `${o.username} (#${o.userId})`],
    ['Status', statusTag(o.status, 'of-status')],
    ['Show', `${catalog.concertName(o.concertId)} · ${catalog.optionName(o.optionId)}`],
    ['Total', formatAmount(o.totalAmount)],
    ['Refunded', formatAmount(o.refundedAmount)],
    ['Side by side', o.adjacent ? 'yes' : 'no'],
    ['Created', formatTime(o.createdAt)],
    ['Confirmed', formatTime(o.confirmedAt)],
    ['Hold expires', formatTime(o.holdExpiresAt)],
    ['Refund cutoff (fan)', formatTime(o.refundCutoffAt)],
    [
      'Latest payment',
      o.paymentStatus ? `${o.paymentStatus} · ${o.paymentMethod} · ${o.paymentProvider}` : '—',
    ],
  ];
  return factList(facts);
}

function itemsTable(o) {
  return table(
    [
      { label: 'Refund', value: tickBox },
      { label: 'Reservation', value: (i) => `#${i.reservationId}` },
      { label: 'Seat', value: (i) => i.seatNumber },
      { label: 'Zone', value: (i) => (i.categoryId ? `#${i.categoryId}` : '—') },
      { label: 'Status', value: (i) => statusTag(i.status) },
      { label: 'Amount', value: (i) => formatAmount(i.amount), className: 'num' },
    ],
    o.items,
    { testId: 'of-items', rowTestId: (i) => `of-item-${i.seatNumber}` },
  );
}

/** Only a CONFIRMED seat can be refunded: anything else would be refused (and leave FAILED audit rows). */
function tickBox(item) {
  if (item.status !== 'CONFIRMED') return '—';
  return el('input', {
    type: 'checkbox',
    value: String(item.reservationId),
    'aria-label': `Refund seat ${item.seatNumber}`,
    dataset: { testid: `of-tick-${item.seatNumber}`, refundable: 'true' },
  });
}

function renderRefundForm() {
  const o = state.order;
  const paid = o.items.filter((i) => i.status === 'CONFIRMED').length;
  for (const id of ['of-reason', 'of-refund-selected', 'of-refund-all']) $(id).disabled = paid === 0;
  say(
    $('of-hint'),
    paid ? '' : `No seat of this order is CONFIRMED (the order is ${o.status}): nothing to refund.`,
  );
}

function askToConfirm(all) {
  showError($('of-error'), null);
  const o = state.order;
  const reason = $('of-reason').value.trim();
  if (reasonProblem(reason)) {
    say($('of-hint'), reasonProblem(reason));
    $('of-reason').focus();
    return;
  }
  const ticked = [...$('of-body').querySelectorAll('input[data-refundable]:checked')].map((b) =>
    Number(b.value),
  );
  if (!all && !ticked.length) {
    say($('of-hint'), 'Tick the seats to refund, or refund the whole order.');
    return;
  }
  const items = o.items.filter((i) => i.status === 'CONFIRMED' && (all || ticked.includes(i.reservationId)));
  const amount = items.reduce((sum, i) => sum + i.amount, 0);
  state.pending = { orderId: o.id, reason, reservationIds: all ? undefined : ticked };
  $('of-confirm-text').textContent =
    `Refund ${formatAmount(amount)} to ${o.username} (#${o.userId}) for ${all ? 'every paid seat of' : 'seats'} ` +
    `${items.map((i) => i.seatNumber).join(', ')} of order #${o.id}? The refund cutoff is ignored and the seats go back on sale.`;
  $('of-confirm-reason').textContent = reason;
  $('of-dialog').returnValue = '';
  $('of-dialog').showModal();
}

function onDialogClosed() {
  if ($('of-dialog').returnValue !== 'confirm' || !state.pending) {
    state.pending = null;
    return;
  }
  void sendRefund(state.pending);
  state.pending = null;
}

async function sendRefund({ orderId, reason, reservationIds }) {
  $('of-refund-selected').disabled = true;
  $('of-refund-all').disabled = true;
  const body = reservationIds ? { reason, reservationIds } : { reason };
  try {
    const o = await api('POST', `/api/admin/orders/${orderId}/refund`, body);
    if (state.order && state.order.id === orderId) state.order = { ...state.order, ...o };
    say(
      $('of-result'),
      `Refunded: order #${o.id} is ${o.status} (${formatAmount(o.refundedAmount)} refunded in all).`,
    );
    $('of-refund-form').reset();
  } catch (err) {
    showError($('of-error'), err, 'Refund failed: ');
  }
  // Success or not, each seat left an audit row (and maybe ledger rows): show the file as it is now.
  await reload();
  $('of-title').focus();
}
