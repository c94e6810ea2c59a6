import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { AuthService } from './auth.service';
import { LoginDto, RefreshDto, SignupDto } from './dto/auth.dto';
import { SessionsService } from './session/sessions.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

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

  /** A new access token and refresh token for a live refresh token, which is spent. */
  @Public()
  @Post('token/refresh')
  @HttpCode(200)
  refresh(@Body() body: RefreshDto) {
    return this.sessions.refresh(body.refreshToken);
  }

  /** The access token and its session (refresh family) stop working at once, on every instance. */
  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() caller: Principal): Promise<void> {
    await this.sessions.logout(caller);
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: Principal) {
    return this.auth.me(user.userId);
  }
}
