// Demo checkout page: log in, pick a seat from the live seat map, hold it, pay, and watch the outcome
// arrive by push (socket.io /realtime). When the socket cannot connect (or drops), the page polls
// GET /api/reservations/v7/{id} and the seat map every 2 s instead: the server's answer is the truth.
// Plain browser JavaScript, no build step; the CSP allows only this same-origin file.
'use strict';

(() => {
  const POLL_MS = 2000;
  /** How long the socket may take to connect before the page falls back to polling. */
  const CONNECT_GRACE_MS = 3000;
  const LIVE = ['HOLD', 'PAYING'];

  const state = {
    token: null,
    user: null,
    payments: null,
    optionId: null,
    seats: new Map(), // seatId → {id, seatNumber, status}
    reservation: null,
    socket: null,
    mode: 'offline', // 'socket' | 'polling' | 'offline'
    pollTimer: null,
    graceTimer: null,
  };

  const $ = (id) => document.getElementById(id);

  // ---- HTTP ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.errorCode = body && body.errorCode;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }

  // ---- log in and catalog -------------------------------------------------------------------------

  async function login(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    $('login-error').hidden = true;
    try {
      const session = await api('POST', '/api/auth/login', {
        username: String(form.get('username')),
        password: String(form.get('password')),
      });
      state.token = session.accessToken;
      state.user = session.user;
    } catch (err) {
      $('login-error').textContent = `Login failed: ${err.message}`;
      $('login-error').hidden = false;
      return;
    }
    $('who').textContent = `${state.user.username} (#${state.user.id})`;
    $('login-panel').hidden = true;
    $('shop').hidden = false;
    await loadPaymentMethods();
    connectSocket();
    await loadConcerts();
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
    const select = $('concert');
    select.replaceChildren(
      ...concerts.map((c) => new Option(`${c.title} — ${c.artistName || ''}`, String(c.id))),
    );
    if (concerts.length) await loadOptions(concerts[0].id);
  }

  async function loadOptions(concertId) {
    const options = await api('GET', `/api/concerts/${concertId}/options`);
    const select = $('option');
    select.replaceChildren(
      ...options.map(
        (o) =>
          new Option(
            `${new Date(o.concertDate).toLocaleString()} · ${o.ticketPriceAmount.toLocaleString()} KRW · ${o.availableSeatCount} free`,
            String(o.id),
          ),
      ),
    );
    if (options.length) await selectOption(options[0].id);
  }

  async function selectOption(optionId) {
    if (state.socket && state.socket.connected && state.optionId) {
      state.socket.emit('seats.unsubscribe', { optionId: state.optionId });
    }
    state.optionId = optionId;
    subscribeSeats();
    await loadSeatMap();
  }

  // ---- seat map -----------------------------------------------------------------------------------

  async function loadSeatMap() {
    if (!state.optionId) return;
    const optionId = state.optionId;
    const seats = await api('GET', `/api/concerts/options/${optionId}/seat-map`);
    if (optionId !== state.optionId) return;
    state.seats = new Map(seats.map((s) => [s.id, s]));
    renderSeats();
  }

  function renderSeats() {
    const grid = $('seats');
    const mine = liveReservation() ? state.reservation.seatId : null;
    grid.replaceChildren(
      ...[...state.seats.values()].map((seat) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = `seat ${seat.status}${seat.id === mine ? ' mine' : ''}`;
        b.textContent = seat.seatNumber;
        b.dataset.testid = `seat-${seat.seatNumber}`;
        b.dataset.status = seat.status;
        b.dataset.seatId = String(seat.id);
        b.disabled = seat.status !== 'AVAILABLE' || Boolean(liveReservation());
        return b;
      }),
    );
  }

  function onSeatStatus(event) {
    logEvent('SEAT_STATUS', `seat ${event.seatId} → ${event.status}`);
    if (event.optionId !== state.optionId) return;
    const seat = state.seats.get(event.seatId);
    if (seat) {
      seat.status = event.status;
      renderSeats();
    }
  }

  // ---- the reservation ----------------------------------------------------------------------------

  const liveReservation = () => state.reservation && LIVE.includes(state.reservation.status);

  async function hold(seatId) {
    setMessage('');
    try {
      showReservation(await api('POST', '/api/reservations/v7/holds', { seatId }), 'response');
    } catch (err) {
      setMessage(`Hold refused: ${err.errorCode || ''} ${err.message}`, true);
      await loadSeatMap();
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
    renderSeats();
    schedulePolling();
  }

  function tick() {
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

  function again() {
    state.reservation = null;
    $('checkout').hidden = true;
    setMessage('');
    schedulePolling();
    void loadSeatMap();
  }

  // ---- push, with polling as the fallback -----------------------------------------------------------

  function connectSocket() {
    if (typeof window.io !== 'function') {
      setMode('polling', 'socket.io client unavailable');
      return;
    }
    const socket = window.io('/realtime', { auth: { token: state.token }, reconnectionDelayMax: 5000 });
    state.socket = socket;
    state.graceTimer = setTimeout(() => {
      if (!socket.connected) setMode('polling', 'socket did not connect');
    }, CONNECT_GRACE_MS);
    socket.on('connect', () => {
      clearTimeout(state.graceTimer);
      setMode('socket', 'live push');
      subscribeSeats();
      // Catch up on anything missed while disconnected.
      void loadSeatMap();
      void refreshReservation('response');
    });
    socket.on('disconnect', () => setMode('polling', 'socket disconnected'));
    socket.on('connect_error', (err) => logEvent('socket', `connect_error: ${err.message}`));
    socket.on('SEAT_STATUS', onSeatStatus);
    socket.on('RESERVATION_STATUS', onReservationStatus);
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
    badge.textContent = mode === 'socket' ? 'live (socket.io)' : `polling every ${POLL_MS / 1000} s`;
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

  function logEvent(kind, text) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${kind}: ${text}`;
    $('events').prepend(li);
    while ($('events').children.length > 50) $('events').lastChild.remove();
  }

  // ---- wiring -----------------------------------------------------------------------------------------

  $('login-form').addEventListener('submit', login);
  $('concert').addEventListener('change', (e) => void loadOptions(Number(e.target.value)));
  $('option').addEventListener('change', (e) => void selectOption(Number(e.target.value)));
  $('seats').addEventListener('click', (e) => {
    const seat = e.target.closest('button[data-seat-id]');
    if (seat && !seat.disabled) void hold(Number(seat.dataset.seatId));
  });
  $('pay').addEventListener('click', () => void pay());
  $('cancel').addEventListener('click', () => void cancel());
  $('again').addEventListener('click', again);
  setInterval(tick, 250);
})();
