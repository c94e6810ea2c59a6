// New concerts and shows, through the admin API (POST /api/admin/concerts and …/{id}/options), on the
// concerts panel. A show's start is typed as a local date-time plus its UTC offset (a venue's time zone,
// not the browser's), and sent as ISO-8601 with that offset; the API normalises it to UTC.
import { api } from './api.js';
import * as catalog from './catalog.js';
import { $, busy, fillSelect, formatAmount, formatTime, numberOf, say, showError } from './ui.js';

/** `+09:00`, `-05:30` or `Z`: what the API takes after a date-time. */
const OFFSET = /^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

/** `reload()` reads the catalog again and follows the new show's seats live (concerts.js). */
let reloadCatalog = async () => {};

export function init({ reload } = {}) {
  if (reload) reloadCatalog = reload;
  catalog.onChange(() => fillSelect($('new-show-concert'), catalog.concertChoices()));
  $('new-concert-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('new-concert-submit'), createConcert);
  });
  $('new-show-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('new-show-submit'), createShow);
  });
}

export function reset() {
  $('new-concert-form').reset();
  $('new-show-form').reset();
  for (const id of ['new-concert-result', 'new-show-result']) say($(id), '');
  for (const id of ['new-concert-error', 'new-show-error']) showError($(id), null);
}

async function createConcert() {
  showError($('new-concert-error'), null);
  say($('new-concert-result'), '');
  const body = { title: $('new-concert-title').value.trim() };
  const artistName = $('new-concert-artist').value.trim();
  if (artistName) body.artistName = artistName;
  try {
    const concert = await api('POST', '/api/admin/concerts', body);
    $('new-concert-form').reset();
    await reloadCatalog();
    // The next show is most likely for this concert.
    $('new-show-concert').value = String(concert.id);
    say($('new-concert-result'), `Created ${catalog.concertName(concert.id)}: now add a show to it.`);
  } catch (err) {
    showError($('new-concert-error'), err, 'Could not create the concert: ');
  }
}

/** `2026-12-24T19:00` (or with seconds) and `+09:00` → `2026-12-24T19:00:00+09:00`. */
function showStart() {
  const local = $('new-show-start').value;
  const offset = $('new-show-offset').value.trim();
  if (!local) return { problem: 'Give the show’s start date and time.' };
  if (!OFFSET.test(offset)) return { problem: 'Give the UTC offset as +HH:MM, -HH:MM or Z (e.g. +09:00).' };
  return { value: `${local.length === 16 ? `${local}:00` : local.slice(0, 19)}${offset}` };
}

async function createShow() {
  showError($('new-show-error'), null);
  say($('new-show-result'), '');
  const concertId = $('new-show-concert').value;
  const start = showStart();
  if (!concertId || start.problem) {
    // Said before anything is sent, in the place of the server's refusals.
    $('new-show-error').textContent = start.problem || 'Pick a concert (or create one first).';
    $('new-show-error').hidden = false;
    return;
  }
  const body = { concertDate: start.value, seatCount: numberOf($('new-show-seats')) };
  const price = numberOf($('new-show-price'));
  if (price !== undefined) body.ticketPriceAmount = price;
  try {
    const show = await api('POST', `/api/admin/concerts/${concertId}/options`, body);
    $('new-show-form').reset();
    $('new-show-concert').value = String(concertId);
    await reloadCatalog();
    say(
      $('new-show-result'),
      `Created show #${show.id} of ${catalog.concertName(concertId)}: ${formatTime(show.concertDate)}, ` +
        `${show.totalSeatCount} seats at ${formatAmount(show.ticketPriceAmount)}.`,
    );
  } catch (err) {
    showError($('new-show-error'), err, 'Could not create the show: ');
  }
}
