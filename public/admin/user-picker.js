// Finding a user by the start of their name (GET /api/admin/users), for the reservation search and the
// tier editor: a list of matches, each a button that hands the user to `onPick`.
import { api, withQuery } from './api.js';
import { el, replace, say, showError } from './ui.js';

/**
 * Binds a "find user" form: `input` holds the prefix, `results` gets the matches, `error` the API's
 * refusal. `pickLabel(user)` names each match's button.
 */
export function bindUserPicker({ form, input, results, error, pickLabel, onPick }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(error, null);
    const prefix = input.value.trim();
    if (!prefix) {
      say(results, 'Type the start of a username.');
      return;
    }
    try {
      const users = await api('GET', withQuery('/api/admin/users', { username: prefix }));
      renderMatches(results, users, pickLabel, onPick);
    } catch (err) {
      replace(results);
      showError(error, err, 'User search failed: ');
    }
  });
}

function renderMatches(results, users, pickLabel, onPick) {
  results.hidden = false;
  if (!users.length) {
    say(results, 'No user starts with that name.');
    return;
  }
  replace(
    results,
    el(
      'ul',
      { className: 'matches' },
      ...users.map((user) =>
        el(
          'li',
          {},
          pickButton(user, pickLabel, onPick),
          el('span', { className: 'hint' }, ` ${user.role} · tier ${user.tier}`),
        ),
      ),
    ),
  );
}

function pickButton(user, pickLabel, onPick) {
  const button = el(
    'button',
    { type: 'button', className: 'secondary', dataset: { testid: `pick-user-${user.username}` } },
    pickLabel(user),
  );
  button.addEventListener('click', () => onPick(user));
  return button;
}
