// Waiting room: a concert's room configuration, and a live monitor of its queue (waiting, active,
// admitted) read every POLL_MS while the panel is on screen. The server keeps one sample per tick
// (one a second) for ten minutes; the chart draws them.
import { api } from './api.js';
import * as catalog from './catalog.js';
import { roomChart } from './chart.js';
import {
  $,
  busy,
  el,
  fillSelect,
  formatTime,
  inputFromUtc,
  numberOf,
  replace,
  say,
  showError,
  utcFromInput,
} from './ui.js';

const POLL_MS = 2000;
const state = { active: false, timer: null, generation: 0, reads: 0 };

export function init() {
  catalog.onChange(() => fillSelect($('wr-concert'), catalog.concertChoices()));
  $('wr-concert').addEventListener('change', () => void load());
  $('wr-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('wr-submit'), save);
  });
  // A hidden browser tab does not need the monitor: polling stops and starts with it.
  document.addEventListener('visibilitychange', () => (document.hidden ? stopPolling() : startPolling()));
}

export function enter() {
  state.active = true;
  void load();
}

export function leave() {
  state.active = false;
  stopPolling();
}

export function reset() {
  leave();
  $('wr-form').reset();
  replace($('wr-current'));
  say($('wr-result'), '');
  renderMonitor(null);
}

/** The chosen concert's room, then its monitor. */
async function load() {
  showError($('wr-error'), null);
  say($('wr-result'), '');
  renderMonitor(null);
  const concertId = $('wr-concert').value;
  if (!concertId) return;
  const mine = ++state.reads;
  try {
    const room = await api('GET', `/api/concerts/${concertId}/waiting-room`);
    // A slower read of the concert shown before must not fill the form of the one chosen now.
    if (mine !== state.reads) return;
    showRoom(room);
    fillForm(room);
  } catch (err) {
    if (mine !== state.reads) return;
    replace($('wr-current'));
    showError($('wr-error'), err, 'Could not read the waiting room: ');
  }
  stopPolling();
  startPolling();
}

function fillForm(room) {
  $('wr-enabled').checked = room.enabled;
  // A room never configured answers nulls: the form keeps its defaults for those.
  if (room.admissionPerMinute !== null) $('wr-rate').value = String(room.admissionPerMinute);
  if (room.maxActiveUsers !== null) $('wr-max-active').value = String(room.maxActiveUsers);
  if (room.activeTtlSeconds !== null) $('wr-ttl').value = String(room.activeTtlSeconds);
  $('wr-opens').value = inputFromUtc(room.opensAt);
}

function showRoom(room) {
  const text = room.enabled
    ? `On: ${room.admissionPerMinute} admissions a minute, at most ${room.maxActiveUsers} active, ` +
      `${room.activeTtlSeconds} s each${room.opensAt ? `, opens ${formatTime(room.opensAt)}` : ''}.`
    : 'Off: everyone may buy at once (nothing is gated).';
  replace(
    $('wr-current'),
    el('p', { dataset: { testid: 'wr-current', enabled: String(room.enabled) } }, text),
  );
}

async function save() {
  showError($('wr-error'), null);
  say($('wr-result'), '');
  const concertId = $('wr-concert').value;
  const room = {
    enabled: $('wr-enabled').checked,
    admissionPerMinute: numberOf($('wr-rate')),
    maxActiveUsers: numberOf($('wr-max-active')),
    activeTtlSeconds: numberOf($('wr-ttl')),
    opensAt: utcFromInput($('wr-opens').value),
  };
  try {
    const saved = await api('PUT', `/api/admin/concerts/${concertId}/waiting-room`, room);
    showRoom(saved);
    fillForm(saved);
    say($('wr-result'), `Saved the waiting room of ${catalog.concertName(concertId)}.`);
  } catch (err) {
    showError($('wr-error'), err, 'Save failed: ');
  }
}

// ---- monitor -------------------------------------------------------------------------------------

/**
 * One read at a time, the next one POLL_MS after the last answer (a slow server is not piled up on);
 * `generation` drops the answer of a read started for another concert or before a stop.
 */
function startPolling() {
  if (!state.active || document.hidden || state.timer || !$('wr-concert').value) return;
  const generation = ++state.generation;
  const tick = async () => {
    await poll();
    if (generation === state.generation) state.timer = setTimeout(tick, POLL_MS);
  };
  state.timer = setTimeout(tick, 0);
}

function stopPolling() {
  state.generation += 1;
  clearTimeout(state.timer);
  state.timer = null;
}

async function poll() {
  const concertId = $('wr-concert').value;
  const generation = state.generation;
  try {
    const history = await api('GET', `/api/admin/concerts/${concertId}/waiting-room/history`);
    if (generation !== state.generation) return;
    showError($('wr-monitor-error'), null);
    renderMonitor(history);
  } catch (err) {
    if (generation === state.generation) showError($('wr-monitor-error'), err, 'Monitor: ');
  }
}

function renderMonitor(history) {
  const samples = history ? history.samples : [];
  const last = samples.at(-1);
  setFigure('wr-waiting', last && last.waitingCount);
  setFigure('wr-active', last && last.activeCount);
  setFigure('wr-admitted-total', last && last.admittedTotal);
  const rate = admittedRate(history);
  setFigure('wr-admitted-minute', rate.value, rate.note);
  say($('wr-updated'), last ? `Last tick ${formatTime(last.at)} · ${samples.length} samples` : '');
  replace($('wr-chart'), roomChart(samples));
}

/**
 * Admissions in the last minute, as the server counts them; for a room with less than a minute of
 * samples (the server then answers null) the count since the first sample, and over how long.
 */
function admittedRate(history) {
  if (!history || !history.samples.length) return { value: undefined };
  if (history.admittedLastMinute !== null) return { value: history.admittedLastMinute };
  const first = history.samples[0];
  const last = history.samples.at(-1);
  const seconds = Math.round((Date.parse(last.at) - Date.parse(first.at)) / 1000);
  return { value: last.admittedTotal - first.admittedTotal, note: `(only ${seconds} s of data yet)` };
}

function setFigure(id, value, note) {
  const figure = $(id);
  const known = value !== undefined && value !== null;
  figure.dataset.value = known ? String(value) : '';
  figure.textContent = known ? String(value) : '—';
  $(`${id}-note`).textContent = note || '';
}
