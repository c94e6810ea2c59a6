// Stuck payments: attempts still PENDING after their hold ended, or money captured without a ticket,
// oldest first, each with what the reconciler (or the PG webhook) will do next without an operator.
import { api, withQuery } from './api.js';
import * as caseFile from './case-file.js';
import {
  $,
  busy,
  count,
  el,
  formatAmount,
  formatTime,
  numberOf,
  replace,
  say,
  showError,
  table,
} from './ui.js';

export function init() {
  $('stuck-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('stuck-submit'), load);
  });
}

/** Re-read on every visit: the list is about now. */
export function enter() {
  void load();
}

export function reset() {
  $('stuck-form').reset();
  replace($('stuck-results'));
  say($('stuck-summary'), '');
}

async function load() {
  showError($('stuck-error'), null);
  try {
    const rows = await api(
      'GET',
      withQuery('/api/admin/payments/pending', { limit: numberOf($('stuck-limit')) }),
    );
    say(
      $('stuck-summary'),
      rows.length
        ? `${count(rows.length, 'stuck payment')}, oldest first (read ${formatTime(new Date().toISOString())}).`
        : 'No stuck payment.',
    );
    replace($('stuck-results'), rows.length ? stuckTable(rows) : '');
  } catch (err) {
    replace($('stuck-results'));
    say($('stuck-summary'), '');
    showError($('stuck-error'), err, 'Could not read the stuck payments: ');
  }
}

function stuckTable(rows) {
  return table(
    [
      { label: 'Payment', value: (p) => `#${p.paymentTransactionId}` },
      { label: 'Reservation', value: openButton },
      { label: 'Fan', value: (p) => `#${p.userId}` },
      { label: 'Amount', value: (p) => formatAmount(p.amount), className: 'num' },
      { label: 'Payment status', value: (p) => `${p.paymentStatus} · ${p.paymentProvider}` },
      { label: 'Reservation status', value: (p) => p.reservationStatus },
      { label: 'Since', value: (p) => formatTime(p.createdAt) },
      { label: 'Why stuck', value: (p) => p.reason },
      { label: 'Next step', value: (p) => el('span', { className: 'next-step' }, p.nextStep) },
    ],
    rows,
    { testId: 'stuck-table', rowTestId: (p) => `stuck-row-${p.paymentTransactionId}` },
  );
}

/** The reservation's case file, in the reservations panel. */
function openButton(row) {
  const button = el(
    'button',
    { type: 'button', className: 'secondary', dataset: { testid: `stuck-open-${row.reservationId}` } },
    `Open #${row.reservationId}`,
  );
  button.addEventListener('click', () => {
    location.hash = 'reservations';
    void caseFile.open(row.reservationId);
  });
  return button;
}
