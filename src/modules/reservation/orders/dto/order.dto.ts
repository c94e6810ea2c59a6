import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { BodyId, OptionalLimit, OptionalQueryId, PG_INT_MAX } from '../../../../common/ids';

/** The schema's bound; MAX_SEATS_PER_ORDER (1..50) is applied by the service. */
const MAX_SEATS = 50;

/** Exactly one of `seatIds` and `quantity`; `categoryId` only with `quantity` (checked by the service). */
export class CreateOrderDto {
  @ApiProperty({ example: 1 })
  @BodyId()
  optionId: number;

  @ApiPropertyOptional({ type: [Number], description: 'distinct seat ids (1..MAX_SEATS_PER_ORDER)' })
  @ValidateIf((o: CreateOrderDto) => o.seatIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SEATS)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(PG_INT_MAX, { each: true })
  seatIds?: number[];

  @ApiPropertyOptional({ description: 'best available: how many seats (1..MAX_SEATS_PER_ORDER)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEATS)
  quantity?: number;

  @ApiPropertyOptional({ description: 'with quantity: a zone (price category) of the option' })
  @IsOptional()
  @BodyId()
  categoryId?: number;
}

export const ORDER_STATUSES = [
  'HOLD',
  'PAYING',
  'CONFIRMED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'EXPIRED',
  'CANCELLED',
] as const;

export class MyOrdersQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, isArray: true, description: 'repeatable' })
  @IsOptional()
  @Transform(({ value }) => (Array.isArray(value) ? value : [value]))
  @ArrayMaxSize(ORDER_STATUSES.length)
  @IsIn(ORDER_STATUSES, { each: true })
  status?: (typeof ORDER_STATUSES)[number][];

  @OptionalLimit('default 50; values above 200 are clamped to 200')
  limit?: number;
}

export class AdminOrdersQuery extends MyOrdersQuery {
  @OptionalQueryId()
  concertId?: number;

  @OptionalQueryId()
  optionId?: number;

  @OptionalQueryId()
  userId?: number;
}
