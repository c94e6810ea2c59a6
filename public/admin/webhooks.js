// Outbound webhooks: the seller's endpoints (add with the secret shown once, enable/disable, rotate the
// secret, send a test event, delete) and one endpoint's delivery log with a status filter and replay.
import { api, withQuery } from './api.js';
import { $, busy, el, formatTime, replace, say, showError, table } from './ui.js';

let endpoints = [];
let logOf = null;

export function init() {
  $('wh-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('wh-create'), create);
  });
  $('wh-log-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('wh-log-refresh'), showLog);
  });
}

export function enter() {
  void load();
}

export function reset() {
  endpoints = [];
  logOf = null;
  $('wh-form').reset();
  hideSecret();
  replace($('wh-endpoints'));
  replace($('wh-log'));
  $('wh-log-title').hidden = true;
  $('wh-log-form').hidden = true;
  say($('wh-result'), '');
}

async function load() {
  showError($('wh-error'), null);
  try {
    endpoints = await api('GET', '/api/admin/webhook-endpoints');
  } catch (err) {
    showError($('wh-error'), err, 'Could not load the endpoints: ');
    return;
  }
  render();
}

async function create() {
  showError($('wh-error'), null);
  say($('wh-result'), '');
  hideSecret();
  const events = [...document.querySelectorAll('input[name="wh-event"]:checked')].map((box) => box.value);
  const description = $('wh-description').value.trim();
  try {
    const created = await api('POST', '/api/admin/webhook-endpoints', {
      url: $('wh-url').value.trim(),
      events,
      ...(description ? { description } : {}),
    });
    showSecret(created.url, created.secret);
    $('wh-form').reset();
    await load();
  } catch (err) {
    showError($('wh-error'), err, 'Not added: ');
  }
}

function showSecret(url, secret) {
  $('wh-secret-for').textContent = url;
  $('wh-secret').textContent = secret;
  $('wh-secret-box').hidden = false;
}

function hideSecret() {
  $('wh-secret').textContent = '';
  $('wh-secret-box').hidden = true;
}

/** One action of a row: runs `work`, reports `done`, reloads the list. */
function action(label, testId, work, done) {
  const button = el('button', { type: 'button', className: 'secondary', dataset: { testid: testId } }, label);
  button.addEventListener(
    'click',
    () =>
      void busy(button, async () => {
        showError($('wh-error'), null);
        say($('wh-result'), '');
        try {
          const answer = await work();
          if (done) say($('wh-result'), done(answer));
          await load();
        } catch (err) {
          showError($('wh-error'), err, `${label} failed: `);
        }
      }),
  );
  return button;
}

function render() {
  const status = (e) =>
    e.enabled ? 'enabled' : `disabled${e.disabledReason === 'GONE' ? ' (410 Gone)' : ''}`;
  replace(
    $('wh-endpoints'),
    endpoints.length === 0
      ? el('p', { className: 'hint' }, 'No endpoints yet.')
      : table(
          [
            { label: 'URL', value: (e) => e.url },
            { label: 'Events', value: (e) => e.events.join(', ') },
            { label: 'Status', value: (e) => el('span', { dataset: { testid: 'wh-status' } }, status(e)) },
            { label: 'Description', value: (e) => e.description },
            {
              label: 'Actions',
              value: (e) =>
                el(
                  'span',
                  { className: 'row-actions' },
                  action(e.enabled ? 'Disable' : 'Enable', 'wh-toggle', () =>
                    api('PATCH', `/api/admin/webhook-endpoints/${e.id}`, { enabled: !e.enabled }),
                  ),
                  action(
                    'Send test event',
                    'wh-test',
                    () => api('POST', `/api/admin/webhook-endpoints/${e.id}/test`),
                    (a) => `Test event ${a.messageId} queued.`,
                  ),
                  action('Rotate secret', 'wh-rotate', async () => {
                    const { secret } = await api('POST', `/api/admin/webhook-endpoints/${e.id}/secret`);
                    showSecret(e.url, secret);
                  }),
                  logButton(e),
                  action('Delete', 'wh-delete', () => api('DELETE', `/api/admin/webhook-endpoints/${e.id}`)),
                ),
            },
          ],
          endpoints,
          { testId: 'wh-endpoint-table', rowTestId: (e) => `wh-endpoint-${e.id}` },
        ),
  );
}

function logButton(endpoint) {
  const button = el(
    'button',
    { type: 'button', className: 'secondary', dataset: { testid: 'wh-show-log' } },
    'Delivery log',
  );
  button.addEventListener('click', () => {
    logOf = endpoint;
    $('wh-log-title').textContent = `Delivery log of ${endpoint.url}`;
    $('wh-log-title').hidden = false;
    $('wh-log-form').hidden = false;
    void busy(button, showLog);
  });
  return button;
}

async function showLog() {
  if (!logOf) return;
  showError($('wh-error'), null);
  let rows;
  try {
    rows = await api(
      'GET',
      withQuery(`/api/admin/webhook-endpoints/${logOf.id}/deliveries`, {
        status: $('wh-log-status').value,
        limit: 200,
      }),
    );
  } catch (err) {
    showError($('wh-error'), err, 'Could not load the log: ');
    return;
  }
  replace(
    $('wh-log'),
    rows.length === 0
      ? el('p', { className: 'hint', dataset: { testid: 'wh-log-empty' } }, 'No messages.')
      : table(
          [
            { label: 'Message', value: (m) => m.messageId },
            { label: 'Event', value: (m) => m.eventType },
            {
              label: 'Status',
              value: (m) => el('span', { dataset: { testid: 'wh-message-status' } }, m.status),
            },
            { label: 'Attempts', value: (m) => String(m.attempts), className: 'num' },
            {
              label: 'Last answer',
              value: (m) => (m.lastResponseStatus ? String(m.lastResponseStatus) : m.lastError),
            },
            { label: 'Excerpt', value: (m) => m.lastResponseExcerpt },
            {
              label: 'Duration',
              value: (m) => (m.lastDurationMs === null ? null : `${m.lastDurationMs} ms`),
            },
            { label: 'Next attempt', value: (m) => formatTime(m.nextAttemptAt) },
            { label: 'Created', value: (m) => formatTime(m.createdAt) },
            { label: '', value: (m) => replayButton(m) },
          ],
          rows,
          { testId: 'wh-log-table', rowTestId: (m) => `wh-message-${m.messageId}` },
        ),
  );
}

function replayButton(message) {
  const button = el(
    'button',
    { type: 'button', className: 'secondary', dataset: { testid: 'wh-replay' } },
    'Replay',
  );
  button.addEventListener(
    'click',
    () =>
      void busy(button, async () => {
        try {
          await api('POST', `/api/admin/webhook-messages/${message.messageId}/replay`);
          say($('wh-result'), `Message ${message.messageId} sent again (same webhook-id).`);
          await showLog();
        } catch (err) {
          showError($('wh-error'), err, 'Replay failed: ');
        }
      }),
  );
  return button;
}
