// The seat map of the show on screen, kept live by SEAT_STATUS pushes (or polls), and the fan's pick on
// it: a click takes a soft lock (SELECTING for everyone else) until the fan holds the seat, picks another
// or leaves the page.
import { accessToken, api } from '../shared/session.js';
import { backToQueue } from './room.js';
import {
  loadPolicy,
  loadTier,
  renderSaleNote,
  saleAccess,
  optionLabel,
  SALE_REFUSALS,
  saleRefusal,
} from './sale.js';
import {
  $,
  LOCK_LAPSE_GRACE_MS,
  LOCKS,
  OWNED,
  clockTime,
  liveReservation,
  logEvent,
  seatNumber,
  setSeatMessage,
  state,
} from './state.js';

/**
 * The seat map shows only while the fan may pick: the concert has no room, or the fan is admitted.
 * Closing it lets go of the pick (it could not be held, and other fans may want the seat).
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
    void releaseSelection();
  }
}

export async function loadSeatMap() {
  if (!state.optionId) return;
  const optionId = state.optionId;
  const askedAt = Date.now();
  const seats = await api('GET', `/api/concerts/options/${optionId}/seat-map`);
  if (optionId !== state.optionId) return;
  state.seats = new Map(seats.map((s) => [s.id, s]));
  state.seatsOptionId = optionId;
  // A map read after the lock was taken that no longer shows it SELECTING: the lock ended (polling mode).
  const sel = state.selection;
  const seat = sel && state.seats.get(sel.seatId);
  if (seat && askedAt > sel.acquiredAt && seat.status !== 'SELECTING') lapseSelection(seat.status);
  renderSeats();
}

/**
 * The seats that are the fan's own on the show on screen: the reservation on screen and every held or
 * paid one in "My tickets" (bought in another tab, or before this login, too).
 */
function ownSeats() {
  const shown = state.reservation;
  // The checkout's copy of its reservation is newer than the list's (an answer or a push just came).
  const listed = state.tickets.list.filter((r) => !shown || r.id !== shown.id);
  const own = new Set();
  for (const r of shown ? [...listed, shown] : listed) {
    if (r.optionId === state.seatsOptionId && OWNED.includes(r.status)) own.add(r.seatId);
  }
  return own;
}

export function renderSeats() {
  const grid = $('seats');
  const own = ownSeats();
  const picked = state.selection ? state.selection.seatId : null;
  const access = saleAccess();
  renderSaleNote();
  grid.replaceChildren(
    ...[...state.seats.values()].map((seat) => {
      const mine = own.has(seat.id) && seat.status !== 'AVAILABLE';
      const locked = !access.ok && seat.status === 'AVAILABLE';
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `seat ${seat.status}${mine ? ' mine' : ''}${seat.id === picked ? ' selected' : ''}${locked ? ' locked' : ''}`;
      b.textContent = seat.seatNumber;
      b.dataset.testid = `seat-${seat.seatNumber}`;
      b.dataset.status = seat.status;
      b.dataset.seatId = String(seat.id);
      if (mine) {
        b.dataset.mine = 'true';
        b.title = seat.status === 'RESERVED' ? 'Yours: your ticket' : 'Yours: your hold';
      }
      if (seat.id === picked) b.dataset.selection = 'mine';
      else if (seat.status === 'SELECTING') b.title = 'Another fan is selecting this seat';
      else if (locked) b.title = access.text;
      // Your own pick stays clickable (clicking it again refreshes the lock); anyone else's is not.
      b.disabled =
        Boolean(liveReservation()) || locked || !(seat.status === 'AVAILABLE' || seat.id === picked);
      return b;
    }),
  );
  renderFreeCount();
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
  const sel = state.selection;
  if (sel && sel.seatId === event.seatId) {
    // Older than our lock (e.g. our own earlier release, overtaken by the lock's HTTP answer): stale.
    if (Date.parse(event.occurredAt) < sel.since) return;
    if (event.status !== 'SELECTING') lapseSelection(event.status);
  }
  const seat = state.seats.get(event.seatId);
  if (seat) {
    seat.status = event.status;
    renderSeats();
  }
}

/** A click on a seat: lock it for this fan, then let go of the seat picked before. */
export async function selectSeat(seatId) {
  const seq = ++state.selectSeq;
  setSeatMessage('');
  let lock;
  try {
    lock = await api('POST', `${LOCKS}/${seatId}`);
  } catch (err) {
    if (seq === state.selectSeq) await refuseSelection(seatId, err);
    return;
  }
  if (seq !== state.selectSeq) {
    // A later click won (or the session ended): this lock is nobody's choice any more.
    if (!state.selection || state.selection.seatId !== seatId) void releaseLock(seatId);
    return;
  }
  const previous = state.selection;
  const expiresAt = Date.parse(lock.expiresAt);
  state.selection = {
    seatId,
    optionId: lock.optionId,
    expiresAt,
    // The server's clock when it took the lock (a refresh capped by SEAT_LOCK_MAX_SECONDS: earlier).
    since: expiresAt - lock.ttlSeconds * 1000,
    acquiredAt: Date.now(),
  };
  const seat = state.seats.get(seatId);
  if (seat) seat.status = 'SELECTING';
  if (previous && previous.seatId !== seatId) void releaseLock(previous.seatId);
  logEvent('lock', `seat ${seatNumber(seatId)} selected until ${clockTime(expiresAt)}`);
  renderSelection();
  renderSeats();
}

