// Admin console: log in, check that the account may use the console, then one panel at a time (the
// URL's #hash names it, so panels can be bookmarked and the back button works). Each panel module has
// init() (bind its controls once) and may have enter() / leave() (shown / hidden) and reset() (logout).
import * as actions from './actions.js';
import { api, currentUser, describeError, login, logout, onSessionEnded } from './api.js';
import * as audit from './audit.js';
import * as cancellation from './cancellation.js';
import * as catalog from './catalog.js';
import * as concerts from './concerts.js';
import * as orders from './orders.js';
import * as payments from './payments.js';
import * as reservations from './reservations.js';
import * as salesPolicy from './sales-policy.js';
import * as tiers from './tiers.js';
import { $, say, showError } from './ui.js';
import * as waitingRoom from './waiting-room.js';
import * as zones from './zones.js';
import * as webhooks from './webhooks.js';

/** Panel name (the #hash) → the modules that live in it. */
const PANELS = {
  concerts: [concerts],
  zones: [zones],
  orders: [orders],
  reservations: [reservations],
  audit: [audit, actions],
  payments: [payments],
  cancellation: [cancellation],
  'sales-policy': [salesPolicy],
  'waiting-room': [waitingRoom],
  users: [tiers],
  webhooks: [webhooks],
};
const FIRST_PANEL = 'concerts';
const modules = [...new Set(Object.values(PANELS).flat())];

const state = { open: false, panel: null };

function init() {
  for (const module of modules) module.init();
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', onLogout);
  $('refusal-retry').addEventListener('click', () => void openConsole());
  window.addEventListener('hashchange', () => state.open && showPanel(panelFromHash(), true));
  onSessionEnded((message) => closeConsole(message, true));
}

async function onLogin(event) {
  event.preventDefault();
  showError($('login-error'), null);
  const form = new FormData(event.target);
  try {
    await login(String(form.get('username')), String(form.get('password')));
  } catch (err) {
    showError($('login-error'), err, 'Login failed: ');
    return;
  }
  $('login-form').reset();
  say($('login-message'), '');
  await openConsole();
}

/**
 * Asks an admin endpoint before showing anything: whether the account may use the console is the
 * server's call (ADMIN_CONSOLE_MINIMUM_ROLE), so the page shows the server's refusal, not a guess from
 * the role in the login answer.
 */
async function openConsole() {
  const user = currentUser();
  $('login-panel').hidden = true;
  $('session-bar').hidden = false;
  $('who').textContent = `${user.username} (#${user.id}, ${user.role})`;
  try {
    await api('GET', '/api/admin/actions?limit=1');
  } catch (err) {
    showRefusal(user, err);
    return;
  }
  $('refusal').hidden = true;
  clearMessages();
  $('console').hidden = false;
  state.open = true;
  await concerts.start();
  showPanel(panelFromHash(), true);
}

/**
 * Clears every panel's error line: a call that failed while the last session was ending reports after
 * the panels were reset, and its message must not greet the next session.
 */
function clearMessages() {
  for (const line of $('console').querySelectorAll('.error')) showError(line, null);
}

function showRefusal(user, err) {
  const refused = err.status === 403;
  $('refusal-title').textContent = refused ? 'Access refused' : 'The console could not open';
  $('refusal-text').textContent = refused
    ? `${user.username} (role ${user.role}) may not use the admin console. The server answered: ${describeError(err)}.`
    : `The server answered: ${describeError(err)}.`;
  $('refusal-retry').hidden = refused;
  $('refusal').hidden = false;
  $('refusal-title').focus();
}

async function onLogout() {
  let problem = '';
  try {
    await logout();
  } catch (err) {
    // The tokens are forgotten anyway; the server's answer is still worth showing.
    problem = ` (the server answered: ${describeError(err)})`;
  }
  closeConsole(`Logged out${problem}.`, Boolean(problem));
}

/** Back to the login form, with nothing left running or on screen from the session. */
function closeConsole(message, bad) {
  state.open = false;
  if (state.panel) leavePanel(state.panel);
  state.panel = null;
  concerts.stop();
  for (const module of modules) if (module.reset) module.reset();
  catalog.clear();
  $('console').hidden = true;
  $('refusal').hidden = true;
  $('session-bar').hidden = true;
  $('login-panel').hidden = false;
  say($('login-message'), message);
  $('login-message').classList.toggle('error', bad);
  $('login-username').focus();
}

function panelFromHash() {
  const name = location.hash.slice(1);
  return Object.hasOwn(PANELS, name) ? name : FIRST_PANEL;
}

function leavePanel(name) {
  for (const module of PANELS[name]) if (module.leave) module.leave();
}

/** Shows panel `name` only; `moveFocus`: a nav click takes the keyboard to the panel's heading. */
function showPanel(name, moveFocus) {
  if (state.panel && state.panel !== name) leavePanel(state.panel);
  state.panel = name;
  for (const section of document.querySelectorAll('[data-panel]')) {
    section.hidden = section.dataset.panel !== name;
  }
  for (const link of document.querySelectorAll('#console-nav a')) {
    if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  for (const module of PANELS[name]) if (module.enter) module.enter();
  if (moveFocus) document.querySelector(`[data-panel="${name}"] h2`).focus();
}

init();
