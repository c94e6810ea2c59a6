import { seatNumbers } from '../seat-numbering';
import { LayoutSeat, resolveLayout, ZoneInput } from './zone-layout';

/** 45 seats: rows A and B of 20, row C of 5 (ids 1..45). */
const SEATS: LayoutSeat[] = seatNumbers(45).map((seatNumber, i) => ({
  id: i + 1,
  seatNumber,
  row: seatNumber.split('-')[0],
}));

const zone = (z: Partial<ZoneInput>): ZoneInput => ({ name: 'Z', priceAmount: 1000, ...z });
const problems = (input: ZoneInput[]) => {
  const result = resolveLayout(SEATS, input);
  return 'problems' in result ? result.problems : [];
};

describe('resolveLayout (a zone layout against the option seats)', () => {
  it('resolves rows and seat numbers to seat ids, in the admin order, colour in lower case', () => {
    const result = resolveLayout(SEATS, [
      zone({ name: 'VIP', priceAmount: 150000, color: '#AA00ff', rows: ['A'] }),
      zone({ name: 'R', priceAmount: 90000, rows: ['B'], seatNumbers: ['C-1', 'C-5'] }),
    ]);
    expect(result).toEqual({
      zones: [
        {
          name: 'VIP',
          priceAmount: 150000,
          color: '#aa00ff',
          position: 0,
          seatIds: Array.from({ length: 20 }, (_, i) => i + 1),
        },
        {
          name: 'R',
          priceAmount: 90000,
          color: null,
          position: 1,
          seatIds: [...Array.from({ length: 20 }, (_, i) => i + 21), 41, 45],
        },
      ],
    });
  });

  it('accepts an empty layout (every seat back to the show price)', () => {
    expect(resolveLayout(SEATS, [])).toEqual({ zones: [] });
  });

  it('refuses a duplicate name, whatever its case', () => {
    expect(problems([zone({ name: 'VIP', rows: ['A'] }), zone({ name: 'vip', rows: ['B'] })])).toEqual([
      'categories[1].name: "vip" is also the name of categories[0]',
    ]);
  });

  it('refuses a zone that names no seat', () => {
    expect(problems([zone({ rows: [], seatNumbers: [] })])).toEqual([
      'categories[0]: names no seat (give rows or seatNumbers)',
    ]);
    expect(problems([zone({})])).toHaveLength(1);
  });

  it('refuses an unknown row or seat number', () => {
    expect(problems([zone({ rows: ['D', 'a'], seatNumbers: ['C-6', 'A-0', 'A1'] })])).toEqual([
      'categories[0].rows[0]: the option has no row "D"',
      'categories[0].rows[1]: the option has no row "a"',
      'categories[0].seatNumbers[0]: the option has no seat "C-6"',
      'categories[0].seatNumbers[1]: the option has no seat "A-0"',
      'categories[0].seatNumbers[2]: the option has no seat "A1"',
    ]);
  });

  it('refuses a seat named by two zones', () => {
    expect(problems([zone({ name: 'VIP', rows: ['A'] }), zone({ name: 'R', seatNumbers: ['A-3'] })])).toEqual(
      ['categories[1].seatNumbers[0]: seat A-3 also named by categories[0].rows[0]'],
    );
    expect(problems([zone({ name: 'VIP', rows: ['A'] }), zone({ name: 'R', rows: ['A'] })])).toEqual([
      'categories[1].rows[0]: seat A-1 and 19 more also named by categories[0].rows[0]',
    ]);
  });

  it('refuses a seat named by a row and a seat number of one zone, or listed twice', () => {
    expect(problems([zone({ rows: ['C'], seatNumbers: ['C-2'] })])).toEqual([
      'categories[0].seatNumbers[0]: seat C-2 also named by categories[0].rows[0]',
    ]);
    expect(problems([zone({ seatNumbers: ['B-4', 'B-4'] })])).toEqual([
      'categories[0].seatNumbers[1]: seat B-4 also named by categories[0].seatNumbers[0]',
    ]);
    expect(problems([zone({ rows: ['C', 'C'] })])).toEqual([
      'categories[0].rows[1]: seat C-1 and 4 more also named by categories[0].rows[0]',
    ]);
  });

  it('refuses more than 20 zones', () => {
    const many = Array.from({ length: 21 }, (_, i) => zone({ name: `Z${i}`, seatNumbers: [`A-${i + 1}`] }));
    expect(problems(many)).toContain('categories must contain no more than 20 elements');
    expect(problems(many.slice(0, 20))).toEqual([]);
  });

  it('leaves seats whose number has another form out of every row', () => {
    const odd: LayoutSeat[] = [...SEATS, { id: 99, seatNumber: 'X1', row: null }];
    expect(resolveLayout(odd, [zone({ seatNumbers: ['X1'] })])).toMatchObject({
      zones: [{ seatIds: [99] }],
    });
  });
});
