// The page's connection badge and its polling fallback: while push is unavailable, a poll task (set by
// app.js: the cart's order and the seat map) runs every POLL_MS.
import { accessToken } from '../shared/session.js';
import { $, POLL_MS, logEvent, state } from './state.js';

let pollTask = () => undefined;

/** What each poll does. */
export function onPoll(task) {
  pollTask = task;
}

export function setMode(mode, why) {
  if (state.mode === mode) return;
  state.mode = mode;
  const badge = $('connection');
  badge.dataset.mode = mode;
  badge.textContent =
    mode === 'socket'
      ? 'live (socket.io)'
      : mode === 'polling'
        ? `polling every ${POLL_MS / 1000} s`
        : 'not connected';
  logEvent('connection', `${mode}: ${why}`);
  schedulePolling();
}

/** Polls only while push is unavailable (and a session is on). */
export function schedulePolling() {
  const wanted = state.mode === 'polling' && Boolean(accessToken());
  if (wanted && !state.pollTimer) {
    state.pollTimer = setInterval(() => pollTask(), POLL_MS);
  } else if (!wanted && state.pollTimer) {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }
}
