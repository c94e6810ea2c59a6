import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { Tier, TIERS } from '../../admission/sales-policy/sales-policy';
import { OptionalLimit } from '../../../common/ids';
import { REFRESH_TOKEN_FORMAT } from '../session/refresh-tokens.repository';

export class SignupDto {
  @ApiProperty({ example: 'fan_01', minLength: 3, maxLength: 40 })
  @IsString()
  @Length(3, 40)
  @Matches(/^[a-zA-Z0-9_.-]+$/, { message: 'username may contain letters, digits, _ . - only' })
  username: string;

  @ApiProperty({ example: 'correct-horse-battery', minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password: string;
}

export class LoginDto {
  @ApiProperty({ example: 'demo' })
  @IsString()
  @Length(1, 40)
  username: string;

  @ApiProperty({ example: 'demo-password' })
  @IsString()
  @Length(1, 128)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'from login or the last refresh', example: '42.<43 base64url characters>' })
  @IsString()
  @Matches(REFRESH_TOKEN_FORMAT, { message: 'refreshToken is not a refresh token' })
  refreshToken: string;
}

export class UserSearchQuery {
  @ApiProperty({ description: 'the start of the username (case-insensitive)', example: 'fan' })
  @IsString()
  @Length(1, 40)
  username: string;

  @OptionalLimit('default 20; values above 100 are clamped to 100')
  limit?: number;
}

export class UserTierDto {
  @ApiProperty({ enum: TIERS })
  @IsIn(TIERS)
  tier: Tier;
}
