// The waiting room of the demo page (contract: "On-sale admission: waiting room"). When the concert the
// fan picks has its room on, the page joins the queue and shows the fan's place instead of the seat map
// until the server admits them (ACTIVE). The place moves by QUEUE_STATUS pushes on the page's socket, or
// by GET /api/v1/waiting-queue/status every few seconds while the socket is down. An ES module: the page
// makes its one queue in demo/room.js, on the page's session (silent token refresh) and socket.

const QUEUE = '/api/v1/waiting-queue';
/** How often the place is read while push is unavailable. */
const QUEUE_POLL_MS = 3000;

const $ = (id) => document.getElementById(id);

/**
 * deps: api(method, path, body) — the page's fetch wrapper; socket() — its current socket (or null);
 * pushLive() — whether pushes arrive; onGate(open) — show or hide the seat map; logEvent(kind, text);
 * clockTime(ms).
 */
export function createWaitingRoom(deps) {
  const q = {
    /** The gated concert on screen; null while the concert on screen has no room (or none is picked). */
    concertId: null,
    /** Its GET …/waiting-room answer (opensAt for the pre-queue). */
    room: null,
    /** The last QueueStatus the page believes. */
    status: null,
    /** The fan pressed "Leave queue": the page stays out until they join again. */
    left: false,
    /** The in-flight join, shared: a repeated join is harmless but there is no point in sending two. */
    joining: null,
    /**
     * Bumped by every push and every join: an HTTP answer that one of them overtook is older than what
     * the page already shows (or is about to), so it is dropped.
     */
    version: 0,
    /** Bumped on every concert change: only the latest concert's answers count. */
    enterSeq: 0,
    pollTimer: null,
    error: '',
  };

  /** The fan picked a concert: a gated one closes the seat map and puts the fan in its queue. */
  async function enter(concertId) {
    const seq = ++q.enterSeq;
    stopFollowing();
    render();
    let room;
    try {
      room = await deps.api('GET', `/api/concerts/${concertId}/waiting-room`);
    } catch (err) {
      // Treated as no room: if there is one, the first lock or hold says so (403) and comes back here.
      deps.logEvent('queue', `room of concert #${concertId} unknown: ${err.errorCode || err.message}`);
      room = { enabled: false };
    }
    if (seq !== q.enterSeq) return;
    if (!room.enabled) {
      render();
      deps.onGate(true);
      return;
    }
    q.concertId = concertId;
    q.room = room;
    render();
    deps.onGate(false);
    await join();
    if (seq !== q.enterSeq) return;
    subscribe();
    q.pollTimer = setInterval(poll, QUEUE_POLL_MS);
  }

  /** Forgets the concert on screen (not the fan's place: coming back to it finds the same place). */
  function stopFollowing() {
    const socket = deps.socket();
    if (q.concertId && socket && socket.connected)
      socket.emit('queue.unsubscribe', { concertId: q.concertId });
    clearInterval(q.pollTimer);
    Object.assign(q, {
      concertId: null,
      room: null,
      status: null,
      left: false,
      pollTimer: null,
      error: '',
    });
  }

  function join() {
    if (!q.joining) {
      q.joining = requestJoin().finally(() => {
        q.joining = null;
      });
    }
    return q.joining;
  }

  async function requestJoin() {
    const concertId = q.concertId;
    const version = ++q.version;
    q.left = false;
    q.error = '';
    render();
    try {
      const status = await deps.api('POST', `${QUEUE}/join`, { concertId });
      if (q.version === version) apply(status, 'join');
    } catch (err) {
      if (q.concertId !== concertId) return;
      q.error = `Could not join the queue: ${err.errorCode || 'ERROR'} ${err.message}`;
      render();
    }
  }

  /** Takes the server's word for the fan's place, from an HTTP answer or a push (`source`). */
  function apply(status, source) {
    if (!q.concertId || !status || status.concertId !== q.concertId) return;
    // After "Leave queue", only NONE is news; anything else was on its way before the leave.
    if (q.left && status.status !== 'NONE') return;
    const before = q.status;
    q.status = status;
    q.error = '';
    if (!before || before.status !== status.status || before.rank !== status.rank)
      deps.logEvent('queue', `${describe(status)} (${source})`);
    render();
    deps.onGate(status.status === 'ACTIVE');
    // The admission ended (or the place was lost) while the fan is still here: back in line, at the back.
    if (status.status === 'NONE' && !q.left) void join();
  }

  function describe(s) {
    if (s.status === 'ACTIVE') return 'admitted';
    if (s.status === 'NONE') return 'not in the queue';
    return s.rank === null ? 'in the pre-queue' : `number ${s.rank} in line, ${s.waitingCount} waiting`;
  }

  function onPush(status) {
    if (!q.concertId || !status || status.concertId !== q.concertId) return;
    q.version += 1;
    apply(status, 'push');
  }

  /** Follows the place by push; the server answers with the current status at once. */
  function subscribe() {
    const socket = deps.socket();
    if (!q.concertId || !socket || !socket.connected) return;
    socket.emit('queue.subscribe', { concertId: q.concertId }, (ack) => {
      if (!ack || !ack.ok) deps.logEvent('socket', `queue.subscribe refused: ${ack && ack.message}`);
    });
  }

  /** Only while push is unavailable, and not while a join is on its way (its answer is fresher). */
  async function poll() {
    if (!q.concertId || q.left || q.joining || deps.pushLive()) return;
    const concertId = q.concertId;
    const version = q.version;
    try {
      const status = await deps.api('GET', `${QUEUE}/status?concertId=${concertId}`);
      if (q.version === version) apply(status, 'poll');
    } catch (err) {
      deps.logEvent('queue', `status: ${err.errorCode || err.message}`);
    }
  }

  /** The "Leave queue" button: the place (or the admission, freed for the next fan at once) is given back. */
  async function leave() {
    if (!q.concertId || q.left) return;
    const concertId = q.concertId;
    q.left = true;
    q.status = null;
    render();
    deps.onGate(false);
    try {
      await deps.api('DELETE', `${QUEUE}?concertId=${concertId}`);
      deps.logEvent('queue', `left the queue of concert #${concertId}`);
    } catch (err) {
      deps.logEvent('queue', `leave: ${err.errorCode || err.message}`);
    }
  }

  /**
   * A lock or hold refused with ADMISSION_REQUIRED: the page thought the fan admitted (or the concert
   * ungated), the server does not. Back to the queue view, and in line again.
   */
  async function readmit(concertId) {
    deps.logEvent('queue', 'admission required: joining the queue again');
    if (q.concertId !== concertId) return enter(concertId);
    q.status = null;
    deps.onGate(false);
    return join();
  }

  /** Logged out: nothing is followed any more. */
  function reset() {
    q.enterSeq += 1;
    stopFollowing();
    render();
  }

  /** Leaving the session leaves the queue too, so an admission does not sit unused until it runs out. */
  async function leaveOnLogout() {
    if (q.concertId && !q.left) await leave();
  }

  // ---- view ---------------------------------------------------------------------------------------

  function render() {
    const panel = $('room');
    panel.hidden = !q.concertId;
    if (!q.concertId) return;
    const s = q.status;
    const state = q.left ? 'LEFT' : s ? s.status : 'JOINING';
    const waiting = state === 'WAITING';
    panel.dataset.status = state;
    $('queue-status').dataset.rank = waiting && s.rank !== null ? String(s.rank) : '';
    $('queue-status').textContent = headline(state, s);
    $('queue-numbers').hidden = !waiting;
    if (waiting) {
      $('queue-waiting').textContent = `${s.waitingCount} waiting`;
      $('queue-wait').textContent =
        s.rank === null
          ? `the sale opens in ${formatWait(s.estimatedWaitSeconds)}`
          : `estimated wait ${formatWait(s.estimatedWaitSeconds)}`;
      $('queue-wait').dataset.seconds = String(s.estimatedWaitSeconds ?? '');
    }
    $('queue-error').textContent = q.error;
    $('queue-error').hidden = !q.error;
    $('leave-queue').hidden = q.left;
    $('join-queue').hidden = !q.left;
    tick();
  }

  function headline(state, s) {
    if (state === 'LEFT') return 'You left the queue.';
    if (state === 'JOINING') return 'Joining the queue…';
    if (state === 'ACTIVE') return "It's your turn: pick and hold a seat.";
    if (state === 'NONE') return 'Your admission has ended — joining the queue again…';
    if (s.rank !== null) return `You are number ${s.rank} in line`;
    const opens = q.room && q.room.opensAt ? ` at ${deps.clockTime(Date.parse(q.room.opensAt))}` : '';
    return `You are in the pre-queue: places are drawn at random when the sale opens${opens}.`;
  }

  /** "Your admission lasts until 12:10:00 (9:58 left)", counted down between pushes. */
  function tick() {
    const el = $('admission');
    const s = q.status;
    if (!q.concertId || q.left || !s || s.status !== 'ACTIVE' || !s.activeExpiresAt) {
      el.hidden = true;
      return;
    }
    const until = Date.parse(s.activeExpiresAt);
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    el.dataset.secondsLeft = String(left);
    el.textContent =
      left > 0
        ? `Your admission lasts until ${deps.clockTime(until)} (${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left).`
        : 'Your admission time is up: it lasts while your hold or payment is live.';
    el.hidden = false;
  }

  $('leave-queue').addEventListener('click', () => void leave());
  $('join-queue').addEventListener('click', () => void join());

  return {
    enter,
    readmit,
    reset,
    leaveOnLogout,
    tick,
    onPush,
    /** The socket (re)connected: a new socket follows nothing until told again. */
    resubscribe: subscribe,
  };
}

/** "45 s", "2 min 05 s", "1 h 02 min". */
function formatWait(seconds) {
  if (seconds === null || seconds === undefined) return 'unknown';
  if (seconds < 60) return `${seconds} s`;
  const pad = (n) => String(n).padStart(2, '0');
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} min`;
}
