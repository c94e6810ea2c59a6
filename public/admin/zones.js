// Price zones panel: a show's zone layout (name, price, colour, and the rows or seat numbers each zone
// covers), edited as a list and previewed on the show's seat map as it is typed; Save replaces the layout
// in one PUT (the server checks it all: a seat named twice, an unknown row or seat, a duplicate name).
import { api } from './api.js';
import * as catalog from './catalog.js';
import { names, renderPreview } from './zone-preview.js';
import { $, busy, el, fillSelect, formatAmount, replace, say, showError } from './ui.js';

/** The contract's most zones per show. */
const MAX_ZONES = 20;
const DEFAULT_COLORS = ['#8e24aa', '#d81b60', '#1e88e5', '#00897b', '#f4511e', '#6d4c41'];

/** `seats`: the show's seat map; `zones`: the editor's rows, `{key, name, price, color, rows, seatNumbers}`. */
const state = { optionId: null, seats: [], zones: [], nextKey: 1, reads: 0 };

export function init() {
  catalog.onChange(fillConcerts);
  $('zn-concert').addEventListener('change', fillOptions);
  $('zn-option').addEventListener('change', () => void load());
  $('zn-add').addEventListener('click', () => addZone());
  $('zn-form').addEventListener('input', onEdit);
  $('zn-form').addEventListener('click', onRemove);
  $('zn-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void busy($('zn-save'), save);
  });
}

export function enter() {
  if (!state.optionId) void load();
}

export function reset() {
  state.optionId = null;
  state.seats = [];
  state.zones = [];
  replace($('zn-zones'));
  replace($('zn-preview'));
  say($('zn-result'), '');
  showError($('zn-error'), null);
}

function fillConcerts() {
  fillSelect($('zn-concert'), catalog.concertChoices());
  fillOptions();
}

function fillOptions() {
  const concertId = $('zn-concert').value;
  const before = $('zn-option').value;
  fillSelect($('zn-option'), catalog.showChoices(concertId));
  if ($('zn-option').value !== before || !state.optionId) void load();
}

/** The chosen show's seat map and zones; the editor starts from the layout the server has. */
async function load() {
  showError($('zn-error'), null);
  say($('zn-result'), '');
  const optionId = Number($('zn-option').value) || null;
  state.optionId = optionId;
  const mine = ++state.reads;
  if (!optionId) {
    state.seats = [];
    state.zones = [];
    render();
    return;
  }
  try {
    const [seats, categories] = await Promise.all([
      api('GET', `/api/concerts/options/${optionId}/seat-map`),
      api('GET', `/api/concerts/options/${optionId}/categories`),
    ]);
    if (mine !== state.reads) return;
    state.seats = seats;
    state.zones = categories.map((c) => zoneFromLayout(c, seats));
    render();
  } catch (err) {
    if (mine !== state.reads) return;
    showError($('zn-error'), err, 'Could not read the show’s zones: ');
  }
}

/**
 * A zone as the editor shows it, from the seats the server puts in it: whole rows as rows, the rest as
 * seat numbers.
 */
function zoneFromLayout(category, seats) {
  const byRow = new Map();
  for (const s of seats) {
    const row = byRow.get(s.row) || { all: 0, mine: [] };
    row.all += 1;
    if (s.categoryId === category.id) row.mine.push(s.seatNumber);
    byRow.set(s.row, row);
  }
  const rows = [];
  const seatNumbers = [];
  for (const [name, row] of byRow) {
    if (row.mine.length && row.mine.length === row.all) rows.push(name);
    else seatNumbers.push(...row.mine);
  }
  return {
    key: state.nextKey++,
    name: category.name,
    price: String(category.priceAmount),
    color: category.color || DEFAULT_COLORS[0],
    rows: rows.join(', '),
    seatNumbers: seatNumbers.join(', '),
  };
}

