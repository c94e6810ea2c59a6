// Cancel a show: the dry-run totals first, then a reason and a confirmation that names those totals; then
// the run's progress, live (its SSE stream, with a poll as the safety net), its failed rows with the
// gateway's errors, and a retry of those rows. The run itself lives on the server: leaving the panel or
// reloading loses nothing: for a cancelled show the button reads "Show the run" and finds it again.
import { accessToken } from '../shared/session.js';
import { api, withQuery } from './api.js';
import * as catalog from './catalog.js';
import {
  $,
  busy,
  count,
  el,
  fillSelect,
  formatAmount,
  formatTime,
  replace,
  say,
  showError,
  table,
} from './ui.js';

const POLL_MS = 2000;
const state = { summary: null, run: null, stream: null, poll: null };

export function init() {
  catalog.onChange(fillShows);
  $('cx-option').addEventListener('change', () => {
    forgetSummary();
    nameAction();
  });
  $('cx-dry-run').addEventListener(
    'click',
    () => void busy($('cx-dry-run'), selectedIsCancelled() ? showEarlierRun : dryRun),
  );
  $('cx-reason').addEventListener('input', updateConfirmable);
  $('cx-confirm').addEventListener('change', updateConfirmable);
  $('cx-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('cx-submit'), cancelShow);
  });
  $('cx-retry').addEventListener('click', () => void busy($('cx-retry'), retry));
}

export function leave() {
  stopFollowing();
}

export function enter() {
  if (state.run && state.run.status === 'RUNNING') follow(state.run.id);
}

export function reset() {
  stopFollowing();
  forgetSummary();
  state.run = null;
  showRun(null);
}

function fillShows() {
  const choices = catalog
    .allOptions()
    .map((o) => [
      String(o.id),
      `${catalog.concertName(o.concertId)} — ${catalog.optionName(o.id)} · ${o.saleStatus}`,
    ]);
  fillSelect($('cx-option'), [['', 'Choose a show'], ...choices]);
  nameAction();
}

const selectedIsCancelled = () =>
  catalog.allOptions().find((o) => o.id === Number($('cx-option').value))?.saleStatus === 'CANCELLED';

/** A show cancelled before has nothing left to cancel: the button shows its run instead. */
function nameAction() {
  $('cx-dry-run').textContent = selectedIsCancelled() ? 'Show the run' : 'Cancel this show…';
}

/**
 * The run of a show cancelled before (by this admin or another, in this page or an earlier one): asked as
 * the contract answers a second cancellation, 200 with the show's one run and nothing changed.
 */
async function showEarlierRun() {
  forgetSummary();
  const optionId = Number($('cx-option').value);
  try {
    const run = await api('POST', `/api/admin/concerts/options/${optionId}/cancellation`, {
      reason: 'show the run',
    });
    showRun(run);
    if (run.status === 'RUNNING') follow(run.id);
  } catch (err) {
    showError($('cx-error'), err, 'Could not find the run: ');
  }
}

function forgetSummary() {
  state.summary = null;
  $('cx-form').hidden = true;
  $('cx-form').reset();
  replace($('cx-summary'));
  showError($('cx-error'), null);
  updateConfirmable();
}

/** Step 1: what cancelling would do, changing nothing. */
async function dryRun() {
  forgetSummary();
  const optionId = Number($('cx-option').value);
  if (!optionId) return showError($('cx-error'), new Error('Choose a show first'));
  try {
    state.summary = await api('POST', `/api/admin/concerts/options/${optionId}/cancellation`, {
      reason: 'dry run',
      dryRun: true,
    });
  } catch (err) {
    return showError($('cx-error'), err, 'Could not work out the totals: ');
  }
  const s = state.summary;
  replace(
    $('cx-summary'),
    el(
      'p',
      { dataset: { testid: 'cx-totals' } },
      `Cancelling ${catalog.optionName(optionId)} refunds ${count(s.paidOrders, 'paid order')} ` +
        `(${count(s.paidSeats, 'seat')}, ${formatAmount(s.refundTotalAmount)}) and cancels ` +
        `${count(s.unpaidOrders, 'unpaid order')}. Nothing has changed yet.`,
    ),
  );
  $('cx-confirm-label').textContent =
    `I confirm: cancel this show and refund ${count(s.paidOrders, 'paid order')} ` +
    `(${count(s.paidSeats, 'seat')}, ${formatAmount(s.refundTotalAmount)}) to the fans.`;
  $('cx-form').hidden = false;
  $('cx-reason').focus();
}

