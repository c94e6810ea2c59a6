// The catalog: the payment methods, the concerts and their shows. Picking a concert enters its waiting
// room (if on); picking a show follows its seats.
import { api } from '../shared/session.js';
import { renderOrders } from './my-orders.js';
import { subscribeSeats } from './realtime.js';
import { releasePicks } from './picks.js';
import { loadSeatMap } from './seat-map.js';
import { queue } from './room.js';
import { loadPolicy, optionLabel } from './sale.js';
import { $, state } from './state.js';

export async function loadPaymentMethods() {
  state.payments = await api('GET', '/api/payments/methods');
  $('provider').textContent = `${state.payments.provider} (${state.payments.providerMode})`;
  const select = $('method');
  select.replaceChildren();
  for (const m of state.payments.methods.filter((x) => x.enabled)) {
    const opt = new Option(m.label || m.code, m.code, false, m.code === state.payments.defaultMethod);
    select.append(opt);
  }
  $('mock-outcome-field').hidden = state.payments.provider !== 'mock';
}

export async function loadConcerts() {
  const concerts = await api('GET', '/api/concerts');
  state.concerts = new Map(concerts.map((c) => [c.id, c]));
  renderOrders();
  const select = $('concert');
  select.replaceChildren(
    ...concerts.map((c) => new Option(`${c.title} — ${c.artistName || ''}`, String(c.id))),
  );
  if (concerts.length) await loadOptions(concerts[0].id);
}

export async function loadOptions(concertId) {
  state.concertId = concertId;
  // Looked at alongside the shows: a gated concert's seat map stays hidden until the fan is admitted.
  const entering = queue.enter(concertId);
  const [options, policy] = await Promise.all([
    api('GET', `/api/concerts/${concertId}/options`),
    loadPolicy(concertId),
  ]);
  // A concert picked while these were on their way has its own call: the later pick wins.
  if (state.concertId !== concertId) return entering;
  state.options = new Map(options.map((o) => [o.id, o]));
  state.policy = policy;
  const select = $('option');
  select.replaceChildren(...options.map((o) => new Option(optionLabel(o), String(o.id))));
  if (options.length) await selectOption(options[0].id);
  await entering;
}

export async function selectOption(optionId) {
  if (state.socket && state.socket.connected && state.optionId) {
    state.socket.emit('seats.unsubscribe', { optionId: state.optionId });
  }
  // Seats picked on another show would stay SELECTING for everyone while this fan looks elsewhere.
  if ([...state.picks.values()].some((p) => p.optionId !== optionId)) void releasePicks();
  state.optionId = optionId;
  if (!(await subscribeSeats())) await loadSeatMap();
}
