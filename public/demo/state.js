// What the demo page knows, in one object every part of the page reads and writes, with its constants
// and the small view helpers they all use (the messages, the event log, the clock).

export const POLL_MS = 2000;
/** How long the socket may take to connect before the page falls back to polling. */
export const CONNECT_GRACE_MS = 3000;
/** A lock's AVAILABLE push arrives within 1 s of its end; after this much more, the page stops waiting for it. */
export const LOCK_LAPSE_GRACE_MS = 1500;
export const LIVE = ['HOLD', 'PAYING'];
export const LOCKS = '/api/reservations/v7/locks/seats';
/** Hold refusals that mean the seat is not ours to hold any more (other refusals keep the lock). */
export const SEAT_GONE = ['SEAT_BEING_SELECTED', 'SEAT_NOT_AVAILABLE', 'SEAT_LOCK_EXPIRED'];
/** What "My tickets" lists: an EXPIRED hold never was a ticket, and there may be many of them. */
export const TICKET_STATUSES = ['HOLD', 'PAYING', 'CONFIRMED', 'REFUNDED', 'CANCELLED'];
export const TICKETS_LIMIT = 20;
/** The reservation statuses whose seat is the fan's: shown as "yours" on the map. */
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
  seats: new Map(), // seatId → {id, seatNumber, status}
  /** The show `seats` is the map of (optionId moves first, the map follows when it arrives). */
  seatsOptionId: null,
  /** The fan's soft lock: {seatId, optionId, expiresAt (ms), since (server ms of the lock), acquiredAt (client ms)}. */
  selection: null,
  /** Bumped on every seat click: only the latest click's lock becomes the selection. */
  selectSeq: 0,
  reservation: null,
  /** The HOLD_EXPIRING push for the current reservation: {reservationId, deadline (client ms)}. */
  warning: null,
  /**
   * "My tickets": the list as last read (`read`: there was a read this session; `loadFailed`: the last
   * read failed, and says so); `loading` the read in flight (one at a time), `again` whether another was
   * asked for meanwhile; `busy` the ids whose refund or cancel is on its way.
   */
  tickets: { list: [], read: false, loadFailed: false, loading: null, again: false, busy: new Set() },
  socket: null,
  mode: 'offline', // 'socket' | 'polling' | 'offline'
  pollTimer: null,
  graceTimer: null,
};

export const $ = (id) => document.getElementById(id);

export const liveReservation = () => state.reservation && LIVE.includes(state.reservation.status);

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

export function setTicketsMessage(text, bad = false) {
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
