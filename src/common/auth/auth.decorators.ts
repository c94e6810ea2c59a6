import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../../config/app-config';
import type { Principal } from './principal';

export const IS_PUBLIC = 'auth:public';
export const MINIMUM_ROLE = 'auth:minimumRole';
export const ADMIN_CONSOLE = 'auth:adminConsole';
export const HANDLER_RECORDS_REFUSAL = 'auth:handlerRecordsRefusal';

/** No token needed (catalog reads, signup, login, webhooks, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** The caller's role must be at least `role`. */
export const RequireRole = (role: Role) => SetMetadata(MINIMUM_ROLE, role);
/** Gated by ADMIN_CONSOLE_MINIMUM_ROLE (default ADMIN): the `/api/admin/**` console. */
export const AdminConsole = () => SetMetadata(ADMIN_CONSOLE, true);
/**
 * With RequireRole: a caller below the role still reaches the handler, which must record the refusal
 * (the refund override's DENIED audit row) and answer 403 itself. The guard still rate-limits such
 * callers like every other refused admin call.
 */
export const HandlerRecordsRefusal = () => SetMetadata(HANDLER_RECORDS_REFUSAL, true);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ user: Principal }>().user;
});
