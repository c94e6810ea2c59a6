import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';
import { PG_INT_MAX } from '../../../common/ids';

/** At most this many reservations per bulk cancel: one page of a fan's tickets, a bounded request. */
export const BULK_CANCEL_MAX = 20;

export class BulkCancelDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: BULK_CANCEL_MAX, example: [12, 13] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BULK_CANCEL_MAX)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(PG_INT_MAX, { each: true })
  reservationIds: number[];
}
