import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { OptionalLimit } from '../../../common/ids';
import { PlainText } from '../../../common/text';

export const ROW_RESULTS = ['PENDING', 'REFUNDED', 'FAILED'] as const;

export class CancelShowDto {
  @ApiProperty({ minLength: 3, maxLength: 500, example: 'Storm warning: the venue is closed' })
  @IsString()
  @Length(3, 500)
  @PlainText()
  reason: string;

  @ApiPropertyOptional({ description: 'true: answer the totals only, change nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class RunOrdersQuery {
  @ApiPropertyOptional({ enum: ROW_RESULTS })
  @IsOptional()
  @IsIn(ROW_RESULTS)
  result?: (typeof ROW_RESULTS)[number];

  @OptionalLimit('default 50; values above 200 are clamped to 200')
  limit?: number;
}
