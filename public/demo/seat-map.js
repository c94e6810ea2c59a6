// The seat map of the show on screen, kept live by SEAT_STATUS pushes (or polls), coloured by price zone
// with a legend of the zones' prices and free seats. Clicks on it are the fan's picks (picks.js).
import { api } from '../shared/session.js';
import { krw, zoneStyles } from '../shared/zones.js';
import { lapsePick, releasePicks } from './picks.js';
import { renderSaleNote, saleAccess, optionLabel } from './sale.js';
import { $, OWNED, liveOrder, logEvent, seatNumber, setSeatMessage, state } from './state.js';

/**
 * The seat map shows only while the fan may pick: the concert has no room, or the fan is admitted.
 * Closing it lets go of the picks (they could not be held, and other fans may want the seats).
 */
export function setSeatsOpen(open) {
  const area = $('seat-area');
  if (area.hidden === !open) return;
  area.hidden = !open;
  if (open) {
    setSeatMessage('');
    // Caught up at once: the map may have changed a lot while the fan waited.
    void loadSeatMap();
  } else {
    void releasePicks();
  }
}

/** The map and the show's zones, read together (a zone layout may have changed since the last read). */
export async function loadSeatMap() {
  if (!state.optionId) return;
  const optionId = state.optionId;
  const askedAt = Date.now();
  const [seats, categories] = await Promise.all([
    api('GET', `/api/concerts/options/${optionId}/seat-map`),
    api('GET', `/api/concerts/options/${optionId}/categories`),
  ]);
  if (optionId !== state.optionId) return;
  state.seats = new Map(seats.map((s) => [s.id, s]));
  state.seatsOptionId = optionId;
  state.zones = zoneStyles(categories);
  // A map read after a lock was taken that no longer shows it SELECTING: the lock ended (polling mode).
  for (const pick of [...state.picks.values()]) {
    const seat = state.seats.get(pick.seatId);
    if (seat && askedAt > pick.acquiredAt && seat.status !== 'SELECTING') lapsePick(pick.seatId, seat.status);
  }
  renderSeats();
}

/**
 * The seats that are the fan's own on the show on screen: the cart's and every held or paid item in
 * "My orders" (bought in another tab, or before this login, too).
 */
function ownSeats() {
  const cart = state.order;
  // The cart's copy of its order is newer than the list's (an answer or a push just came).
  const listed = state.orders.list.filter((o) => !cart || o.id !== cart.id);
  const own = new Set();
  for (const o of cart ? [...listed, cart] : listed) {
    if (o.optionId !== state.seatsOptionId) continue;
    for (const item of o.items || []) if (OWNED.includes(item.status)) own.add(item.seatId);
  }
  return own;
}

export function renderSeats() {
  const grid = $('seats');
  const own = ownSeats();
  const access = saleAccess();
  renderSaleNote();
  grid.replaceChildren(...[...state.seats.values()].map((seat) => seatButton(seat, own, access)));
  renderFreeCount();
  renderLegend();
}

function seatButton(seat, own, access) {
  const mine = own.has(seat.id) && seat.status !== 'AVAILABLE';
  const picked = state.picks.has(seat.id);
  const locked = !access.ok && seat.status === 'AVAILABLE';
  const zone = seat.categoryId ? state.zones.get(seat.categoryId) : null;
  const b = document.createElement('button');
  b.type = 'button';
  b.className =
    `seat ${seat.status}${mine ? ' mine' : ''}${picked ? ' selected' : ''}${locked ? ' locked' : ''}` +
    (zone ? ` zoned ${zone.className}` : '');
  b.textContent = seat.seatNumber;
  b.dataset.testid = `seat-${seat.seatNumber}`;
  b.dataset.status = seat.status;
  b.dataset.seatId = String(seat.id);
  if (zone) b.dataset.zone = zone.category.name;
  const price =
    seat.priceAmount === undefined
      ? ''
      : ` · ${zone ? `${zone.category.name} ` : ''}${krw(seat.priceAmount)}`;
  b.title = `${seat.seatNumber}${price}`;
  if (mine) {
    b.dataset.mine = 'true';
    b.title = seat.status === 'RESERVED' ? 'Yours: your ticket' : 'Yours: your hold';
  }
  if (picked) b.dataset.selection = 'mine';
  else if (seat.status === 'SELECTING') b.title = 'Another fan is selecting this seat';
  else if (locked) b.title = access.text;
  // Your own picks stay clickable (a click lets one go); anyone else's is not.
  b.disabled = liveOrder() || locked || !(seat.status === 'AVAILABLE' || picked);
  return b;
}

