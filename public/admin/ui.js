// Small DOM and formatting helpers shared by the panels. Everything is built with DOM APIs and
// textContent, never parsed from HTML strings: usernames and refund reasons are user input.
import { describeError } from './api.js';

export const $ = (id) => document.getElementById(id);

/** `el('td', {className: 'num', dataset: {label: 'Amount'}}, '50,000 KRW')`; attributes other than
 *  className / dataset / text are set with setAttribute (so `for`, `aria-*`, `type` work as in HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/**
 * A table of `rows`, one column per `{label, value(row) → string | Node, className?}`. Each cell
 * carries its column's label, which the narrow layout shows in front of the value (style: table.stack).
 */
export function table(columns, rows, { caption, testId, rowTestId } = {}) {
  const head = el(
    'tr',
    {},
    ...columns.map((c) => el('th', { scope: 'col', className: c.className }, c.label)),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      { dataset: rowTestId ? { testid: rowTestId(row) } : {} },
      ...columns.map((c) => {
        const value = c.value(row);
        return el(
          'td',
          { className: c.className, dataset: { label: c.label } },
          value === undefined || value === null ? '—' : value,
        );
      }),
    ),
  );
  return el(
    'table',
    { className: 'stack', dataset: testId ? { testid: testId } : {} },
    caption ? el('caption', {}, caption) : null,
    el('thead', {}, head),
    el('tbody', {}, ...body),
  );
}

/** Puts `content` in `container` in place of what was there. */
export function replace(container, ...content) {
  container.replaceChildren(...content);
}

/** Shows an API error as "message (ERROR_CODE)" in an element with role=alert; `null` hides it. */
export function showError(target, err, prefix = '') {
  target.textContent = err ? `${prefix}${describeError(err)}` : '';
  target.hidden = !err;
}

/** A status line (role=status): what just happened, or nothing. */
export function say(target, text) {
  target.textContent = text || '';
  target.hidden = !text;
}

/**
 * Runs `work` with `button` disabled, so a slow server is not sent the same request twice. The button's
 * aria-busy lets assistive technology (and tests) know the click is being handled.
 */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** "1 row", "3 rows". */
export const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const amountFormat = new Intl.NumberFormat('en-US');
export const formatAmount = (amount) =>
  amount === null || amount === undefined ? '—' : `${amountFormat.format(amount)} KRW`;

/** A range of amounts, the currency once: "50,000 – 150,000 KRW"; one amount when both ends are equal. */
export const formatAmountRange = (min, max) =>
  min === max ? formatAmount(min) : `${amountFormat.format(min)} – ${formatAmount(max)}`;

/** Every time on the console is UTC, as the API sends it and as the forms take it. */
export function formatTime(iso) {
  if (!iso) return '—';
  return `${String(iso)
    .replace('T', ' ')
    .replace(/(\.\d+)?Z$/, '')} UTC`;
}

/** A datetime-local value read as UTC (the labels say so) → ISO with Z; '' → undefined. */
export function utcFromInput(value) {
  if (!value) return undefined;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return `${withSeconds.slice(0, 19)}.000Z`;
}

/** An ISO UTC time → the value of a datetime-local input that is read as UTC. */
export function inputFromUtc(iso) {
  return iso ? String(iso).slice(0, 19) : '';
}

/** A number input's value, or undefined when empty (left out of the request). */
export function numberOf(input) {
  return input.value === '' ? undefined : Number(input.value);
}

/** `<option>`s for a select: `[value, label]` pairs; the current choice is kept when it still exists. */
export function fillSelect(select, choices) {
  const previous = select.value;
  select.replaceChildren(...choices.map(([value, label]) => el('option', { value }, label)));
  if (choices.some(([value]) => String(value) === previous)) select.value = previous;
}

/** A status as a coloured tag (order, reservation, ledger and audit statuses alike). */
export const statusTag = (status, testId) =>
  el('span', { className: 'tag', dataset: testId ? { status, testid: testId } : { status } }, status);

/** A definition list of `[term, value]` pairs (a case file's summary, a current setting). */
export const factList = (facts, attrs = {}) =>
  el(
    'dl',
    { className: 'facts', ...attrs },
    ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );

/** An admin refund's reason (3 to 500 characters, kept in the audit log): what is wrong with it, or ''. */
export const reasonProblem = (reason) =>
  reason.length < 3 || reason.length > 500 ? 'The reason must be 3 to 500 characters.' : '';
