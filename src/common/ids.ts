import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

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
 * An optional id in a query string: a plain decimal becomes a number; anything else ("0x10", "1e3", " 7",
 * "+7") stays a string and fails @IsInt, so it is 400 as the contract says, not id 16 or 1000.
 */
export const OptionalQueryId = () => applyDecorators(ApiPropertyOptional(), IsOptional(), queryIdRules());

/** A required id in a query string (`?concertId=`), by the same rules. */
export const QueryId = () => applyDecorators(ApiProperty(), queryIdRules());

const queryIdRules = () =>
  applyDecorators(
    Transform(({ value }) =>
      typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : value,
    ),
    IsInt(),
    Min(1),
    Max(PG_INT_MAX),
  );

/** A body field naming a row: a positive PostgreSQL integer. */
export const BodyId = () => applyDecorators(IsInt(), Min(1), Max(PG_INT_MAX));

/** A page size in a query: any positive integer; the endpoint clamps it to its maximum. */
export const OptionalLimit = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ description }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
  );

/** `?limit=` alone. */
export class LimitQuery {
  @OptionalLimit('page size; values above the maximum are clamped to it')
  limit?: number;
}
