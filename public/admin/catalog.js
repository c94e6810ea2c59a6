// The concerts and their shows (options), read from the public catalog and kept for every panel: the
// concerts panel shows them, the other panels offer them in their concert pickers and use them to name
// the concert and show of a reservation. Listeners hear of every change (a reload, a push re-read).
import { api } from './api.js';
import { formatTime } from './ui.js';

const state = { concerts: [], options: new Map() }; // options: concertId → [option]
const listeners = [];

export const concerts = () => state.concerts;
export const optionsOf = (concertId) => state.options.get(Number(concertId)) || [];
export const allOptions = () => [...state.options.values()].flat();

export function onChange(listener) {
  listeners.push(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

/** Everything again: the concerts, then each concert's shows (in parallel). */
export async function loadAll() {
  const list = await api('GET', '/api/concerts');
  const options = await Promise.all(list.map((c) => api('GET', `/api/concerts/${c.id}/options`)));
  state.concerts = list;
  state.options = new Map(list.map((c, i) => [c.id, options[i]]));
  changed();
}

/** One concert's shows and the concert totals again, after a seat of it changed. */
export async function reloadConcert(concertId) {
  const [list, options] = await Promise.all([
    api('GET', '/api/concerts'),
    api('GET', `/api/concerts/${concertId}/options`),
  ]);
  state.concerts = list;
  state.options.set(Number(concertId), options);
  changed();
}

/** Forgotten on logout: the next admin's console starts from the server again. */
export function clear() {
  state.concerts = [];
  state.options = new Map();
  changed();
}

export function concertOfOption(optionId) {
  for (const [concertId, options] of state.options) {
    if (options.some((o) => o.id === Number(optionId))) return concertId;
  }
  return undefined;
}

export function concertName(concertId) {
  const concert = state.concerts.find((c) => c.id === Number(concertId));
  return concert ? `${concert.title} (#${concert.id})` : `concert #${concertId}`;
}

export function optionName(optionId) {
  const option = allOptions().find((o) => o.id === Number(optionId));
  return option ? `${formatTime(option.concertDate)} (#${option.id})` : `show #${optionId}`;
}

/** `[value, label]` choices for a concert picker, optionally led by "any". */
export function concertChoices(anyLabel) {
  const choices = state.concerts.map((c) => [String(c.id), `${c.title} — ${c.artistName || '?'} (#${c.id})`]);
  return anyLabel ? [['', anyLabel], ...choices] : choices;
}
