// Audit log of admin refund overrides (SUCCESS, DENIED, FAILED), filtered on the server, with a CSV
// export of exactly the rows on screen.
import { api, withQuery } from './api.js';
import { auditTable } from './case-file.js';
import { download, toCsv } from './csv.js';
import { $, busy, count, numberOf, replace, say, showError, utcFromInput } from './ui.js';

const CSV_COLUMNS = [
  { header: 'id', value: (a) => a.id },
  { header: 'occurredAt', value: (a) => a.occurredAt },
  { header: 'result', value: (a) => a.result },
  { header: 'reservationId', value: (a) => a.reservationId },
  { header: 'targetUserId', value: (a) => a.targetUserId },
  { header: 'actorUserId', value: (a) => a.actorUserId },
  { header: 'actorRole', value: (a) => a.actorRole },
  { header: 'reason', value: (a) => a.reason, text: true },
  { header: 'detailMessage', value: (a) => a.detailMessage, text: true },
];

/** The rows on screen: what the export writes. */
let shown = [];

export function init() {
  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('audit-submit'), search);
  });
  $('audit-export').addEventListener('click', exportCsv);
}

/** The first visit shows the newest rows without asking. */
export function enter() {
  if (!shown.length) void search();
}

export function reset() {
  $('audit-form').reset();
  show([]);
  say($('audit-summary'), '');
}

function filters() {
  return {
    reservationId: numberOf($('audit-reservation')),
    actorUserId: numberOf($('audit-actor')),
    result: $('audit-result').value,
    fromAt: utcFromInput($('audit-from').value),
    toAt: utcFromInput($('audit-to').value),
    limit: numberOf($('audit-limit')),
  };
}

async function search() {
  showError($('audit-error'), null);
  try {
    const rows = await api('GET', withQuery('/api/reservations/v7/audit/admin-refunds', filters()));
    show(rows);
    say(
      $('audit-summary'),
      rows.length ? `${count(rows.length, 'row')}, newest first.` : 'No audit row matches.',
    );
  } catch (err) {
    show([]);
    say($('audit-summary'), '');
    showError($('audit-error'), err, 'Audit search failed: ');
  }
}

function show(rows) {
  shown = rows;
  replace($('audit-results'), rows.length ? auditTable(rows, 'audit-table') : '');
  $('audit-export').disabled = !rows.length;
}

function exportCsv() {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  download(`admin-refund-audit-${stamp}.csv`, toCsv(CSV_COLUMNS, shown));
  say($('audit-summary'), `Exported ${count(shown.length, 'row')} as CSV.`);
}