function addZone() {
  if (state.zones.length >= MAX_ZONES) {
    say($('zn-result'), `A show has at most ${MAX_ZONES} zones.`);
    return;
  }
  state.zones.push({
    key: state.nextKey++,
    name: '',
    price: '',
    color: DEFAULT_COLORS[state.zones.length % DEFAULT_COLORS.length],
    rows: '',
    seatNumbers: '',
  });
  render();
  $(`zn-name-${state.zones.length - 1}`).focus();
}

/** Every keystroke updates the zone it belongs to and the preview (the inputs themselves stay). */
function onEdit(event) {
  const field = event.target.dataset.field;
  const zone = state.zones.find((z) => String(z.key) === event.target.dataset.key);
  if (!field || !zone) return;
  zone[field] = event.target.value;
  say($('zn-result'), '');
  renderPreview($('zn-preview'), state.seats, state.zones);
}

function onRemove(event) {
  const button = event.target.closest('button[data-remove]');
  if (!button) return;
  state.zones = state.zones.filter((z) => String(z.key) !== button.dataset.remove);
  render();
}

function render() {
  replace($('zn-zones'), ...state.zones.map(zoneFields));
  $('zn-add').disabled = !state.optionId || state.zones.length >= MAX_ZONES;
  $('zn-save').disabled = !state.optionId;
  say(
    $('zn-empty'),
    state.optionId && !state.zones.length ? 'No zones: every seat costs the show’s price.' : '',
  );
  renderPreview($('zn-preview'), state.seats, state.zones);
}

function zoneFields(zone, i) {
  const field = (name, label, attrs) =>
    el(
      'div',
      { className: 'field' },
      el('label', { for: `zn-${name}-${i}` }, label),
      el('input', {
        id: `zn-${name}-${i}`,
        value: zone[name === 'seats' ? 'seatNumbers' : name],
        dataset: {
          field: name === 'seats' ? 'seatNumbers' : name,
          key: String(zone.key),
          testid: `zn-${name}-${i}`,
        },
        ...attrs,
      }),
    );
  return el(
    'fieldset',
    { className: 'zone-fields form-grid', dataset: { testid: `zn-zone-${i}` } },
    el('legend', {}, `Zone ${i + 1}`),
    field('name', 'Name (1 to 40)', { maxlength: 40, required: true }),
    field('price', 'Price (KRW)', { type: 'number', min: 0, step: 1, required: true }),
    field('color', 'Colour', { type: 'color' }),
    field('rows', 'Rows (e.g. A, B)', { autocomplete: 'off' }),
    field('seats', 'Seat numbers (e.g. C-1, C-2)', { autocomplete: 'off' }),
    el(
      'div',
      { className: 'actions' },
      el(
        'button',
        {
          type: 'button',
          className: 'secondary',
          dataset: { remove: String(zone.key), testid: `zn-remove-${i}` },
        },
        'Remove zone',
      ),
    ),
  );
}

async function save() {
  showError($('zn-error'), null);
  say($('zn-result'), '');
  const optionId = state.optionId;
  const categories = state.zones.map((z) => {
    const c = { name: z.name.trim(), priceAmount: z.price === '' ? NaN : Number(z.price), color: z.color };
    if (names(z.rows).length) c.rows = names(z.rows);
    if (names(z.seatNumbers).length) c.seatNumbers = names(z.seatNumbers);
    return c;
  });
  try {
    const saved = await api('PUT', `/api/admin/concerts/options/${optionId}/categories`, { categories });
    if (optionId !== state.optionId) return;
    // The catalog's min and max prices of the show moved with it; the editor shows what the server kept.
    await Promise.all([load(), catalog.reloadConcert(catalog.concertOfOption(optionId))]);
    say(
      $('zn-result'),
      saved.length
        ? `Saved ${saved.length} zones: ${saved.map((c) => `${c.name} ${formatAmount(c.priceAmount)} (${c.seatCount} seats)`).join(', ')}.`
        : 'Saved: no zones, every seat costs the show’s price.',
    );
  } catch (err) {
    showError($('zn-error'), err, 'Could not save the zones (nothing changed): ');
  }
}
