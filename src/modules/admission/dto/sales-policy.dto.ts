import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { UtcTimestamp } from '../../../common/validation';
import { Tier, TIERS } from '../sales-policy/sales-policy';

export class SalesPolicyDto {
  @ApiPropertyOptional({ example: '2026-12-10T10:00:00.000Z', description: 'with presaleEndAt, or neither' })
  @IsOptional()
  @UtcTimestamp()
  presaleStartAt?: string;

  @ApiPropertyOptional({
    example: '2026-12-10T12:00:00.000Z',
    description: 'exclusive; ≤ generalSaleStartAt',
  })
  @IsOptional()
  @UtcTimestamp()
  presaleEndAt?: string;

  @ApiPropertyOptional({
    enum: TIERS,
    description: 'lowest tier that may buy in the presale (default BASIC)',
  })
  @IsOptional()
  @IsIn(TIERS)
  presaleMinimumTier?: Tier;

  @ApiProperty({ example: '2026-12-10T14:00:00.000Z' })
  @UtcTimestamp()
  generalSaleStartAt: string;

  @ApiProperty({ example: 4, minimum: 1, maximum: 50, description: 'HOLD + PAYING + CONFIRMED per user' })
  @IsInt()
  @Min(1)
  @Max(50)
  maxReservationsPerUser: number;
}
