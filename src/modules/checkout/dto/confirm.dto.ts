import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { MockOutcome } from '../../../config/app-config';

export class ConfirmDto {
  @ApiPropertyOptional({
    enum: ['CARD', 'KAKAOPAY', 'NAVERPAY', 'WALLET'],
    description: "absent → the catalog's defaultMethod",
  })
  @IsOptional()
  @IsIn(['CARD', 'KAKAOPAY', 'NAVERPAY', 'WALLET'])
  paymentMethod?: string;

  @ApiPropertyOptional({ enum: ['approve', 'decline', 'pending'], description: 'mock provider only' })
  @IsOptional()
  @IsIn(['approve', 'decline', 'pending'])
  mockOutcome?: MockOutcome;
}