/**
 * The legend of the show's zones: colour, name, price and free seats (counted on the map, which pushes
 * keep live), and the show's own price for the seats in no zone.
 */
function renderLegend() {
  const legend = $('zone-legend');
  const free = new Map();
  let unzoned = 0;
  for (const seat of state.seats.values()) {
    if (!seat.categoryId) unzoned += 1;
    if (seat.status === 'AVAILABLE') free.set(seat.categoryId, (free.get(seat.categoryId) || 0) + 1);
  }
  const items = [...state.zones.values()].map(({ category, className }) =>
    legendItem(
      `zone-${category.id}`,
      `seat AVAILABLE zoned ${className}`,
      category.name,
      category.priceAmount,
      free.get(category.id),
    ),
  );
  const option = state.options.get(state.seatsOptionId);
  if (items.length && unzoned && option)
    items.push(
      legendItem('zone-none', 'seat AVAILABLE', 'Other seats', option.ticketPriceAmount, free.get(null)),
    );
  legend.replaceChildren(...items);
  legend.hidden = items.length === 0;
  renderZoneChoices();
}

function legendItem(testId, swatchClass, name, price, freeCount) {
  const li = document.createElement('li');
  li.dataset.testid = testId;
  const swatch = document.createElement('span');
  swatch.className = swatchClass;
  swatch.textContent = name;
  const text = document.createElement('span');
  text.textContent = ` ${krw(price)} · ${freeCount || 0} free`;
  li.append(swatch, text);
  return li;
}

/** The zones in the "best seats" form: any zone, or one of the show's. */
function renderZoneChoices() {
  const select = $('best-zone');
  const previous = select.value;
  const choices = [new Option('Any zone', '')];
  for (const { category } of state.zones.values()) {
    choices.push(new Option(`${category.name} · ${krw(category.priceAmount)}`, String(category.id)));
  }
  select.replaceChildren(...choices);
  if (choices.some((o) => o.value === previous)) select.value = previous;
}

/**
 * The label of the show on the seat map counts its seats from the map, which pushes keep live, so the
 * two always agree (the list's count was true only when it was read). The list counts a seat under a
 * soft lock as free; the map and its legend show it as "being picked", and so does the label. Other
 * shows keep the list's count: the page follows the seats of one show only.
 */
function renderFreeCount() {
  const o = state.options.get(state.seatsOptionId);
  const el = o && [...$('option').options].find((x) => x.value === String(o.id));
  if (!el) return;
  const counts = { free: 0, picking: 0 };
  for (const seat of state.seats.values()) {
    if (seat.status === 'AVAILABLE') counts.free += 1;
    else if (seat.status === 'SELECTING') counts.picking += 1;
  }
  const label = optionLabel(o, counts);
  if (el.textContent !== label) el.textContent = label;
  el.dataset.free = String(counts.free);
}

export function onSeatStatus(event) {
  logEvent('SEAT_STATUS', `seat ${seatNumber(event.seatId)} → ${event.status}`);
  if (event.optionId !== state.optionId) return;
  const pick = state.picks.get(event.seatId);
  // Older than our lock (e.g. our own earlier release, overtaken by the lock's HTTP answer): stale.
  if (pick && Date.parse(event.occurredAt) >= pick.since && event.status !== 'SELECTING') {
    lapsePick(event.seatId, event.status);
  }
  const seat = state.seats.get(event.seatId);
  if (seat) {
    seat.status = event.status;
    renderSeats();
  }
}
