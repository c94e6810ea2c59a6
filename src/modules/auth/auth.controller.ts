import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public } from '../../common/auth/auth.decorators';
import { AuthService } from './auth.service';
import { LoginDto, SignupDto } from './dto/auth.dto';
import type { Principal } from '../../common/auth/principal';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('signup')
  signup(@Body() body: SignupDto) {
    return this.auth.signup(body.username, body.password);
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.auth.login(body.username, body.password);
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: Principal) {
    return this.auth.me(user.userId);
  }
}
