import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { BodyId, QueryId } from '../../../common/ids';
import { UtcTimestamp } from '../../../common/validation';
import { DEFAULT_ACTIVE_TTL_SECONDS } from '../waiting-room/room-config';

export class WaitingRoomDto {
  @ApiProperty({ description: 'false: the room gates nothing and everyone is ACTIVE at once' })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({
    minimum: 1,
    maximum: 600000,
    example: 3000,
    description: 'spread evenly, at least once a second',
  })
  @IsInt()
  @Min(1)
  @Max(600_000)
  admissionPerMinute: number;

  @ApiProperty({ minimum: 1, maximum: 1000000, example: 2000, description: 'ACTIVE fans at most at once' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxActiveUsers: number;

  @ApiPropertyOptional({ minimum: 10, maximum: 3600, default: DEFAULT_ACTIVE_TTL_SECONDS })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3600)
  activeTtlSeconds?: number;

  @ApiPropertyOptional({
    example: '2026-12-10T10:00:00.000Z',
    description: 'joins before it are shuffled once at it',
  })
  @IsOptional()
  @UtcTimestamp()
  opensAt?: string;
}

export class ConcertIdBody {
  @ApiProperty({ example: 1 })
  @BodyId()
  concertId: number;
}

export class ConcertIdQuery {
  @QueryId()
  concertId: number;
}
