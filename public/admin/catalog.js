// The concerts and their shows (options), read from the public catalog and kept for every panel: the
// concerts panel shows them, the other panels offer them in their concert pickers and use them to name
// the concert and show of a reservation. Listeners hear of every change (a reload, a push re-read).
import { api, ApiError } from './api.js';
import { formatTime } from './ui.js';

// options: concertId → [option]; policies: concertId → sales policy (concerts that have one)
const state = { concerts: [], options: new Map(), policies: new Map() };
const listeners = [];

export const concerts = () => state.concerts;
export const optionsOf = (concertId) => state.options.get(Number(concertId)) || [];
export const allOptions = () => [...state.options.values()].flat();
/** The concert's sales policy as last read with the catalog (undefined: none). */
export const policyOf = (concertId) => state.policies.get(Number(concertId));

export function onChange(listener) {
  listeners.push(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

/** Everything again: the concerts, then each concert's shows (in parallel). */
export async function loadAll() {
  const list = await api('GET', '/api/concerts');
  const [options, policies] = await Promise.all([
    Promise.all(list.map((c) => api('GET', `/api/concerts/${c.id}/options`))),
    Promise.all(list.map(policyFor)),
  ]);
  state.concerts = list;
  state.options = new Map(list.map((c, i) => [c.id, options[i]]));
  state.policies = new Map(list.flatMap((c, i) => (policies[i] ? [[c.id, policies[i]]] : [])));
  changed();
}

/**
 * A concert's sales policy, asked only of a concert the catalog says has one (a `saleOpensAt`): the
 * policy's GET answers 404 for the others, a failed request the browser would log as an error.
 */
async function policyFor(concert) {
  if (!concert || !concert.saleOpensAt) return null;
  try {
    return await api('GET', `/api/concerts/${concert.id}/sales-policy`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null; // gone since the list was read
    throw err;
  }
}

/** One concert's shows and the concert totals again, after a seat of it changed. */
export async function reloadConcert(concertId) {
  const [list, options] = await Promise.all([
    api('GET', '/api/concerts'),
    api('GET', `/api/concerts/${concertId}/options`),
  ]);
  const policy = await policyFor(list.find((c) => c.id === Number(concertId)));
  state.concerts = list;
  state.options.set(Number(concertId), options);
  if (policy) state.policies.set(Number(concertId), policy);
  else state.policies.delete(Number(concertId));
  changed();
}

/** Forgotten on logout: the next admin's console starts from the server again. */
export function clear() {
  state.concerts = [];
  state.options = new Map();
  state.policies = new Map();
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

/** `[value, label]` choices for a show picker of `concertId`, optionally led by "any". */
export function showChoices(concertId, anyLabel) {
  const choices = (concertId ? optionsOf(concertId) : []).map((o) => [String(o.id), optionName(o.id)]);
  return anyLabel ? [['', anyLabel], ...choices] : choices;
}