function updateConfirmable() {
  $('cx-submit').disabled = !(
    state.summary &&
    $('cx-confirm').checked &&
    $('cx-reason').value.trim().length >= 3
  );
}

/** Step 2: the run (202 new, or 200 the existing run of a show cancelled before). */
async function cancelShow() {
  const optionId = state.summary.optionId;
  let run;
  try {
    run = await api('POST', `/api/admin/concerts/options/${optionId}/cancellation`, {
      reason: $('cx-reason').value.trim(),
    });
  } catch (err) {
    return showError($('cx-error'), err, 'The show was not cancelled: ');
  }
  forgetSummary();
  void catalog.reloadConcert(run.concertId).catch(() => undefined);
  showRun(run);
  follow(run.id);
}

async function retry() {
  showError($('cx-run-error'), null);
  try {
    showRun(await api('POST', `/api/admin/cancellations/${state.run.id}/retry`));
    follow(state.run.id);
  } catch (err) {
    showError($('cx-run-error'), err, 'Retry refused: ');
  }
}

/** Live totals: the run's SSE stream, and a poll in case the stream drops (a proxy, a token refresh). */
function follow(runId) {
  stopFollowing();
  const token = accessToken();
  if (typeof EventSource === 'function' && token) {
    const url = withQuery(`/api/admin/cancellations/${runId}/events`, { access_token: token });
    state.stream = new EventSource(url);
    state.stream.addEventListener('CANCELLATION_PROGRESS', (event) => {
      const push = JSON.parse(event.data);
      if (state.run && push.runId === state.run.id)
        showRun({ ...state.run, status: push.status, totals: push.totals });
    });
  }
  state.poll = setInterval(() => void refresh(runId), POLL_MS);
}

function stopFollowing() {
  if (state.stream) state.stream.close();
  clearInterval(state.poll);
  state.stream = null;
  state.poll = null;
}

async function refresh(runId) {
  try {
    showRun(await api('GET', `/api/admin/cancellations/${runId}`));
  } catch (err) {
    showError($('cx-run-error'), err, 'Could not read the run: ');
  }
}

/** Draws the run; when it has ended, stops following and lists the failed rows. */
function showRun(run) {
  const previous = state.run;
  state.run = run;
  $('cx-run').hidden = !run;
  if (!run) return replace($('cx-failed'));
  const { orders, refunded, failed, pending, refundedAmount } = run.totals;
  const bar = $('cx-progress');
  bar.max = Math.max(orders, 1);
  bar.value = orders === 0 ? 1 : refunded + failed;
  say(
    $('cx-status'),
    `Run #${run.id} · ${run.status} · ${refunded} of ${orders} refunded (${formatAmount(refundedAmount)}), ` +
      `${failed} failed, ${pending} pending · started ${formatTime(run.createdAt)}` +
      (run.finishedAt ? ` · ended ${formatTime(run.finishedAt)}` : ''),
  );
  $('cx-status').dataset.status = run.status;
  $('cx-retry').hidden = failed === 0;
  if (run.status !== 'RUNNING') {
    stopFollowing();
    if (
      !previous ||
      previous.status === 'RUNNING' ||
      previous.id !== run.id ||
      previous.totals.failed !== failed
    )
      void loadFailed(run.id);
  }
}

async function loadFailed(runId) {
  try {
    const rows = await api(
      'GET',
      withQuery(`/api/admin/cancellations/${runId}/orders`, { result: 'FAILED', limit: 200 }),
    );
    replace(
      $('cx-failed'),
      rows.length
        ? table(
            [
              { label: 'Order', value: (r) => `#${r.orderId}` },
              { label: 'Fan', value: (r) => `#${r.userId}` },
              { label: 'Amount', value: (r) => formatAmount(r.amount), className: 'num' },
              { label: 'Attempts', value: (r) => String(r.attempts), className: 'num' },
              { label: 'Error', value: (r) => r.lastError },
            ],
            rows,
            {
              caption: 'Failed refunds (no money moved)',
              testId: 'cx-failed-table',
              rowTestId: (r) => `cx-failed-${r.orderId}`,
            },
          )
        : '',
    );
  } catch (err) {
    showError($('cx-run-error'), err, 'Could not list the failed refunds: ');
  }
}
