import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PaymentModule } from '../payment/payment.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

/** Users, tokens and the global auth guard. Imports payment for the wallet a user gets at sign-up. */
@Module({
  imports: [PaymentModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    UsersRepository,
    PasswordHasher,
    TokenService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, TokenService],
})
export class AuthModule {}
