import { Transform } from 'class-transformer';

/** Ids are PostgreSQL `integer`s. */
export const PG_INT_MAX = 2_147_483_647;

/**
 * A positive id as a client writes it: a JS integer, or a plain decimal string (no sign, leading zero,
 * hex, exponent or whitespace), within PostgreSQL's integer range; otherwise undefined. The one rule for
 * path ids, socket messages and anything else that names a row.
 */
export function parsePositiveId(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 1 && n <= PG_INT_MAX ? n : undefined;
}

/**
 * Integer query fields of a DTO: a plain decimal becomes a number; anything else ("0x10", "1e3", " 7",
 * "+7") stays a string and fails @IsInt, so it is 400 as the contract says, not id 16 or 1000.
 */
export const QueryInt = () =>
  Transform(({ value }) =>
    typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : value,
  );
