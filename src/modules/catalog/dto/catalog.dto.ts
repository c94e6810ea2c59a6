import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UtcTimestamp } from '../../../common/validation';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class CreateConcertDto {
  @ApiProperty({ example: 'Winter Live 2026' })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiPropertyOptional({ example: 'The Band' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  artistName?: string;
}

export class CreateOptionDto {
  @ApiProperty({
    example: '2026-12-24T19:00:00.000Z',
    description: 'show start, ISO-8601 with Z or an offset',
  })
  @UtcTimestamp()
  concertDate: string;

  @ApiPropertyOptional({ example: 100000, description: 'integer KRW; absent → DEFAULT_TICKET_PRICE' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  ticketPriceAmount?: number;

  @ApiProperty({ example: 100, minimum: 1, maximum: 5000 })
  @IsInt()
  @Min(1)
  @Max(5000)
  seatCount: number;
}
