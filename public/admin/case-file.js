// One reservation's case file: the reservation, its ledger (payments and refunds, oldest first) and the
// audit rows of admin refund overrides on it; and the override itself. The override ignores the refund
// cutoff and writes an audit row whatever happens, so it asks for a reason and a confirmation that names
// the amount and the fan before anything is sent.
import { api } from './api.js';
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
  table,
} from './ui.js';

const state = { id: null, file: null };
/** Told the reservation each time its file is read, so that other views of it follow (the results row). */
const listeners = [];

export function onLoaded(listener) {
  listeners.push(listener);
}

export function init() {
  $('refund-form').addEventListener('submit', askToConfirm);
  $('refund-dialog').addEventListener('close', onDialogClosed);
  $('case-reload').addEventListener('click', () => void busy($('case-reload'), load));
}

/** Opens reservation `id` below the search results (or anywhere the console calls it from). */
export async function open(id) {
  state.id = id;
  $('refund-form').reset();
  say($('refund-result'), '');
  showError($('refund-error'), null);
  $('case-file').hidden = false;
  $('case-title').textContent = `Reservation #${id}`;
  await load();
  $('case-title').focus();
}

export function close() {
  state.id = null;
  state.file = null;
  $('case-file').hidden = true;
}

/** Reads the open reservation's file; an answer for a reservation no longer open is dropped. */
async function load() {
  const id = state.id;
  showError($('case-error'), null);
  try {
    const file = await api('GET', `/api/admin/reservations/${id}`);
    if (id !== state.id) return;
    state.file = file;
    render(file);
    for (const listener of listeners) listener(file.reservation);
  } catch (err) {
    if (id !== state.id) return;
    state.file = null;
    replace($('case-body'));
    showError($('case-error'), err, `Could not open reservation #${id}: `);
  }
  renderRefundForm();
}

function render({ reservation: r, payments, adminRefunds }) {
  replace(
    $('case-body'),
    summary(r),
    el('h4', {}, 'Payments (ledger, oldest first)'),
    payments.length ? paymentsTable(payments) : el('p', { className: 'hint' }, 'No payment attempt.'),
    el('h4', {}, 'Admin refund overrides (audit, newest first)'),
    adminRefunds.length
      ? auditTable(adminRefunds, 'case-audit')
      : el('p', { className: 'hint' }, 'No override on this reservation.'),
  );
}

function summary(r) {
  const facts = [
    ['Fan', `${r.username} (#${r.userId})`],
    [
      'Status',
      el('span', { className: 'tag', dataset: { status: r.status, testid: 'case-status' } }, r.status),
    ],
    ['Concert', catalog.concertName(r.concertId)],
    ['Show', catalog.optionName(r.optionId)],
    ['Seat', r.seatNumber],
    ['Amount', formatAmount(r.amount)],
    ['Reserved', formatTime(r.reservedAt)],
    ['Confirmed', formatTime(r.confirmedAt)],
    ['Refunded', formatTime(r.refundedAt)],
    ['Refund cutoff (fan)', formatTime(r.refundCutoffAt)],
    [
      'Latest payment',
      r.paymentStatus ? `${r.paymentStatus} · ${r.paymentMethod} · ${r.paymentProvider}` : '—',
    ],
  ];
  if (r.paymentFailureReason) facts.push(['Failure reason', r.paymentFailureReason]);
  return factList(facts);
}

export function paymentsTable(rows, testId = 'case-payments') {
  return table(
    [
      { label: 'Ledger row', value: (p) => `#${p.id}` },
      { label: 'Type', value: (p) => p.type },
      {
        label: 'Status',
        value: (p) => el('span', { className: 'tag', dataset: { status: p.status } }, p.status),
      },
      { label: 'Amount', value: (p) => formatAmount(p.amount), className: 'num' },
      { label: 'Method', value: (p) => `${p.paymentMethod || '—'} · ${p.paymentProvider || '—'}` },
      { label: 'Failure', value: (p) => p.failureReason },
      { label: 'At', value: (p) => formatTime(p.createdAt) },
    ],
    rows,
    { testId },
  );
}

/** Audit rows of admin refund overrides; the audit log panel shows the same columns. */
export function auditTable(rows, testId) {
  return table(
    [
      { label: 'Audit row', value: (a) => `#${a.id}` },
      { label: 'At', value: (a) => formatTime(a.occurredAt) },
      {
        label: 'Result',
        value: (a) => el('span', { className: 'tag', dataset: { status: a.result } }, a.result),
      },
      { label: 'Reservation', value: (a) => a.reservationId && `#${a.reservationId}` },
      { label: 'Fan', value: (a) => a.targetUserId && `#${a.targetUserId}` },
      { label: 'Actor', value: (a) => `#${a.actorUserId} (${a.actorRole})` },
      { label: 'Reason', value: (a) => a.reason },
      { label: 'Detail', value: (a) => a.detailMessage },
    ],
    rows,
    { testId, rowTestId: (a) => `audit-row-${a.id}` },
  );
}

/** Only a paid ticket can be refunded: anything else would be refused (and leave a FAILED audit row). */
function renderRefundForm() {
  const r = state.file && state.file.reservation;
  const refundable = Boolean(r && r.status === 'CONFIRMED');
  $('refund-reason').disabled = !refundable;
  $('refund-submit').disabled = !refundable;
  say(
    $('refund-hint'),
    r && !refundable ? `Only a CONFIRMED ticket can be refunded; this one is ${r.status}.` : '',
  );
}

function askToConfirm(event) {
  event.preventDefault();
  showError($('refund-error'), null);
  const reason = $('refund-reason').value.trim();
  if (reasonProblem(reason)) {
    say($('refund-hint'), reasonProblem(reason));
    $('refund-reason').focus();
    return;
  }
  const r = state.file.reservation;
  $('refund-confirm-text').textContent =
    `Refund ${formatAmount(r.amount)} to ${r.username} (#${r.userId}) for reservation #${r.id}, seat ` +
    `${r.seatNumber}? The refund cutoff is ignored and the seat goes back on sale.`;
  $('refund-confirm-reason').textContent = reason;
  // returnValue outlives the dialog: cleared, so that Escape cannot pass for an earlier "confirm".
  $('refund-dialog').returnValue = '';
  $('refund-dialog').showModal();
}

function onDialogClosed() {
  if ($('refund-dialog').returnValue !== 'confirm') {
    $('refund-submit').focus();
    return;
  }
  void sendRefund();
}

async function sendRefund() {
  // Disabled until the file is re-read, which enables it again only for a ticket still CONFIRMED.
  $('refund-submit').disabled = true;
  const id = state.id;
  const reason = $('refund-reason').value.trim();
  try {
    const r = await api('POST', `/api/reservations/v7/admin/${id}/refund`, { reason });
    say($('refund-result'), `Refunded: reservation #${r.id} is ${r.status} (${formatTime(r.refundedAt)}).`);
    $('refund-form').reset();
  } catch (err) {
    showError($('refund-error'), err, 'Refund failed: ');
  }
  // Success or not, the override left an audit row (and maybe a ledger row): show the file as it is now.
  await load();
  $('case-title').focus();
}
