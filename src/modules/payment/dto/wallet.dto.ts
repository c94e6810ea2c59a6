import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PlainText } from '../../../common/text';

export class WalletChargeDto {
  @ApiProperty({ example: 50000, description: 'integer KRW, > 0' })
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  amount: number;

  @ApiPropertyOptional({ example: 'topup-2026-11-25-001' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9._:-]+$/)
  idempotencyKey?: string;

  @ApiPropertyOptional({
    minLength: 3,
    maxLength: 500,
    description: "required for an ADMIN's credit to another user",
  })
  @IsOptional()
  @IsString()
  @Length(3, 500)
  @PlainText()
  reason?: string;
}
