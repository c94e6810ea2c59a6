// Order search: any fan's orders by concert, show, user and status, newest first (GET /api/admin/orders).
// Each row opens the order's case file (order-file.js) below the results.
import { api, withQuery } from './api.js';
import * as catalog from './catalog.js';
import * as orderFile from './order-file.js';
import {
  $,
  busy,
  count,
  el,
  fillSelect,
  formatAmount,
  formatTime,
  numberOf,
  replace,
  say,
  showError,
  statusTag,
  table,
} from './ui.js';

/** The rows the results table shows, so that a case file read later can update its row. */
let shown = [];

export function init() {
  orderFile.init();
  orderFile.onLoaded(updateRow);
  $('os-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('os-submit'), search);
  });
  $('os-concert').addEventListener('change', fillOptions);
  catalog.onChange(() => {
    fillSelect($('os-concert'), catalog.concertChoices('Any concert'));
    fillOptions();
  });
}

export function reset() {
  $('os-form').reset();
  replace($('os-results'));
  shown = [];
  say($('os-summary'), '');
  orderFile.close();
}

function fillOptions() {
  const concertId = $('os-concert').value;
  fillSelect($('os-option'), catalog.showChoices(concertId, 'Any show'));
  $('os-option').disabled = !concertId;
}

/** A newer copy of a listed order (after a refund) replaces its row. */
function updateRow(order) {
  const i = shown.findIndex((o) => o.id === order.id);
  if (i < 0) return;
  shown[i] = { ...shown[i], ...order };
  replace($('os-results'), resultsTable(shown));
}

async function search() {
  showError($('os-error'), null);
  const query = {
    concertId: $('os-concert').value,
    optionId: $('os-option').value,
    userId: numberOf($('os-user-id')),
    status: [...document.querySelectorAll('#os-statuses input:checked')].map((box) => box.value),
    limit: numberOf($('os-limit')),
  };
  try {
    shown = await api('GET', withQuery('/api/admin/orders', query));
    say(
      $('os-summary'),
      shown.length ? `${count(shown.length, 'order')}, newest first.` : 'No order matches.',
    );
    replace($('os-results'), shown.length ? resultsTable(shown) : '');
  } catch (err) {
    shown = [];
    say($('os-summary'), '');
    replace($('os-results'));
    showError($('os-error'), err, 'Search failed: ');
  }
}

function resultsTable(rows) {
  return table(
    [
      { label: 'Order', value: (o) => `#${o.id}` },
      { label: 'Fan', value: (o) => `${o.username} (#${o.userId})` },
      {
        label: 'Show',
        value: (o) => `${catalog.concertName(o.concertId)} · ${catalog.optionName(o.optionId)}`,
      },
      { label: 'Seats', value: (o) => o.items.map((i) => i.seatNumber).join(', ') },
      { label: 'Status', value: (o) => statusTag(o.status) },
      { label: 'Total', value: (o) => formatAmount(o.totalAmount), className: 'num' },
      { label: 'Refunded', value: (o) => formatAmount(o.refundedAmount), className: 'num' },
      { label: 'Created', value: (o) => formatTime(o.createdAt) },
      { label: 'Payment', value: (o) => o.paymentStatus && `${o.paymentStatus} (${o.paymentMethod})` },
      { label: 'Case file', value: openButton },
    ],
    rows,
    { testId: 'os-table', rowTestId: (o) => `order-row-${o.id}` },
  );
}

function openButton(order) {
  const button = el(
    'button',
    { type: 'button', dataset: { testid: `open-order-${order.id}` } },
    `Open #${order.id}`,
  );
  button.addEventListener('click', () => void orderFile.open(order));
  return button;
}
