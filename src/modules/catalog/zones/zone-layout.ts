/** The contract's cap on zones per option. */
export const MAX_ZONES_PER_OPTION = 20;

/** A zone as the admin sends it (the PUT body's entries). */
export interface ZoneInput {
  name: string;
  priceAmount: number;
  color?: string;
  rows?: string[];
  seatNumbers?: string[];
}

/** A seat of the option, as the layout needs it. */
export interface LayoutSeat {
  id: number;
  seatNumber: string;
  row: string | null;
}

/** A zone resolved to seat ids, in the admin's order (`position`). */
export interface ResolvedZone {
  name: string;
  priceAmount: number;
  color: string | null;
  position: number;
  seatIds: number[];
}

export type LayoutResult = { zones: ResolvedZone[] } | { problems: string[] };

/**
 * Resolves a zone layout against the option's seats, or says everything wrong with it: a duplicate name
 * (whatever its case), a zone that names no seat, an unknown row or seat number, and a seat named twice
 * (by two zones, by a row and a seat number of one zone, or listed twice). Pure: the service calls it under
 * the option's lock and writes only a layout that came back without problems.
 */
export function resolveLayout(seats: LayoutSeat[], input: ZoneInput[]): LayoutResult {
  const problems: string[] = [];
  if (input.length > MAX_ZONES_PER_OPTION) {
    problems.push(`categories must contain no more than ${MAX_ZONES_PER_OPTION} elements`);
  }
  const bySeatNumber = new Map(seats.map((s) => [s.seatNumber, s]));
  const byRow = new Map<string, LayoutSeat[]>();
  for (const seat of seats) {
    if (seat.row !== null) byRow.set(seat.row, [...(byRow.get(seat.row) ?? []), seat]);
  }
  const names = new Map<string, number>();
  /** Seat id → who named it first, for the "named twice" message. */
  const namedBy = new Map<number, string>();
  const zones = input.map((zone, position): ResolvedZone => {
    const at = `categories[${position}]`;
    const key = zone.name.toLowerCase();
    const same = names.get(key);
    if (same !== undefined)
      problems.push(`${at}.name: "${zone.name}" is also the name of categories[${same}]`);
    else names.set(key, position);
    const rows = zone.rows ?? [];
    const numbers = zone.seatNumbers ?? [];
    if (rows.length + numbers.length === 0) problems.push(`${at}: names no seat (give rows or seatNumbers)`);
    const seatIds: number[] = [];
    /** Takes the seats for this zone; one problem per entry that names seats already named. */
    const claim = (named: LayoutSeat[], by: string) => {
      const taken = named.filter((seat) => namedBy.has(seat.id));
      for (const seat of named) {
        if (namedBy.has(seat.id)) continue;
        namedBy.set(seat.id, by);
        seatIds.push(seat.id);
      }
      if (taken.length > 0) {
        const first = taken[0];
        const more = taken.length > 1 ? ` and ${taken.length - 1} more` : '';
        problems.push(`${by}: seat ${first.seatNumber}${more} also named by ${namedBy.get(first.id)}`);
      }
    };
    rows.forEach((row, i) => {
      const inRow = byRow.get(row);
      if (!inRow) problems.push(`${at}.rows[${i}]: the option has no row "${row}"`);
      else claim(inRow, `${at}.rows[${i}]`);
    });
    numbers.forEach((seatNumber, i) => {
      const seat = bySeatNumber.get(seatNumber);
      if (!seat) problems.push(`${at}.seatNumbers[${i}]: the option has no seat "${seatNumber}"`);
      else claim([seat], `${at}.seatNumbers[${i}]`);
    });
    return {
      name: zone.name,
      priceAmount: zone.priceAmount,
      color: zone.color?.toLowerCase() ?? null,
      position,
      seatIds,
    };
  });
  return problems.length > 0 ? { problems } : { zones };
}
