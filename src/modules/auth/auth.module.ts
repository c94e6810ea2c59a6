import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PaymentModule } from '../payment/payment.module';
import { AdminUsersController } from './admin-users.controller';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { Authenticator } from './authenticator';
import { PasswordHasher } from './password-hasher';
import { AdminRefusalLimit } from './rate-limit/admin-refusal-limit';
import { RefreshTokensRepository } from './session/refresh-tokens.repository';
import { RefreshTokensPruner } from './session/refresh-tokens-pruner';
import { SessionWatch } from './session/session-watch';
import { SessionsService } from './session/sessions.service';
import { TokenDenylist } from './session/token-denylist';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

/**
 * Users, sessions (access tokens, rotating refresh tokens, logout) and the global auth guard. Imports
 * payment for the wallet a user gets at sign-up.
 */
@Module({
  imports: [PaymentModule],
  controllers: [AuthController, AdminUsersController],
  providers: [
    AuthService,
    UsersRepository,
    PasswordHasher,
    TokenService,
    TokenDenylist,
    RefreshTokensRepository,
    SessionsService,
    SessionWatch,
    RefreshTokensPruner,
    Authenticator,
    AdminRefusalLimit,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, TokenService, Authenticator, SessionWatch],
})
export class AuthModule {}
