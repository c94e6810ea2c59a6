// The fan's picks on the seat map: each click on a free seat takes a soft lock on it (SELECTING for everyone
// else) and adds it to the picks, up to MAX_PICKS; a click on a pick lets it go. The picks last until the
// fan holds them (one order), lets them go, or leaves the page.
import { accessToken, api } from '../shared/session.js';
import { krw } from '../shared/zones.js';
import { backToQueue } from './room.js';
import { loadPolicy, loadTier, SALE_REFUSALS, saleRefusal } from './sale.js';
import { loadSeatMap, renderSeats } from './seat-map.js';
import {
  $,
  LOCK_LAPSE_GRACE_MS,
  LOCKS,
  MAX_PICKS,
  clockTime,
  liveOrder,
  logEvent,
  seatList,
  seatNumber,
  setSeatMessage,
  state,
} from './state.js';

/** A click on a seat: a pick is let go, a free seat is locked and picked. */
export async function toggleSeat(seatId) {
  if (state.picking.has(seatId)) return;
  if (state.picks.has(seatId)) {
    await releasePick(seatId);
    return;
  }
  if (state.picks.size >= MAX_PICKS) {
    setSeatMessage(`At most ${MAX_PICKS} seats in one order — hold these, or let one go first.`, true);
    return;
  }
  setSeatMessage('');
  const epoch = state.pickEpoch;
  state.picking.add(seatId);
  let lock;
  try {
    lock = await api('POST', `${LOCKS}/${seatId}`);
  } catch (err) {
    state.picking.delete(seatId);
    if (epoch === state.pickEpoch) await refusePick(seatId, err);
    return;
  }
  state.picking.delete(seatId);
  if (epoch !== state.pickEpoch) {
    // The picks were dropped meanwhile (a hold, a release, the session ended): this lock is nobody's choice.
    void releaseLock(seatId);
    return;
  }
  const expiresAt = Date.parse(lock.expiresAt);
  state.picks.set(seatId, {
    seatId,
    optionId: lock.optionId,
    expiresAt,
    // The server's clock when it took the lock (a refresh capped by SEAT_LOCK_MAX_SECONDS: earlier).
    since: expiresAt - lock.ttlSeconds * 1000,
    acquiredAt: Date.now(),
  });
  const seat = state.seats.get(seatId);
  if (seat) seat.status = 'SELECTING';
  logEvent('lock', `seat ${seatNumber(seatId)} selected until ${clockTime(expiresAt)}`);
  renderPicks();
  renderSeats();
}

async function refusePick(seatId, err) {
  const n = seatNumber(seatId);
  if (err.errorCode === 'SEAT_BEING_SELECTED') {
    setSeatMessage(`Seat ${n} is being selected by another fan — pick another seat.`, true);
  } else if (err.errorCode === 'SEAT_NOT_AVAILABLE') {
    setSeatMessage(`Seat ${n} was just taken — pick another seat.`, true);
  } else if (err.errorCode === 'SEAT_LOCK_EXPIRED') {
    setSeatMessage(`Your time to choose seat ${n} is over — hold your seats or pick another one.`, true);
  } else if (err.errorCode === 'SEAT_LOCK_LIMIT_REACHED') {
    setSeatMessage(`You are picking as many seats as you may (${err.message}) — hold them first.`, true);
  } else if (err.errorCode === 'ADMISSION_REQUIRED') {
    backToQueue();
  } else if (SALE_REFUSALS[err.errorCode]) {
    setSeatMessage(`Seat ${n} cannot be picked: ${saleRefusal(err)}`, true);
    // What the page knew about the sale or the fan's tier is out of date: read both again.
    void refreshSaleAccess();
  } else {
    setSeatMessage(`Could not select seat ${n}: ${err.errorCode || 'ERROR'} ${err.message}`, true);
  }
  renderPicks();
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

/**
 * A pick's lock ended without us (it expired, or the seat changed under it): the pick goes, and a lock
 * that simply ran out says so.
 */
export function lapsePick(seatId, status) {
  if (!state.picks.delete(seatId)) return;
  renderPicks();
  renderSeats();
  if (status === 'AVAILABLE' || status === undefined) {
    setSeatMessage(
      `Your selection of seat ${seatNumber(seatId)} ran out — click a seat to pick again.`,
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

async function releasePick(seatId) {
  state.picks.delete(seatId);
  state.picking.add(seatId);
  renderPicks();
  renderSeats();
  await releaseLock(seatId);
  state.picking.delete(seatId);
}

/** Lets every pick go (the Release button, a show or concert left, a logout). */
export async function releasePicks() {
  const seatIds = [...state.picks.keys()];
  dropPicks();
  await Promise.all(seatIds.map(releaseLock));
}

/** Forgets the picks here (a hold consumed their locks, or the session ended): nothing is sent. */
export function dropPicks() {
  state.picks.clear();
  state.pickEpoch += 1;
  renderPicks();
  renderSeats();
}

/**
 * Leaving the page lets go of the locks at once, not after their TTL. keepalive lets the requests
 * outlive the page; the picks are dropped so a page restored from the back/forward cache does not claim them.
 */
export function releaseOnLeave() {
  if (!state.picks.size || !accessToken()) return;
  const seatIds = [...state.picks.keys()];
  state.picks.clear();
  state.pickEpoch += 1;
  for (const seatId of seatIds) {
    fetch(`${LOCKS}/${seatId}`, {
      method: 'DELETE',
      keepalive: true,
      headers: { Authorization: `Bearer ${accessToken()}` },
    }).catch(() => undefined);
  }
}

export function onPageShow(event) {
  if (!event.persisted || !accessToken()) return;
  renderPicks();
  void loadSeatMap();
}

/** The picks' line under the map, with the hold button ("Hold this seat", "Hold these 3 seats"). */
export function renderPicks() {
  const n = state.picks.size;
  $('selection').hidden = n === 0;
  if (!n) return;
  $('selection').dataset.seatIds = [...state.picks.keys()].join(',');
  $('hold').disabled = liveOrder();
  $('hold').textContent = n === 1 ? 'Hold this seat' : `Hold these ${n} seats`;
  $('release').textContent = n === 1 ? 'Release' : 'Release all';
  tickPicks();
}

/**
 * "Seat A-5 is selected by you until 12:00:30 (28 s)" (the pick that runs out first), and the lapse of
 * any pick whose end no push told.
 */
export function tickPicks() {
  if (!state.picks.size) return;
  for (const pick of state.picks.values()) {
    if (Date.now() > pick.expiresAt + LOCK_LAPSE_GRACE_MS) lapsePick(pick.seatId, undefined);
  }
  const picks = [...state.picks.values()];
  if (!picks.length) return;
  const first = Math.min(...picks.map((p) => p.expiresAt));
  const left = Math.max(0, Math.ceil((first - Date.now()) / 1000));
  const ids = picks.map((p) => p.seatId);
  const total = ids.reduce((sum, id) => sum + (state.seats.get(id)?.priceAmount ?? 0), 0);
  const price = total ? ` · ${krw(total)}` : '';
  const what = ids.length === 1 ? `Seat ${seatList(ids)} is` : `Seats ${seatList(ids)} are`;
  $('selection-text').textContent =
    `${what} selected by you until ${clockTime(first)} (${left} s)${price} — ` +
    `hold ${ids.length === 1 ? 'it' : 'them'} to check out, or click a pick to let it go.`;
  $('selection-text').dataset.secondsLeft = String(left);
}
