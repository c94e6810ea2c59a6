// Reservation search: any fan's reservations by concert, show, user and status, newest first. Each row
// opens the reservation's case file (case-file.js) below the results.
import { api, withQuery } from './api.js';
import * as caseFile from './case-file.js';
import * as catalog from './catalog.js';
import { bindUserPicker } from './user-picker.js';
import {
  $,
  count,
  busy,
  el,
  fillSelect,
  formatAmount,
  formatTime,
  numberOf,
  replace,
  say,
  showError,
  table,
} from './ui.js';

/** The rows the results table shows, so that a case file read later can update its row. */
let shown = [];

export function init() {
  caseFile.init();
  caseFile.onLoaded(updateRow);
  $('rs-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('rs-submit'), search);
  });
  $('rs-concert').addEventListener('change', fillOptions);
  catalog.onChange(fillConcerts);
  bindUserPicker({
    form: $('rs-user-form'),
    input: $('rs-username'),
    results: $('rs-user-matches'),
    error: $('rs-user-error'),
    pickLabel: (user) => `Search ${user.username} (#${user.id})`,
    onPick: (user) => {
      $('rs-user-id').value = String(user.id);
      $('rs-user-id').focus();
    },
  });
}

export function reset() {
  $('rs-form').reset();
  $('rs-user-form').reset();
  replace($('rs-user-matches'));
  replace($('rs-results'));
  shown = [];
  say($('rs-summary'), '');
  caseFile.close();
}

/**
 * The case file's newer copy of a listed reservation (after an override refund, say) replaces its row,
 * so the results never say CONFIRMED beside a case file that says REFUNDED.
 */
function updateRow(reservation) {
  const i = shown.findIndex((r) => r.id === reservation.id);
  if (i < 0) return;
  shown[i] = { ...shown[i], ...reservation };
  replace($('rs-results'), resultsTable(shown));
}

function fillConcerts() {
  fillSelect($('rs-concert'), catalog.concertChoices('Any concert'));
  fillOptions();
}

function fillOptions() {
  const concertId = $('rs-concert').value;
  fillSelect($('rs-option'), catalog.showChoices(concertId, 'Any show'));
  $('rs-option').disabled = !concertId;
}

function filters() {
  const statuses = [...document.querySelectorAll('#rs-statuses input:checked')].map((box) => box.value);
  return {
    concertId: $('rs-concert').value,
    optionId: $('rs-option').value,
    userId: numberOf($('rs-user-id')),
    status: statuses,
    limit: numberOf($('rs-limit')),
  };
}

async function search() {
  showError($('rs-error'), null);
  try {
    const rows = await api('GET', withQuery('/api/admin/reservations', filters()));
    shown = rows;
    say(
      $('rs-summary'),
      rows.length ? `${count(rows.length, 'reservation')}, newest first.` : 'No reservation matches.',
    );
    replace($('rs-results'), rows.length ? resultsTable(rows) : '');
  } catch (err) {
    shown = [];
    say($('rs-summary'), '');
    replace($('rs-results'));
    showError($('rs-error'), err, 'Search failed: ');
  }
}

function resultsTable(rows) {
  return table(
    [
      { label: 'Reservation', value: (r) => `#${r.id}` },
      { label: 'Fan', value: (r) => `${r.username} (#${r.userId})` },
      { label: 'Concert', value: (r) => catalog.concertName(r.concertId) },
      { label: 'Show', value: (r) => catalog.optionName(r.optionId) },
      { label: 'Seat', value: (r) => r.seatNumber },
      {
        label: 'Status',
        value: (r) => el('span', { className: 'tag', dataset: { status: r.status } }, r.status),
      },
      { label: 'Amount', value: (r) => formatAmount(r.amount), className: 'num' },
      { label: 'Reserved', value: (r) => formatTime(r.reservedAt) },
      { label: 'Payment', value: (r) => r.paymentStatus && `${r.paymentStatus} (${r.paymentMethod})` },
      { label: 'Case file', value: openButton },
    ],
    rows,
    { testId: 'rs-table', rowTestId: (r) => `reservation-row-${r.id}` },
  );
}

function openButton(row) {
  const button = el(
    'button',
    { type: 'button', dataset: { testid: `open-reservation-${row.id}` } },
    `Open #${row.id}`,
  );
  button.addEventListener('click', () => void caseFile.open(row.id));
  return button;
}
