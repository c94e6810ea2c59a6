import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { DomainError } from '../../../common/errors/domain-error';
import { PG_INT_MAX } from '../../../common/ids';
import { PlainText } from '../../../common/text';
import { parseAdminOverride } from './admin-refund.dto';

/** An order has at most MAX_SEATS_PER_ORDER (≤ 50) items. */
const ITEMS_MAX = 50;

export class OrderRefundDto {
  @ApiPropertyOptional({
    type: [Number],
    minItems: 1,
    maxItems: ITEMS_MAX,
    description: 'items of the order to refund (each CONFIRMED); omitted: every CONFIRMED item',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ITEMS_MAX)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(PG_INT_MAX, { each: true })
  reservationIds?: number[];
}

export class AdminOrderRefundDto extends OrderRefundDto {
  @ApiProperty({ minLength: 3, maxLength: 500, example: 'Seat broken, refunded by the box office' })
  @IsString()
  @Length(3, 500)
  @PlainText()
  reason: string;
}

/** An admin order refund as received, parsed without throwing (the role check and its audit come first). */
export interface OrderOverrideRequest {
  id?: number;
  reason?: string;
  reservationIds?: number[];
  invalid?: DomainError;
}

export async function parseOrderOverrideRequest(
  rawId: unknown,
  rawBody: unknown,
): Promise<OrderOverrideRequest> {
  const { id, dto, invalid } = await parseAdminOverride(rawId, rawBody, AdminOrderRefundDto);
  return { id, reason: dto?.reason, reservationIds: dto?.reservationIds, invalid };
}
