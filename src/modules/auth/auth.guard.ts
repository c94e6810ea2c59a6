import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { AppConfig, Role } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import {
  ADMIN_CONSOLE,
  HANDLER_RECORDS_REFUSAL,
  IS_PUBLIC,
  MINIMUM_ROLE,
} from '../../common/auth/auth.decorators';
import { hasRole, Principal } from '../../common/auth/principal';
import { AdminRefusalLimit } from './rate-limit/admin-refusal-limit';
import { TokenDenylist } from './session/token-denylist';
import { TokenService } from './token.service';

export function bearerToken(req: { headers: IncomingHttpHeaders }): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

type AuthenticatedRequest = { headers: IncomingHttpHeaders; user?: Principal };

/**
 * The request's principal from its bearer token, verified at most once per request: both global guards
 * (auth, rate limit) need it and Nest does not fix which of them runs first.
 */
export function principalOf(req: AuthenticatedRequest, tokens: TokenService): Principal | undefined {
  if (!('user' in req)) req.user = tokens.verify(bearerToken(req));
  return req.user;
}

/**
 * Global guard: every route needs a valid, unrevoked token unless marked @Public; role rules come from
 * metadata, and callers below a route's role are rate-limited (AdminRefusalLimit).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly denylist: TokenDenylist,
    private readonly config: AppConfig,
    private readonly adminRefusals: AdminRefusalLimit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const principal = principalOf(context.switchToHttp().getRequest<AuthenticatedRequest>(), this.tokens);
    if (!principal || (await this.denylist.isDenied(principal))) {
      throw new DomainError('UNAUTHENTICATED', 'A valid bearer token is required');
    }

    const minimum = this.reflector.getAllAndOverride<Role | undefined>(MINIMUM_ROLE, targets);
    const adminConsole = this.reflector.getAllAndOverride<boolean>(ADMIN_CONSOLE, targets);
    const required = adminConsole ? this.config.adminConsoleMinimumRole : minimum;
    if (required && !hasRole(principal, required)) {
      // An admin route called by a non-admin: counted (429 past the limit, before anything is recorded).
      await this.adminRefusals.count(principal.userId);
      if (this.reflector.getAllAndOverride<boolean>(HANDLER_RECORDS_REFUSAL, targets)) return true;
      throw new DomainError('FORBIDDEN', `Role ${required} required`);
    }
    return true;
  }
}
