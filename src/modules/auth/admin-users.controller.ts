import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole, CurrentUser } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AuthService } from './auth.service';
import { UserSearchQuery, UserTierDto } from './dto/auth.dto';

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/users')
export class AdminUsersController {
  constructor(private readonly auth: AuthService) {}

  /** Finds users by the start of their name (the tier editor and the reservation search). */
  @Get()
  search(@Query() query: UserSearchQuery) {
    return this.auth.searchUsers(query.username, Math.min(query.limit ?? 20, 100));
  }

  /** Sets a user's tier (presale eligibility); it applies from their next request, also to tokens issued before. */
  @Put(':id/tier')
  setTier(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: UserTierDto,
  ) {
    return this.auth.setTier(id, body.tier, caller);
  }
}
