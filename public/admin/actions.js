// The admin actions trail: who changed a concert, show, sales policy, waiting room, tier or wallet
// through the admin API (refund overrides have their own audit log above it).
import { api, withQuery } from './api.js';
import { $, busy, count, el, formatTime, numberOf, replace, say, showError, table } from './ui.js';

let loaded = false;

export function init() {
  $('actions-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('actions-submit'), search);
  });
}

export function enter() {
  if (!loaded) void search();
}

export function reset() {
  loaded = false;
  $('actions-form').reset();
  replace($('actions-results'));
  say($('actions-summary'), '');
}

async function search() {
  showError($('actions-error'), null);
  const query = {
    actorUserId: numberOf($('actions-actor')),
    action: $('actions-action').value,
    targetType: $('actions-target-type').value,
    targetId: numberOf($('actions-target-id')),
    limit: numberOf($('actions-limit')),
  };
  try {
    const rows = await api('GET', withQuery('/api/admin/actions', query));
    loaded = true;
    say(
      $('actions-summary'),
      rows.length ? `${count(rows.length, 'action')}, newest first.` : 'No action matches.',
    );
    replace($('actions-results'), rows.length ? actionsTable(rows) : '');
  } catch (err) {
    replace($('actions-results'));
    say($('actions-summary'), '');
    showError($('actions-error'), err, 'Actions search failed: ');
  }
}

function actionsTable(rows) {
  return table(
    [
      { label: 'Action row', value: (a) => `#${a.id}` },
      { label: 'At', value: (a) => formatTime(a.occurredAt) },
      { label: 'Action', value: (a) => a.action },
      { label: 'Target', value: (a) => `${a.targetType} #${a.targetId}` },
      { label: 'Actor', value: (a) => `#${a.actorUserId} (${a.actorRole})` },
      { label: 'Detail', value: (a) => el('code', {}, JSON.stringify(a.detail)) },
    ],
    rows,
    { testId: 'actions-table', rowTestId: (a) => `action-row-${a.id}` },
  );
}
