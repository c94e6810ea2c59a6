import { BodyId } from '../../../common/ids';
import { UtcTimestamp } from '../../../common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

/**
 * The PG's event, validated after its signature has been checked on the raw bytes. Only the fields the
 * contract names are allowed (the global pipe rejects unknown ones).
 */
export class PgWebhookEventDto {
  @ApiProperty({ example: 'evt_01J...', description: 'unique per event; repeats are answered as duplicates' })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'providerEventId must be 1-200 printable ASCII characters' })
  providerEventId: string;

  @ApiProperty({ enum: ['PAYMENT'] })
  @IsIn(['PAYMENT'])
  eventType: 'PAYMENT';

  @ApiProperty({ enum: ['APPROVED', 'FAILED'] })
  @IsIn(['APPROVED', 'FAILED'])
  status: 'APPROVED' | 'FAILED';

  @ApiPropertyOptional({ example: 12, description: 'any item of the order; or send orderId' })
  @ValidateIf((e: PgWebhookEventDto) => e.orderId === undefined || e.reservationId !== undefined)
  @BodyId()
  reservationId?: number;

  @ApiPropertyOptional({ example: 7, description: 'the order whose attempt this is; or send reservationId' })
  @IsOptional()
  @BodyId()
  orderId?: number;

  @ApiPropertyOptional({ description: "our attempt id (the reservation's paymentTransactionId)" })
  @IsOptional()
  @BodyId()
  paymentTransactionId?: number;

  @ApiPropertyOptional({ description: "the attempt's idempotencyKey, as sent to the PG" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  idempotencyKey?: string;

  @ApiProperty({ description: 'integer KRW; must equal the attempt amount' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @ApiPropertyOptional()
  @IsOptional()
  @UtcTimestamp()
  occurredAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  failureReason?: string;
}

export type PgWebhookResult = 'CONFIRMED' | 'PAYMENT_FAILED' | 'AUTO_REFUNDED' | 'IGNORED_TERMINAL';

export interface PgWebhookAnswer {
  accepted: true;
  duplicate: boolean;
  result?: PgWebhookResult;
}
