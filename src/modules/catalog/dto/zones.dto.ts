import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_ZONES_PER_OPTION } from '../zones/zone-layout';

export class ZoneDto {
  @ApiProperty({
    example: 'VIP',
    minLength: 1,
    maxLength: 40,
    description: 'unique per option, whatever its case',
  })
  @IsString()
  @Length(1, 40)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({
    example: 180000,
    minimum: 0,
    description: 'integer KRW: what a hold of a seat of the zone costs',
  })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  priceAmount: number;

  @ApiPropertyOptional({ example: '#c0392b', description: '#rrggbb (stored in lower case); absent → null' })
  @IsOptional()
  @Matches(/^#[0-9a-fA-F]{6}$/, { message: 'color must be #rrggbb' })
  color?: string;

  @ApiPropertyOptional({ example: ['A', 'B'], description: 'whole rows of the option' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @IsString({ each: true })
  @Length(1, 20, { each: true })
  rows?: string[];

  @ApiPropertyOptional({ example: ['C-1', 'C-2'], description: 'single seats of the option' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @IsString({ each: true })
  @Length(1, 20, { each: true })
  seatNumbers?: string[];
}

export class ZoneLayoutDto {
  @ApiProperty({
    type: [ZoneDto],
    maxItems: MAX_ZONES_PER_OPTION,
    description: "the whole layout: it replaces the option's zones (a zone whose name stays keeps its id)",
  })
  @IsArray()
  @ArrayMaxSize(MAX_ZONES_PER_OPTION)
  @ValidateNested({ each: true })
  @Type(() => ZoneDto)
  categories: ZoneDto[];
}
