import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AdminConsole } from '../../common/auth/auth.decorators';
import { OptionalLimit, OptionalQueryId } from '../../common/ids';
import { AdminAction, ADMIN_ACTIONS, AdminActions } from './admin-actions';

const TARGET_TYPES = ['CONCERT', 'OPTION', 'USER'] as const;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

class AdminActionsQuery {
  @OptionalQueryId()
  actorUserId?: number;

  @ApiPropertyOptional({ enum: ADMIN_ACTIONS })
  @IsOptional()
  @IsIn(ADMIN_ACTIONS)
  action?: AdminAction;

  @ApiPropertyOptional({ enum: TARGET_TYPES })
  @IsOptional()
  @IsIn(TARGET_TYPES)
  targetType?: (typeof TARGET_TYPES)[number];

  @OptionalQueryId()
  targetId?: number;

  @OptionalLimit('default 50; values above 200 are clamped to 200')
  limit?: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/actions')
export class AdminActionsController {
  constructor(private readonly actions: AdminActions) {}

  /** Who changed what through the admin API, newest first (refund overrides: the admin-refunds audit). */
  @Get()
  list(@Query() query: AdminActionsQuery) {
    return this.actions.list({ ...query, limit: Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT) });
  }
}
