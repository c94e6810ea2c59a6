import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PG_INT_MAX, QueryInt } from '../../../common/ids';

export class HoldDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(PG_INT_MAX)
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

  @ApiPropertyOptional()
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(PG_INT_MAX)
  optionId?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(PG_INT_MAX)
  concertId?: number;

  @ApiPropertyOptional({ description: 'default 100; values above 200 are clamped to 200' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
}
