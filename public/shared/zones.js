// Price zones (seat categories) as both pages draw them: a zone's colour is a class per zone, defined in a
// stylesheet of the page's own (CSSOM, not inline styles: the pages set no style attributes), with a text
// colour that stays readable on it. A zone without a colour takes one from a fixed palette.

/** For zones the admin gave no colour, by their place in the option's list. */
const PALETTE = ['#8e24aa', '#d81b60', '#1e88e5', '#00897b', '#f4511e', '#6d4c41', '#3949ab', '#7cb342'];
const COLOR = /^#[0-9a-f]{6}$/i;

let sheet = null;
const defined = new Map(); // class name → colour it was defined with

function stylesheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  return sheet;
}

/** The zone's colour as drawn: its own, else the palette's for its place in the list. */
export function zoneColor(category, index = 0) {
  return category.color && COLOR.test(category.color) ? category.color : PALETTE[index % PALETTE.length];
}

/** Dark text on a light colour, white on a dark one (relative luminance, as WCAG computes it). */
function textOn(color) {
  const channel = (i) => {
    const c = parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.35 ? '#222222' : '#ffffff';
}

/**
 * The class that paints in `color` (a `#rrggbb`, checked before it reaches the stylesheet): `zone-c-<hex>`,
 * defined once per colour, so two zones of one colour share it and a changed colour gets a new class.
 */
export function colorClass(color) {
  const hex = COLOR.test(color) ? color.slice(1).toLowerCase() : '9e9e9e';
  const name = `zone-c-${hex}`;
  if (!defined.has(name)) {
    stylesheet().insertRule(`.${name} { --zone-color: #${hex}; --zone-text: ${textOn(`#${hex}`)}; }`);
    defined.set(name, hex);
  }
  return name;
}

/** `{categoryId → {category, className, color}}` for an option's zones, in the API's order. */
export function zoneStyles(categories) {
  return new Map(
    categories.map((c, i) => {
      const color = zoneColor(c, i);
      return [c.id, { category: c, color, className: colorClass(color) }];
    }),
  );
}

const amountFormat = new Intl.NumberFormat('en-US');
/** "150,000 KRW". */
export const krw = (amount) => `${amountFormat.format(amount)} KRW`;

/** "A-1" → {row: "A", number: 1}, for seat-map entries that do not carry them. */
export function seatPlace(seat) {
  if (seat.row && seat.number) return { row: seat.row, number: seat.number };
  const match = /^([A-Z]+)-(\d+)$/.exec(seat.seatNumber || '');
  return match ? { row: match[1], number: Number(match[2]) } : { row: '', number: 0 };
}
