// What the demo page knows, in one object every part of the page reads and writes, with its constants
// and the small view helpers they all use (the messages, the event log, the clock).
import { krw } from '../shared/zones.js';

export const POLL_MS = 2000;
/** How long the socket may take to connect before the page falls back to polling. */
export const CONNECT_GRACE_MS = 3000;
/** A lock's AVAILABLE push arrives within 1 s of its end; after this much more, the page stops waiting for it. */
export const LOCK_LAPSE_GRACE_MS = 1500;
/** Order (and item) statuses of a cart still to pay: one deadline, one payment. */
export const LIVE = ['HOLD', 'PAYING'];
/**
 * How many seats one order may take: the server's default MAX_SEATS_PER_ORDER (and MAX_SEAT_LOCKS_PER_USER,
 * so one pick is one soft lock). A server set lower refuses the order, and the page says why.
 */
export const MAX_PICKS = 4;
/** Order statuses that may have paid items, whose seats are refundable one by one. */
export const PAID = ['CONFIRMED', 'PARTIALLY_REFUNDED'];
export const LOCKS = '/api/reservations/v7/locks/seats';
/** Order refusals that mean the seats are not ours to hold any more (other refusals keep the locks). */
export const SEAT_GONE = ['SEAT_BEING_SELECTED', 'SEAT_NOT_AVAILABLE', 'SEAT_LOCK_EXPIRED'];
/** What "My orders" lists: an EXPIRED hold never was a ticket, and there may be many of them. */
export const ORDER_STATUSES = ['HOLD', 'PAYING', 'CONFIRMED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED'];
export const ORDERS_LIMIT = 20;
/** The item statuses whose seat is the fan's: shown as "yours" on the map. */
export const OWNED = [...LIVE, 'CONFIRMED'];
/** Fan tiers, lowest first (a presale admits its minimum tier and above). */
export const TIERS = ['BASIC', 'SILVER', 'GOLD', 'VIP'];

export const state = {
  /** Bumped when a session ends: an answer for an earlier session is dropped. */
  sessionSeq: 0,
  /** The fan's tier (GET /api/auth/me), for the presale note; the server decides at lock and hold. */
  tier: null,
  payments: null,
  /** The concert on screen (its waiting room, if on, gates the seat map). */
  concertId: null,
  /** The catalog's concerts by id (titles for "My tickets"). */
  concerts: new Map(),
  optionId: null,
  /** The shows of the concert on screen by id, as GET …/options last described them. */
  options: new Map(),
  /** The sales policy of the concert on screen (null: none), for the sale note and the refusals. */
  policy: null,
  seats: new Map(), // seatId → {id, seatNumber, status, row, number, categoryId, priceAmount}
  /** The show `seats` is the map of (optionId moves first, the map follows when it arrives). */
  seatsOptionId: null,
  /** The price zones of the show on screen: categoryId → {category, color, className} (shared/zones.js). */
  zones: new Map(),
  /**
   * The fan's picks, one soft lock each: seatId → {seatId, optionId, expiresAt (ms), since (server ms of
   * the lock), acquiredAt (client ms)}, in the order they were picked.
   */
  picks: new Map(),
  /** Seats whose lock or release is on its way (a second click on them waits for the first). */
  picking: new Set(),
  /** Bumped when every pick is dropped at once (a hold, a release, a logout): older lock answers let go. */
  pickEpoch: 0,
  /** The cart: the order on screen (the contract's Order). */
  order: null,
  /** The HOLD_EXPIRING push for the cart: {orderId, deadline (client ms)}. */
  warning: null,
  /**
   * "My orders": the list as last read (`read`: there was a read this session; `loadFailed`: the last
   * read failed, and says so); `loading` the read in flight (one at a time), `again` whether another was
   * asked for meanwhile; `busy` the orders whose refund or cancel is on its way.
   */
  orders: { list: [], read: false, loadFailed: false, loading: null, again: false, busy: new Set() },
  socket: null,
  mode: 'offline', // 'socket' | 'polling' | 'offline'
  pollTimer: null,
  graceTimer: null,
};

export const $ = (id) => document.getElementById(id);

export const liveOrder = () => Boolean(state.order && LIVE.includes(state.order.status));

export function setMessage(text, bad = false) {
  $('message').textContent = text;
  $('message').className = bad ? 'error' : '';
}

/** Messages about picking a seat, shown next to the seat map (the checkout card may be hidden). */
export function setSeatMessage(text, bad = false) {
  $('seat-message').textContent = text;
  $('seat-message').className = bad ? 'error' : '';
  $('seat-message').hidden = !text;
}

export function setOrdersMessage(text, bad = false) {
  $('tickets-message').textContent = text;
  $('tickets-message').className = bad ? 'error' : '';
  $('tickets-message').hidden = !text;
}

export function seatNumber(seatId) {
  const seat = state.seats.get(seatId);
  return seat ? seat.seatNumber : `#${seatId}`;
}

/** HH:MM:SS in the browser's time zone. */
export function clockTime(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function logEvent(kind, text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${kind}: ${text}`;
  $('events').prepend(li);
  while ($('events').children.length > 50) $('events').lastChild.remove();
}

export const dateTime = (iso) => (iso ? new Date(iso).toLocaleString() : '?');

/** "A-1, A-2" for seat ids (as the map names them). */
export const seatList = (seatIds) => seatIds.map(seatNumber).join(', ');

/** "A-1 · VIP · 150,000 KRW": an order item or a seat, with its zone when it has one. */
export function seatLabel(seatNumberText, categoryId, amount) {
  const zone = categoryId && state.zones.get(categoryId);
  return [seatNumberText, zone ? zone.category.name : null, amount === undefined ? null : krw(amount)]
    .filter(Boolean)
    .join(' · ');
}
