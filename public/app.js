// Demo checkout page: log in, pick a seat from the live seat map, hold it, pay, and watch the outcome
// arrive by push (socket.io /realtime). When the socket cannot connect (or drops), the page polls
// GET /api/reservations/v7/{id} and the seat map every 2 s instead: the server's answer is the truth.
// Clicking a seat takes a soft lock on it (SELECTING for everyone else) until the fan holds it, picks
// another seat or leaves the page. The access token lives in memory only; an expired one is refreshed
// once, silently, with the refresh token, which the tab also keeps so that a reload restores the session.
// A concert whose waiting room is on shows the fan's place in its queue instead of the seat map until the
// server admits them (queue.js). "My tickets" lists the fan's reservations, with refund and cancel.
// Plain browser JavaScript, no build step; the CSP allows only same-origin files.
'use strict';

(() => {
  const POLL_MS = 2000;
  /** How long the socket may take to connect before the page falls back to polling. */
  const CONNECT_GRACE_MS = 3000;
  /** A lock's AVAILABLE push arrives within 1 s of its end; after this much more, the page stops waiting for it. */
  const LOCK_LAPSE_GRACE_MS = 1500;
  const LIVE = ['HOLD', 'PAYING'];
  const LOCKS = '/api/reservations/v7/locks/seats';
  /** Hold refusals that mean the seat is not ours to hold any more (other refusals keep the lock). */
  const SEAT_GONE = ['SEAT_BEING_SELECTED', 'SEAT_NOT_AVAILABLE', 'SEAT_LOCK_EXPIRED'];
  /** Where the tab keeps its refresh token (see rememberRefreshToken). */
  const REFRESH_TOKEN_KEY = 'checkout-demo.refreshToken';
  /** What "My tickets" lists: an EXPIRED hold never was a ticket, and there may be many of them. */
  const TICKET_STATUSES = ['HOLD', 'PAYING', 'CONFIRMED', 'REFUNDED', 'CANCELLED'];
  const TICKETS_LIMIT = 20;
  /** The reservation statuses whose seat is the fan's: shown as "yours" on the map. */
  const OWNED = [...LIVE, 'CONFIRMED'];
  /** Fan tiers, lowest first (a presale admits its minimum tier and above). */
  const TIERS = ['BASIC', 'SILVER', 'GOLD', 'VIP'];

  const state = {
    token: null,
    refreshToken: null,
    /** The in-flight POST /api/auth/token/refresh, shared by every call that got a 401 meanwhile. */
    refreshing: null,
    /** Bumped when a session ends: an answer for an earlier session is dropped. */
    sessionSeq: 0,
    user: null,
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

  const $ = (id) => document.getElementById(id);

  /** The waiting room (queue.js): it calls the API through `api` (token refresh) and follows the socket. */
  const queue = window.WaitingRoom.create({
    api,
    socket: () => state.socket,
    pushLive: () => state.mode === 'socket',
    onGate: setSeatsOpen,
    logEvent,
    clockTime,
  });

  // ---- HTTP ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.errorCode = body && body.errorCode;
    }
  }

  async function send(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { res, json: text ? JSON.parse(text) : null };
  }

  /**
   * One API call with the session's token. A 401 UNAUTHENTICATED means the access token expired (or was
   * revoked): the call refreshes the session once and is retried once with the new token.
   */
  async function api(method, path, body) {
    const token = state.token;
    let { res, json } = await send(method, path, body, token);
    if (res.status === 401 && token && json && json.errorCode === 'UNAUTHENTICATED') {
      await refreshSession(token);
      ({ res, json } = await send(method, path, body, state.token));
    }
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }

  // ---- session ------------------------------------------------------------------------------------

  /**
   * Gets a new token pair, at most one request at a time: the refresh token is spent by its first use,
   * and spending it again would revoke the whole session. `staleToken` is the access token the caller
   * was refused with; if the page already moved on from it, the caller just retries.
   */
  function refreshSession(staleToken) {
    if (state.token && state.token !== staleToken) return Promise.resolve();
    if (!state.refreshing) {
      state.refreshing = requestNewTokens().finally(() => {
        state.refreshing = null;
      });
    }
    return state.refreshing;
  }

  async function requestNewTokens() {
    // Logged out while this call was in flight: there is no session to refresh.
    if (!state.refreshToken)
      throw new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Not logged in' });
    const session = state.sessionSeq;
    const { res, json } = await send('POST', '/api/auth/token/refresh', {
      refreshToken: state.refreshToken,
    });
    // Logged out meanwhile: the new pair must not bring the session (or the tab's copy of it) back.
    if (session !== state.sessionSeq)
      throw new ApiError(401, { errorCode: 'UNAUTHENTICATED', message: 'Logged out' });
    if (!res.ok) {
      // Only a refused refresh token ends the session; a busy or failing server (429, 5xx) does not.
      if (res.status === 401 || res.status === 400) {
        endSession(`Your session ended (${(json && json.errorCode) || res.status}) — please log in again.`, {
          bad: true,
        });
      }
      throw new ApiError(res.status, json);
    }
    startSession(json);
    logEvent('session', 'access token refreshed');
    // The socket was authenticated with the old token: its user room must follow the new one.
    if (state.socket) connectSocket();
  }

  function startSession(session) {
    state.token = session.accessToken;
    state.refreshToken = session.refreshToken;
    state.user = session.user;
    // Every new pair spends the previous refresh token: the tab keeps the new one.
    rememberRefreshToken(session.refreshToken);
  }

  /**
   * The tab keeps the refresh token (never the access token) in sessionStorage, so that a reload does not
   * log the fan out. sessionStorage belongs to this tab only and is gone when the tab closes: another
   * tab, or this one reopened, starts at the login form. The token is spent by its first use, so a copy
   * read from the storage is worth at most one refresh, and spending it twice (a copy, or a tab
   * duplicated with its storage) revokes the whole session on the server: both go back to the login.
   */
  function rememberRefreshToken(token) {
    try {
      if (token) sessionStorage.setItem(REFRESH_TOKEN_KEY, token);
      else sessionStorage.removeItem(REFRESH_TOKEN_KEY);
    } catch {
      // Storage disabled (privacy settings): the session lasts as long as the page, as it did before.
    }
  }

  function storedRefreshToken() {
    try {
      return sessionStorage.getItem(REFRESH_TOKEN_KEY);
    } catch {
      return null;
    }
  }

  /**
   * On load: a refresh token the tab kept (this is a reload) is traded for a new pair and the fan is back
   * in the shop without seeing the login form. A refused token (spent, revoked, expired) is forgotten and
   * the form shows; a server that cannot answer now leaves it for the next reload.
   */
  async function restoreSession() {
    const refreshToken = storedRefreshToken();
    if (!refreshToken) return;
    $('login-panel').hidden = true;
    $('restoring').hidden = false;
    const { res, json } = await send('POST', '/api/auth/token/refresh', { refreshToken }).catch((err) => ({
      res: { ok: false, status: 0 },
      json: { message: err.message },
    }));
    $('restoring').hidden = true;
    if (res.ok) {
      logEvent('session', 'restored after a reload');
      await openShop(json);
      await resumeCheckout();
    } else if (res.status === 401 || res.status === 400) {
      endSession('Your session has ended — please log in again.');
    } else {
      const why = (json && json.errorCode) || res.status || 'network';
      endSession(`Your session could not be restored (${why}) — please log in.`, {
        bad: true,
        keepStoredToken: true,
      });
    }
  }

  /**
   * Back to the login form: the tokens are forgotten and nothing keeps polling or listening. The tab's
   * copy of the refresh token goes too (a reload must not bring an ended session back), unless
   * `keepStoredToken`: the server could not be asked, and the next reload may still restore the session.
   */
  function endSession(reason, { bad = false, keepStoredToken = false } = {}) {
    closeSocket();
    queue.reset();
    state.sessionSeq += 1;
    state.token = null;
    state.refreshToken = null;
    if (!keepStoredToken) rememberRefreshToken(null);
    state.user = null;
    state.tier = null;
    state.selection = null;
    state.selectSeq += 1;
    state.reservation = null;
    state.warning = null;
    state.tickets.list = [];
    state.tickets.read = false;
    state.tickets.loadFailed = false;
    setMode('offline', reason || 'logged out');
    $('shop').hidden = true;
    $('checkout').hidden = true;
    $('tickets').hidden = true;
    $('restoring').hidden = true;
    setTicketsMessage('');
    renderTickets();
    $('login-panel').hidden = false;
    $('login-error').textContent = reason || '';
    $('login-error').classList.toggle('error', Boolean(bad));
    $('login-error').hidden = !reason;
  }

  // ---- log in and catalog -------------------------------------------------------------------------

  /**
   * The form's own submit (method="post", for a page without script) never happens: the credentials go
   * as JSON by fetch, and never into the URL or the browser's history.
   */
  async function login(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    $('login-error').hidden = true;
    // Sent without a token: a 401 here is bad credentials, not a session to refresh.
    const { res, json } = await send('POST', '/api/auth/login', {
      username: String(form.get('username')),
      password: String(form.get('password')),
    }).catch((err) => ({ res: { ok: false }, json: { message: err.message } }));
    if (!res.ok) {
      $('login-error').textContent = `Login failed: ${new ApiError(res.status, json).message}`;
      $('login-error').classList.add('error');
      $('login-error').hidden = false;
      return;
    }
    await openShop(json);
  }

  /** A new session (from the login, or restored on load): the shop, the fan's tickets, live updates. */
  async function openShop(session) {
    startSession(session);
    $('who').textContent = `${state.user.username} (#${state.user.id})`;
    $('login-panel').hidden = true;
    $('shop').hidden = false;
    $('tickets').hidden = false;
    setSeatMessage('');
    renderSelection();
    void reloadTickets();
    await loadTier();
    await loadPaymentMethods();
    connectSocket();
    await loadConcerts();
  }

  /**
   * After a reload the checkout of a hold still running (the newest one) comes back, so the fan can pay
   * for it or let it go; without it only "My tickets" would know about it. Only after a reload: a fresh
   * login starts at the seat map, whatever another tab or device is buying.
   */
  async function resumeCheckout() {
    const session = state.sessionSeq;
    await reloadTickets();
    const listed = state.tickets.list.find((r) => LIVE.includes(r.status));
    if (!listed || state.reservation) return;
    // Its own GET, not the list's copy: it expires an overdue hold, and its answer is the newest.
    let r;
    try {
      r = await api('GET', `/api/reservations/v7/${listed.id}`);
    } catch (err) {
      logEvent('session', `could not resume reservation #${listed.id}: ${err.errorCode || err.message}`);
      return;
    }
    if (session === state.sessionSeq && !state.reservation && LIVE.includes(r.status))
      showReservation(r, 'response');
  }

  async function logout() {
    await releaseSelection();
    await queue.leaveOnLogout();
    try {
      await api('POST', '/api/auth/logout');
    } catch (err) {
      logEvent('session', `logout: ${err.errorCode || err.message}`);
    }
    endSession('Logged out.');
  }

  async function loadTier() {
    const me = await api('GET', '/api/auth/me');
    state.tier = me.tier || 'BASIC';
  }

  async function loadPaymentMethods() {
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

  async function loadConcerts() {
    const concerts = await api('GET', '/api/concerts');
    state.concerts = new Map(concerts.map((c) => [c.id, c]));
    renderTickets();
    const select = $('concert');
    select.replaceChildren(
      ...concerts.map((c) => new Option(`${c.title} — ${c.artistName || ''}`, String(c.id))),
    );
    if (concerts.length) await loadOptions(concerts[0].id);
  }

  async function loadOptions(concertId) {
    state.concertId = concertId;
    // Looked at alongside the shows: a gated concert's seat map stays hidden until the fan is admitted.
    const entering = queue.enter(concertId);
    const [options, policy] = await Promise.all([
      api('GET', `/api/concerts/${concertId}/options`),
      loadPolicy(concertId),
    ]);
    state.options = new Map(options.map((o) => [o.id, o]));
    state.policy = policy;
    const select = $('option');
    select.replaceChildren(...options.map((o) => new Option(optionLabel(o), String(o.id))));
    if (options.length) await selectOption(options[0].id);
    await entering;
  }

  /**
   * The concert's sales policy. Only a concert with one has a `saleOpensAt` in the catalog, so a concert
   * without one is not asked (its GET would answer 404, which the browser logs as an error).
   */
  async function loadPolicy(concertId) {
    const concert = state.concerts.get(concertId);
    if (!concert || !concert.saleOpensAt) return null;
    try {
      return await api('GET', `/api/concerts/${concertId}/sales-policy`);
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Whether the fan may pick seats of the show on screen now, as far as the page knows (the show's
   * saleStatus and the fan's tier): `{ok}` or `{ok: false, text}` saying why not and until when. The
   * server decides at each lock and hold; this only keeps the seats from looking free when they are not.
   */
  function saleAccess() {
    const o = state.options.get(state.optionId);
    const p = state.policy;
    if (!o || !o.saleStatus || o.saleStatus === 'ON_SALE' || o.saleStatus === 'SOLD_OUT') return { ok: true };
    if (o.saleStatus === 'ENDED') return { ok: false, text: 'This show has started: its sale has ended.' };
    if (o.saleStatus === 'PRESALE' && p) {
      const tier = p.presaleMinimumTier || 'BASIC';
      const general = `general sale from ${dateTime(p.generalSaleStartAt)}`;
      if (TIERS.indexOf(state.tier) >= TIERS.indexOf(tier))
        return { ok: true, text: `Presale for ${tier} fans and above: you may buy now (${general}).` };
      return {
        ok: false,
        text: `Presale: only ${tier} fans and above may buy until ${dateTime(p.presaleEndAt)}; your tier is ${state.tier}. General sale from ${dateTime(p.generalSaleStartAt)}.`,
      };
    }
    return { ok: false, text: `Not on sale yet: it opens ${dateTime(nextOpening(p) || o.saleOpensAt)}.` };
  }

  /** The next time the sale opens to someone: the presale start if still ahead, else the general sale. */
  function nextOpening(p) {
    if (!p) return null;
    return p.presaleStartAt && Date.parse(p.presaleStartAt) > Date.now()
      ? p.presaleStartAt
      : p.generalSaleStartAt;
  }

  const dateTime = (iso) => (iso ? new Date(iso).toLocaleString() : '?');

  function renderSaleNote() {
    const access = saleAccess();
    $('sale-note').textContent = access.text || '';
    $('sale-note').hidden = !access.text;
    $('sale-note').dataset.open = String(access.ok);
  }

  /** "24/12/2026, 19:00:00 · 100,000 KRW · 48 free", with the counts given, else the list's own. */
  function optionLabel(o, counts) {
    const free = counts
      ? `${counts.free} free${counts.picking ? ` · ${counts.picking} being picked` : ''}`
      : `${o.availableSeatCount} free`;
    return `${new Date(o.concertDate).toLocaleString()} · ${o.ticketPriceAmount.toLocaleString()} KRW · ${free}`;
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

  async function selectOption(optionId) {
    if (state.socket && state.socket.connected && state.optionId) {
      state.socket.emit('seats.unsubscribe', { optionId: state.optionId });
    }
    // A seat picked on another show would stay SELECTING for everyone while this fan looks elsewhere.
    if (state.selection && state.selection.optionId !== optionId) void releaseSelection();
    state.optionId = optionId;
    subscribeSeats();
    await loadSeatMap();
  }

  // ---- seat map -----------------------------------------------------------------------------------

  /**
   * The seat map shows only while the fan may pick: the concert has no room, or the fan is admitted.
   * Closing it lets go of the pick (it could not be held, and other fans may want the seat).
   */
  function setSeatsOpen(open) {
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

  async function loadSeatMap() {
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

  function renderSeats() {
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

  function onSeatStatus(event) {
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

  // ---- seat selection (soft lock) -----------------------------------------------------------------

  /** A click on a seat: lock it for this fan, then let go of the seat picked before. */
  async function selectSeat(seatId) {
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

  /** The sale's refusals of a lock or hold, in the fan's words (the server's message follows). */
  const SALE_REFUSALS = {
    PRESALE_TIER_REQUIRED: () => {
      const p = state.policy;
      const tier = (p && p.presaleMinimumTier) || 'a higher';
      return `this show is in its presale, open to ${tier} fans and above only${p ? ` until ${dateTime(p.presaleEndAt)}` : ''}.`;
    },
    SALE_NOT_OPEN: () => {
      const when = nextOpening(state.policy);
      return `the sale is not open yet${when ? `: it opens ${dateTime(when)}` : ''}.`;
    },
    SALE_ENDED: () => 'this show has started, its sale has ended.',
  };

  const saleRefusal = (err) => SALE_REFUSALS[err.errorCode]();

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

  async function releaseSelection() {
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
  function releaseOnLeave() {
    const sel = state.selection;
    if (!sel || !state.token) return;
    state.selection = null;
    fetch(`${LOCKS}/${sel.seatId}`, {
      method: 'DELETE',
      keepalive: true,
      headers: { Authorization: `Bearer ${state.token}` },
    }).catch(() => undefined);
  }

  function onPageShow(event) {
    if (!event.persisted || !state.token) return;
    renderSelection();
    void loadSeatMap();
  }

  function renderSelection() {
    const sel = state.selection;
    $('selection').hidden = !sel;
    if (!sel) return;
    $('selection').dataset.seatId = String(sel.seatId);
    $('hold').disabled = Boolean(liveReservation());
    tickSelection();
  }

  /** "Seat A-5 is selected by you until 12:00:30 (28 s)", and the lapse if no push tells it first. */
  function tickSelection() {
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

  /**
   * The server refused a lock or hold with ADMISSION_REQUIRED: the fan's admission ended (or the room was
   * turned on) before the page heard of it. The queue view comes back and the fan is in line again.
   */
  function backToQueue() {
    setSeatMessage('Your admission to this concert has ended — you are back in the queue.', true);
    void queue.readmit(state.concertId);
  }

  // ---- the reservation ----------------------------------------------------------------------------

  const liveReservation = () => state.reservation && LIVE.includes(state.reservation.status);

  /** Holds the selected seat; the hold consumes the fan's lock on the server. */
  async function hold() {
    const sel = state.selection;
    if (!sel) return;
    setSeatMessage('');
    $('hold').disabled = true;
    try {
      const r = await api('POST', '/api/reservations/v7/holds', { seatId: sel.seatId });
      if (state.selection === sel) state.selection = null;
      showReservation(r, 'response');
    } catch (err) {
      if (err.errorCode === 'ADMISSION_REQUIRED') backToQueue();
      else if (SALE_REFUSALS[err.errorCode]) setSeatMessage(`Hold refused: ${saleRefusal(err)}`, true);
      else setSeatMessage(`Hold refused: ${err.errorCode || ''} ${err.message}`, true);
      if (SEAT_GONE.includes(err.errorCode) && state.selection === sel) state.selection = null;
      await loadSeatMap();
    } finally {
      renderSelection();
    }
  }

  async function pay() {
    const r = state.reservation;
    if (!r) return;
    $('pay').disabled = true;
    setMessage('Paying…');
    try {
      if (r.status === 'HOLD')
        showReservation(await api('POST', `/api/reservations/v7/${r.id}/paying`), 'response');
      const body = {};
      if ($('method').value) body.paymentMethod = $('method').value;
      if (state.payments.provider === 'mock') body.mockOutcome = $('mock-outcome').value;
      showReservation(await api('POST', `/api/reservations/v7/${r.id}/confirm`, body), 'response');
    } catch (err) {
      setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
      await refreshReservation('response');
    }
  }

  async function cancel() {
    const r = state.reservation;
    if (!r) return;
    try {
      showReservation(await api('POST', `/api/reservations/v7/${r.id}/cancel`), 'response');
    } catch (err) {
      setMessage(`${err.errorCode || 'ERROR'}: ${err.message}`, true);
      await refreshReservation('response');
    }
  }

  async function refreshReservation(source) {
    if (!state.reservation) return;
    try {
      showReservation(await api('GET', `/api/reservations/v7/${state.reservation.id}`), source);
    } catch (err) {
      setMessage(`Could not load the reservation: ${err.message}`, true);
    }
  }

  function onReservationStatus(event) {
    logEvent('RESERVATION_STATUS', `#${event.reservationId} ${event.status} payment=${event.paymentStatus}`);
    // Any of the fan's reservations, also one changed in another tab or by the server (an expiry).
    noteTicketStatus(event.reservationId, event.status);
    const r = state.reservation;
    if (!r || r.id !== event.reservationId) return;
    // The push carries the status; only a new payment outcome needs a GET for its details (action, reason).
    showReservation(
      { ...r, status: event.status, paymentStatus: event.paymentStatus, holdExpiresAt: event.holdExpiresAt },
      'push',
    );
    if (event.paymentStatus !== r.paymentStatus) void refreshReservation('push');
  }

  /** Renders the reservation as the server last described it (`source`: response, push or poll). */
  function showReservation(r, source) {
    const previous = state.reservation;
    // Events can overtake a slower HTTP answer; a live status never replaces a final one.
    if (previous && previous.id === r.id && !LIVE.includes(previous.status) && LIVE.includes(r.status))
      return;
    state.reservation = r;
    noteTicketStatus(r.id, r.status);
    $('checkout').hidden = false;
    $('reservation-id').textContent = `#${r.id}`;
    $('reservation-seat').textContent = r.seatNumber;
    $('amount').textContent = `${Number(r.amount).toLocaleString()} KRW`;
    const status = $('reservation-status');
    status.textContent = r.status;
    status.dataset.status = r.status;
    const payment = $('payment-status');
    payment.textContent = r.paymentStatus ? `payment ${r.paymentStatus}` : '';
    payment.className = r.paymentStatus ? 'status' : '';
    payment.dataset.status = r.paymentStatus || '';
    $('last-update').textContent = `via ${source} at ${new Date().toLocaleTimeString()}`;
    $('last-update').dataset.source = source;

    const live = LIVE.includes(r.status);
    const pending = r.paymentStatus === 'PENDING';
    $('pay-controls').hidden = !live;
    $('pay').disabled = !live || pending;
    $('pay').textContent = r.paymentStatus === 'FAILED' ? 'Retry payment' : 'Pay';
    $('again').hidden = live;
    $('webhook-hint').hidden = !(live && pending);
    $('redirect-link').hidden = !(live && r.paymentAction === 'REDIRECT' && r.paymentRedirectUrl);
    if (r.paymentRedirectUrl) $('redirect-link').href = r.paymentRedirectUrl;

    if (r.status === 'CONFIRMED') setMessage('CONFIRMED — your ticket is booked.');
    else if (r.status === 'EXPIRED')
      setMessage('EXPIRED — the hold ran out and the seat is free again.', true);
    else if (r.status === 'CANCELLED') setMessage('CANCELLED — the seat is free again.');
    else if (r.status === 'REFUNDED') setMessage('REFUNDED.');
    else if (r.paymentStatus === 'FAILED') {
      setMessage(
        `Payment FAILED: ${r.paymentFailureReason || 'declined'} — retry before the hold runs out.`,
        true,
      );
    } else if (pending) {
      setMessage(
        r.paymentAction === 'REDIRECT'
          ? 'Payment PENDING: finish it at the PG, then the webhook confirms it.'
          : 'Payment PENDING: waiting for the PG webhook…',
      );
      $('webhook-hint').textContent =
        'Play the PG from a shell (same PG_READY_WEBHOOK_SECRET as the server):\n' +
        'PG_READY_WEBHOOK_SECRET=<secret> npm run pg:webhook -- \\\n' +
        `  --reservation ${r.id} --status APPROVED --amount ${r.amount} --url ${location.origin}`;
    } else if (r.status === 'HOLD') setMessage('Seat held. Pay before the countdown ends.');
    tick();
    renderSelection();
    renderSeats();
    schedulePolling();
  }

  function tick() {
    tickSelection();
    tickWarning();
    queue.tick();
    const r = state.reservation;
    const el = $('countdown');
    if (!r || !LIVE.includes(r.status) || !r.holdExpiresAt) {
      el.textContent = '';
      return;
    }
    const left = Math.max(0, Math.ceil((Date.parse(r.holdExpiresAt) - Date.now()) / 1000));
    el.dataset.secondsLeft = String(left);
    el.textContent =
      left > 0
        ? `Hold expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`
        : 'Hold time is up — waiting for the server to expire it…';
  }

  function onHoldExpiring(event) {
    logEvent('HOLD_EXPIRING', `#${event.reservationId} ${event.secondsLeft} s left`);
    const r = state.reservation;
    if (!r || r.id !== event.reservationId || !LIVE.includes(r.status)) return;
    // Counted from the push's own secondsLeft, so a browser clock that is off does not move the warning.
    state.warning = { reservationId: r.id, deadline: Date.now() + event.secondsLeft * 1000 };
    tickWarning();
  }

  /** The warning shows only while its reservation is the current one and still HOLD/PAYING. */
  function tickWarning() {
    const w = state.warning;
    const r = state.reservation;
    const el = $('expiry-warning');
    if (!w || !r || r.id !== w.reservationId || !LIVE.includes(r.status)) {
      el.hidden = true;
      return;
    }
    const left = Math.max(0, Math.ceil((w.deadline - Date.now()) / 1000));
    el.dataset.secondsLeft = String(left);
    el.textContent =
      left > 0 ? `Your hold expires in ${left} s — pay now to keep the seat.` : 'Your hold is expiring now.';
    el.hidden = false;
  }

  function again() {
    state.reservation = null;
    state.warning = null;
    $('checkout').hidden = true;
    setMessage('');
    renderSelection();
    schedulePolling();
    void loadSeatMap();
  }

  // ---- my tickets --------------------------------------------------------------------------------

  /** Reads "My tickets" again, one read at a time: any number of asks meanwhile make one more read. */
  function reloadTickets() {
    const t = state.tickets;
    if (t.loading) {
      t.again = true;
      return t.loading;
    }
    t.loading = loadTickets().finally(() => {
      t.loading = null;
      if (t.again) {
        t.again = false;
        void reloadTickets();
      }
    });
    return t.loading;
  }

  async function loadTickets() {
    if (!state.token) return;
    const t = state.tickets;
    const session = state.sessionSeq;
    const query = TICKET_STATUSES.map((s) => `status=${s}`).join('&');
    let list;
    try {
      list = await api('GET', `/api/reservations/v7/me?${query}&limit=${TICKETS_LIMIT}`);
    } catch (err) {
      if (session !== state.sessionSeq) return;
      t.loadFailed = true;
      setTicketsMessage(`Could not load your tickets: ${err.errorCode || 'ERROR'} ${err.message}`, true);
      return;
    }
    if (session !== state.sessionSeq) return;
    // A read that works again takes its failure's message away (not a refund's or cancel's answer).
    if (t.loadFailed) setTicketsMessage('');
    t.loadFailed = false;
    t.list = list;
    t.read = true;
    renderTickets();
  }

  /**
   * A reservation's status as the server just told it (push, answer or poll): the list is read again
   * only if it says otherwise, so the push and the answer about one change make one read, not two. A
   * reservation the list does not have matters only if it belongs there (a new hold; not an expiry).
   */
  function noteTicketStatus(id, status) {
    const listed = state.tickets.list.find((r) => r.id === id);
    const outdated = listed ? listed.status !== status : TICKET_STATUSES.includes(status);
    if (outdated) void reloadTickets();
  }

  /** Newest first, as the server lists them. */
  function renderTickets() {
    const list = state.tickets.list;
    $('tickets-empty').hidden = list.length > 0 || !state.tickets.read;
    $('ticket-list').replaceChildren(...list.map(ticketItem));
    // The map shows the fan's own seats from this list.
    if (state.seats.size) renderSeats();
  }

  function ticketItem(r) {
    const li = document.createElement('li');
    li.className = 'ticket';
    li.dataset.testid = `ticket-${r.id}`;
    li.dataset.status = r.status;
    const concert = state.concerts.get(r.concertId);
    const what = document.createElement('span');
    what.textContent =
      `#${r.id} · ${concert ? concert.title : `concert #${r.concertId}`} · seat ${r.seatNumber} · ` +
      `${Number(r.amount).toLocaleString()} KRW`;
    const status = document.createElement('b');
    status.className = 'status';
    status.dataset.status = r.status;
    status.dataset.testid = 'ticket-status';
    status.textContent = r.status;
    li.append(what, status);
    const note = ticketNote(r);
    if (note) {
      const small = document.createElement('small');
      small.dataset.testid = 'ticket-note';
      small.textContent = note;
      li.append(small);
    }
    const actions = ticketActions(r);
    if (actions.length) {
      const box = document.createElement('span');
      box.className = 'ticket-actions';
      for (const action of actions) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = action === 'pay' ? '' : 'secondary';
        b.textContent = { pay: 'Pay', refund: 'Refund', cancel: 'Cancel' }[action];
        b.dataset.testid = `ticket-${action}`;
        b.dataset.action = action;
        b.dataset.reservationId = String(r.id);
        b.disabled = state.tickets.busy.has(r.id);
        box.append(b);
      }
      li.append(box);
    }
    return li;
  }

  /**
   * Pay (in the checkout card) or cancel for a hold or a payment under way, wherever it was made; refund
   * for a paid ticket before its cutoff. The cutoff is read on the browser's clock, which may be off: the
   * server's clock decides (REFUND_CUTOFF_PASSED).
   */
  function ticketActions(r) {
    if (LIVE.includes(r.status)) return ['pay', 'cancel'];
    if (r.status === 'CONFIRMED' && refundOpen(r)) return ['refund'];
    return [];
  }

  /**
   * "Pay" on a ticket: its checkout comes up, read from the server (its own GET, which also expires an
   * overdue hold), with the payment method and the Pay button.
   */
  async function openCheckout(id) {
    setTicketsMessage('');
    const session = state.sessionSeq;
    let r;
    try {
      r = await api('GET', `/api/reservations/v7/${id}`);
    } catch (err) {
      setTicketsMessage(
        `Could not open reservation #${id}: ${err.errorCode || 'ERROR'} ${err.message}`,
        true,
      );
      return;
    }
    if (session !== state.sessionSeq) return;
    // A pick the fan was making lets go: a live reservation disables the map.
    await releaseSelection();
    showReservation(r, 'response');
    $('checkout').scrollIntoView({ block: 'nearest' });
    if (LIVE.includes(r.status) && !$('pay').disabled) $('pay').focus();
  }

  const refundOpen = (r) => Boolean(r.refundCutoffAt) && Date.now() < Date.parse(r.refundCutoffAt);

  function ticketNote(r) {
    if (r.status !== 'CONFIRMED' || !r.refundCutoffAt) return '';
    const cutoff = new Date(r.refundCutoffAt).toLocaleString();
    return refundOpen(r) ? `refundable until ${cutoff}` : `no refunds after ${cutoff}`;
  }

  /** The Refund or Cancel button of a ticket; the list is read again after it, whatever the answer. */
  async function runTicketAction(id, action) {
    setTicketsMessage('');
    state.tickets.busy.add(id);
    renderTickets();
    try {
      const r = await api('POST', `/api/reservations/v7/${id}/${action}`);
      setTicketsMessage(
        `Reservation #${id} ${r.status === 'REFUNDED' ? 'refunded' : r.status.toLowerCase()}.`,
      );
      if (state.reservation && state.reservation.id === id) showReservation(r, 'response');
    } catch (err) {
      const refusal = ticketRefusal(id, action, err);
      setTicketsMessage(refusal, true);
      logEvent('tickets', refusal);
    } finally {
      state.tickets.busy.delete(id);
      await reloadTickets();
    }
  }

  function ticketRefusal(id, action, err) {
    if (err.errorCode === 'REFUND_CUTOFF_PASSED')
      return `Reservation #${id} can no longer be refunded (REFUND_CUTOFF_PASSED): ${err.message}.`;
    return `Could not ${action} reservation #${id}: ${err.errorCode || 'ERROR'} ${err.message}`;
  }

  function setTicketsMessage(text, bad = false) {
    $('tickets-message').textContent = text;
    $('tickets-message').className = bad ? 'error' : '';
    $('tickets-message').hidden = !text;
  }

  // ---- push, with polling as the fallback -----------------------------------------------------------

  function connectSocket() {
    if (typeof window.io !== 'function') {
      setMode('polling', 'socket.io client unavailable');
      return;
    }
    // A socket authenticated with an older token is replaced, not reused: the new one joins the user
    // room with the current token and catches up on connect.
    closeSocket();
    const socket = window.io('/realtime', {
      auth: { token: state.token },
      forceNew: true,
      reconnectionDelayMax: 5000,
    });
    state.socket = socket;
    state.graceTimer = setTimeout(() => {
      if (!socket.connected) setMode('polling', 'socket did not connect');
    }, CONNECT_GRACE_MS);
    socket.on('connect', () => {
      clearTimeout(state.graceTimer);
      setMode('socket', 'live push');
      subscribeSeats();
      // A new socket (reconnected, or rebuilt for a refreshed token) follows no queue until told again.
      queue.resubscribe();
      // Catch up on anything missed while disconnected.
      void loadSeatMap();
      void refreshReservation('response');
      void reloadTickets();
    });
    socket.on('disconnect', () => setMode('polling', 'socket disconnected'));
    socket.on('connect_error', (err) => onConnectError(socket, err));
    socket.on('SEAT_STATUS', onSeatStatus);
    socket.on('RESERVATION_STATUS', onReservationStatus);
    socket.on('HOLD_EXPIRING', onHoldExpiring);
    socket.on('QUEUE_STATUS', queue.onPush);
    socket.on('SESSION_EXPIRED', () => onSessionExpired(socket));
  }

  /**
   * The server closes a socket when its token expires (and socket.io does not reconnect after a server
   * disconnect): refresh the token, which rebuilds the socket with the new one.
   */
  function onSessionExpired(socket) {
    logEvent('socket', 'session expired: refreshing');
    renewSocket(socket);
  }

  /** A socket whose token is no good: a newer token is simply used, else the token is refreshed first. */
  function renewSocket(socket) {
    if (socket !== state.socket) return;
    if (socket.auth.token !== state.token) connectSocket();
    else refreshSession(state.token).catch(() => undefined);
  }

  /**
   * socket.io does not retry a handshake its server refused: a refused token is refreshed (or, if the
   * page already has a newer one, simply used) and the socket is made again.
   */
  function onConnectError(socket, err) {
    logEvent('socket', `connect_error: ${err.message}`);
    if (err.message === 'UNAUTHENTICATED') renewSocket(socket);
  }

  function closeSocket() {
    const socket = state.socket;
    if (!socket) return;
    state.socket = null;
    clearTimeout(state.graceTimer);
    // Its listeners go first: its disconnect must not switch the page to polling.
    socket.off();
    socket.disconnect();
  }

  function subscribeSeats() {
    if (!state.socket || !state.socket.connected || !state.optionId) return;
    state.socket.emit('seats.subscribe', { optionId: state.optionId }, (ack) => {
      if (!ack || !ack.ok) logEvent('socket', `seats.subscribe refused: ${ack && ack.message}`);
    });
  }

  function setMode(mode, why) {
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

  /** Polls only while push is unavailable: the reservation (if any) and the seat map. */
  function schedulePolling() {
    const wanted = state.mode === 'polling' && Boolean(state.token);
    if (wanted && !state.pollTimer) {
      state.pollTimer = setInterval(() => {
        if (liveReservation()) void refreshReservation('poll');
        void loadSeatMap();
      }, POLL_MS);
    } else if (!wanted && state.pollTimer) {
      clearInterval(state.pollTimer);
      state.pollTimer = null;
    }
  }

  // ---- little helpers -------------------------------------------------------------------------------

  function setMessage(text, bad = false) {
    $('message').textContent = text;
    $('message').className = bad ? 'error' : '';
  }

  /** Messages about picking a seat, shown next to the seat map (the checkout card may be hidden). */
  function setSeatMessage(text, bad = false) {
    $('seat-message').textContent = text;
    $('seat-message').className = bad ? 'error' : '';
    $('seat-message').hidden = !text;
  }

  function seatNumber(seatId) {
    const seat = state.seats.get(seatId);
    return seat ? seat.seatNumber : `#${seatId}`;
  }

  /** HH:MM:SS in the browser's time zone. */
  function clockTime(ms) {
    const d = new Date(ms);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  }

  function logEvent(kind, text) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${kind}: ${text}`;
    $('events').prepend(li);
    while ($('events').children.length > 50) $('events').lastChild.remove();
  }

  // ---- wiring -----------------------------------------------------------------------------------------

  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => void logout());
  $('concert').addEventListener('change', (e) => void loadOptions(Number(e.target.value)));
  $('option').addEventListener('change', (e) => void selectOption(Number(e.target.value)));
  $('seats').addEventListener('click', (e) => {
    const seat = e.target.closest('button[data-seat-id]');
    if (seat && !seat.disabled) void selectSeat(Number(seat.dataset.seatId));
  });
  $('hold').addEventListener('click', () => void hold());
  $('release').addEventListener('click', () => void releaseSelection());
  $('pay').addEventListener('click', () => void pay());
  $('cancel').addEventListener('click', () => void cancel());
  $('again').addEventListener('click', again);
  $('ticket-list').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b || b.disabled) return;
    if (b.dataset.action === 'pay') void openCheckout(Number(b.dataset.reservationId));
    else void runTicketAction(Number(b.dataset.reservationId), b.dataset.action);
  });
  window.addEventListener('pagehide', releaseOnLeave);
  window.addEventListener('pageshow', onPageShow);
  setInterval(tick, 250);
  void restoreSession();
})();