async function refuseSelection(seatId, err) {
  const n = seatNumber(seatId);
  if (err.errorCode === 'SEAT_BEING_SELECTED') {
    setSeatMessage(`Seat ${n} is being selected by another fan — pick another seat.`, true);
  } else if (err.errorCode === 'SEAT_NOT_AVAILABLE') {
    setSeatMessage(`Seat ${n} was just taken — pick another seat.`, true);
  } else if (err.errorCode === 'SEAT_LOCK_EXPIRED') {
    if (state.selection && state.selection.seatId === seatId) state.selection = null;
    setSeatMessage(`Your time to choose seat ${n} is over — hold a seat or pick another one.`, true);
  } else if (err.errorCode === 'ADMISSION_REQUIRED') {
    backToQueue();
  } else if (SALE_REFUSALS[err.errorCode]) {
    setSeatMessage(`Seat ${n} cannot be picked: ${saleRefusal(err)}`, true);
    // What the page knew about the sale or the fan's tier is out of date: read both again.
    void refreshSaleAccess();
  } else {
    setSeatMessage(`Could not select seat ${n}: ${err.errorCode || 'ERROR'} ${err.message}`, true);
  }
  renderSelection();
  await loadSeatMap();
}

async function refreshSaleAccess() {
  const concertId = state.concertId;
  try {
    await loadTier();
    const [options, policy] = await Promise.all([
      api('GET', `/api/concerts/${concertId}/options`),
      loadPolicy(concertId),
    ]);
    if (concertId !== state.concertId) return;
    state.options = new Map(options.map((o) => [o.id, o]));
    state.policy = policy;
    renderSeats();
  } catch (err) {
    logEvent('sale', `could not read the sale again: ${err.errorCode || err.message}`);
  }
}

/** Our lock ended without us (expired, or the seat changed under it): say so once. */
function lapseSelection(status) {
  const sel = state.selection;
  if (!sel) return;
  state.selection = null;
  renderSelection();
  renderSeats();
  if (status === 'AVAILABLE' || status === undefined) {
    setSeatMessage(
      `Your selection of seat ${seatNumber(sel.seatId)} ran out — click a seat to pick again.`,
      true,
    );
  }
}

async function releaseLock(seatId) {
  try {
    await api('DELETE', `${LOCKS}/${seatId}`);
  } catch (err) {
    logEvent('lock', `release of seat ${seatNumber(seatId)} failed: ${err.errorCode || err.message}`);
  }
}

export async function releaseSelection() {
  const sel = state.selection;
  if (!sel) return;
  state.selection = null;
  state.selectSeq += 1;
  renderSelection();
  renderSeats();
  await releaseLock(sel.seatId);
}

/**
 * Leaving the page lets go of the lock at once, not after its TTL. keepalive lets the request outlive
 * the page; the selection is dropped so a page restored from the back/forward cache does not claim it.
 */
export function releaseOnLeave() {
  const sel = state.selection;
  if (!sel || !accessToken()) return;
  state.selection = null;
  fetch(`${LOCKS}/${sel.seatId}`, {
    method: 'DELETE',
    keepalive: true,
    headers: { Authorization: `Bearer ${accessToken()}` },
  }).catch(() => undefined);
}

export function onPageShow(event) {
  if (!event.persisted || !accessToken()) return;
  renderSelection();
  void loadSeatMap();
}

export function renderSelection() {
  const sel = state.selection;
  $('selection').hidden = !sel;
  if (!sel) return;
  $('selection').dataset.seatId = String(sel.seatId);
  $('hold').disabled = Boolean(liveReservation());
  tickSelection();
}

/** "Seat A-5 is selected by you until 12:00:30 (28 s)", and the lapse if no push tells it first. */
export function tickSelection() {
  const sel = state.selection;
  if (!sel) return;
  const left = Math.max(0, Math.ceil((sel.expiresAt - Date.now()) / 1000));
  if (Date.now() > sel.expiresAt + LOCK_LAPSE_GRACE_MS) {
    lapseSelection(undefined);
    return;
  }
  $('selection-text').textContent =
    `Seat ${seatNumber(sel.seatId)} is selected by you until ${clockTime(sel.expiresAt)} (${left} s) — ` +
    'hold it to check out, or click it again for more time.';
  $('selection-text').dataset.secondsLeft = String(left);
}
