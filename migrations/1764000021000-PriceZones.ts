import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

/**
 * Release class: EXPAND. A new table and nullable or generated columns: the previous release still
 * inserts seats by option and seat number, and its hold takes the show's price (right for every seat until
 * an admin lays out zones; do not lay out zones before every instance runs this release).
 *
 * Price zones (seat categories): an option's zones, each with a name unique per option whatever its case,
 * a price, an optional colour and its place in the admin's list. A seat is in at most one zone
 * (`category_id`), and carries its zone's price (`price_amount`, NULL with no zone: the option's
 * `ticket_price_amount` applies). The price is copied onto the seat on purpose: the hold locks the seat
 * row, so it reads the price of the layout that committed last; a join to the zones would read them in the
 * statement's snapshot, and a hold that waited on a seat while an admin re-laid the zones could take a
 * price of neither layout. The zone layout's one writer (CatalogZonesService) keeps both in step.
 *
 * `row_label` and `number_in_row` are derived from `seat_number` ("AB-7" → "AB", 7; NULL for a number of
 * another form), for the seat map and the best-available picker (front-most row: shorter label first,
 * then alphabetical).
 */
export class PriceZones1764000021000 implements MigrationInterface {
  name = 'PriceZones1764000021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE seat_categories (
        id serial PRIMARY KEY,
        option_id integer NOT NULL REFERENCES concert_options(id),
        name varchar(40) NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
        price_amount bigint NOT NULL CHECK (price_amount >= 0),
        color char(7) CHECK (color ~ '^#[0-9a-f]{6}$'),
        position smallint NOT NULL CHECK (position BETWEEN 0 AND 19),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX seat_categories_option_name_key ON seat_categories (option_id, lower(name))`,
    );
    await q.query(`
      ALTER TABLE seats
        ADD COLUMN category_id integer REFERENCES seat_categories(id),
        ADD COLUMN price_amount bigint CHECK (price_amount >= 0),
        ADD COLUMN row_label varchar(8)
          GENERATED ALWAYS AS (substring(seat_number from '^([A-Z]{1,8})-[0-9]{1,6}$')) STORED,
        ADD COLUMN number_in_row integer
          GENERATED ALWAYS AS ((substring(seat_number from '^[A-Z]{1,8}-([0-9]{1,6})$'))::integer) STORED,
        ADD CONSTRAINT seats_zone_price_check CHECK ((category_id IS NULL) = (price_amount IS NULL))`);
    await q.query(`CREATE INDEX seats_category_idx ON seats (category_id) WHERE category_id IS NOT NULL`);
  }

  /** Refused while a zone exists (its layout and prices would be lost); reservations keep their amounts. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'price zones', count: `SELECT count(*) AS n FROM seat_categories` },
    ]);
    await q.query(`DROP INDEX seats_category_idx`);
    await q.query(`
      ALTER TABLE seats
        DROP CONSTRAINT seats_zone_price_check,
        DROP COLUMN number_in_row,
        DROP COLUMN row_label,
        DROP COLUMN price_amount,
        DROP COLUMN category_id`);
    await q.query(`DROP TABLE seat_categories`);
  }
}
