import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional } from 'class-validator';
import { BodyId, OptionalLimit, OptionalQueryId } from '../../../common/ids';

export class HoldDto {
  @ApiProperty({ example: 1 })
  @BodyId()
  seatId: number;
}

const STATUSES = ['HOLD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED'] as const;

export class MyReservationsQuery {
  @ApiPropertyOptional({ enum: STATUSES, isArray: true, description: 'repeatable' })
  @IsOptional()
  @Transform(({ value }) => (Array.isArray(value) ? value : [value]))
  @ArrayMaxSize(6)
  @IsIn(STATUSES, { each: true })
  status?: (typeof STATUSES)[number][];

  @OptionalQueryId()
  optionId?: number;

  @OptionalQueryId()
  concertId?: number;

  @OptionalLimit('default 100; values above 200 are clamped to 200')
  limit?: number;
}
