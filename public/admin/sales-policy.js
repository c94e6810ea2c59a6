// Sales-policy editor: a concert's presale window (with the lowest tier allowed in it), the general
// sale start and the per-fan reservation limit. Times are typed and shown in UTC, as the API takes them.
import { api } from './api.js';
import * as catalog from './catalog.js';
import {
  $,
  busy,
  el,
  factList,
  fillSelect,
  formatTime,
  inputFromUtc,
  numberOf,
  replace,
  say,
  showError,
  utcFromInput,
} from './ui.js';

/** Bumped by every read and save: an answer that arrives after a newer one began is dropped. */
let generation = 0;

export function init() {
  catalog.onChange(() => fillSelect($('sp-concert'), catalog.concertChoices()));
  $('sp-concert').addEventListener('change', () => void load());
  $('sp-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('sp-submit'), save);
  });
}

/** Shows the chosen concert's policy on every visit (someone else may have changed it). */
export function enter() {
  if ($('sp-concert').value) void load();
}

export function reset() {
  $('sp-form').reset();
  replace($('sp-current'));
  say($('sp-result'), '');
}

async function load() {
  showError($('sp-error'), null);
  say($('sp-result'), '');
  const concertId = $('sp-concert').value;
  if (!concertId) return;
  const mine = ++generation;
  try {
    // Read with the concert (catalog.js): asked of the server only when the concert has one, as the
    // policy's GET answers 404 for none, a failed request the browser logs as a console error.
    await catalog.reloadConcert(concertId);
  } catch (err) {
    if (mine !== generation) return;
    replace($('sp-current'));
    showError($('sp-error'), err, 'Could not read the sales policy: ');
    return;
  }
  // A slower read of the concert shown before (or one overtaken by a save) must not fill the form.
  if (mine !== generation) return;
  const policy = catalog.policyOf(concertId);
  if (!policy) {
    // No policy yet is an answer, not a failure: the form starts empty.
    replace($('sp-current'), el('p', { className: 'hint' }, 'This concert has no sales policy yet.'));
    $('sp-form').reset();
    return;
  }
  showPolicy(policy);
  fillForm(policy);
}

function fillForm(policy) {
  $('sp-presale-start').value = inputFromUtc(policy.presaleStartAt);
  $('sp-presale-end').value = inputFromUtc(policy.presaleEndAt);
  $('sp-presale-tier').value = policy.presaleMinimumTier || '';
  $('sp-general-start').value = inputFromUtc(policy.generalSaleStartAt);
  $('sp-max').value = String(policy.maxReservationsPerUser);
}

function showPolicy(policy) {
  const presale = policy.presaleStartAt
    ? `${formatTime(policy.presaleStartAt)} to ${formatTime(policy.presaleEndAt)}, tier ${policy.presaleMinimumTier || 'BASIC'} and up`
    : 'none';
  const facts = [
    ['Presale', presale],
    ['General sale from', formatTime(policy.generalSaleStartAt)],
    ['Reservations per fan', String(policy.maxReservationsPerUser)],
  ];
  replace($('sp-current'), factList(facts, { dataset: { testid: 'sp-current' } }));
}

/** The form as the API wants it: empty optional fields left out. */
function body() {
  const policy = {
    presaleStartAt: utcFromInput($('sp-presale-start').value),
    presaleEndAt: utcFromInput($('sp-presale-end').value),
    presaleMinimumTier: $('sp-presale-tier').value || undefined,
    generalSaleStartAt: utcFromInput($('sp-general-start').value),
    maxReservationsPerUser: numberOf($('sp-max')),
  };
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
}

async function save() {
  showError($('sp-error'), null);
  say($('sp-result'), '');
  const concertId = $('sp-concert').value;
  const policy = body();
  // The API checks this too; saying it here saves a round trip and names the fields.
  if (Boolean(policy.presaleStartAt) !== Boolean(policy.presaleEndAt)) {
    say($('sp-result'), 'Set both presale start and presale end, or neither.');
    return;
  }
  generation++;
  try {
    const saved = await api('PUT', `/api/admin/concerts/${concertId}/sales-policy`, policy);
    showPolicy(saved);
    fillForm(saved);
    say($('sp-result'), `Saved the sales policy of ${catalog.concertName(concertId)}.`);
    // Sale status and opening time of the concert and its shows follow from the policy.
    await catalog.reloadConcert(concertId);
  } catch (err) {
    showError($('sp-error'), err, 'Save failed: ');
  }
}
