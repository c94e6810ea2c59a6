import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

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
