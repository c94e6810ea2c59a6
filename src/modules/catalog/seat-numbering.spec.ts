import { rowLabel, seatNumbers } from './seat-numbering';

describe('seat numbering', () => {
  it('labels rows A..Z then AA, AB', () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(rowLabel)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });

  it('numbers seats in rows of 20', () => {
    const seats = seatNumbers(41);
    expect(seats.slice(0, 2)).toEqual(['A-1', 'A-2']);
    expect(seats[19]).toBe('A-20');
    expect(seats[20]).toBe('B-1');
    expect(seats[40]).toBe('C-1');
    expect(new Set(seatNumbers(5000)).size).toBe(5000);
    expect(seatNumbers(5000)[5000 - 1]).toBe(`${rowLabel(249)}-20`);
  });
});
