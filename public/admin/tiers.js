// User-tier editor: find a fan by name, pick them, set their tier (presale eligibility). The change
// applies from the fan's next request, also to tokens issued before it.
import { api } from './api.js';
import { bindUserPicker } from './user-picker.js';
import { $, busy, replace, say, showError } from './ui.js';

let chosen = null;

export function init() {
  bindUserPicker({
    form: $('tier-search-form'),
    input: $('tier-username'),
    results: $('tier-matches'),
    error: $('tier-error'),
    pickLabel: (user) => `Edit ${user.username} (#${user.id})`,
    onPick: choose,
  });
  $('tier-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('tier-submit'), save);
  });
}

export function reset() {
  chosen = null;
  $('tier-search-form').reset();
  replace($('tier-matches'));
  $('tier-form').hidden = true;
  say($('tier-result'), '');
}

function choose(user) {
  chosen = user;
  say($('tier-result'), '');
  showError($('tier-error'), null);
  $('tier-user').textContent = `${user.username} (#${user.id}, ${user.role})`;
  $('tier-current').textContent = user.tier;
  $('tier-select').value = user.tier;
  $('tier-form').hidden = false;
  $('tier-select').focus();
}

async function save() {
  showError($('tier-error'), null);
  say($('tier-result'), '');
  try {
    const saved = await api('PUT', `/api/admin/users/${chosen.id}/tier`, { tier: $('tier-select').value });
    chosen = saved;
    $('tier-current').textContent = saved.tier;
    say($('tier-result'), `Saved: ${saved.username} is now ${saved.tier}.`);
  } catch (err) {
    showError($('tier-error'), err, 'Save failed: ');
  }
}
