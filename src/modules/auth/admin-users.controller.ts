import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole } from '../../common/auth/auth.decorators';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AuthService } from './auth.service';
import { UserTierDto } from './dto/auth.dto';

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/users')
export class AdminUsersController {
  constructor(private readonly auth: AuthService) {}

  /** Sets a user's tier (presale eligibility); it applies from their next request, also to tokens issued before. */
  @Put(':id/tier')
  setTier(@Param('id', PositiveIntPipe) id: number, @Body() body: UserTierDto) {
    return this.auth.setTier(id, body.tier);
  }
}
