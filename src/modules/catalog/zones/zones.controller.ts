import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole, CurrentUser, Public } from '../../../common/auth/auth.decorators';
import type { Principal } from '../../../common/auth/principal';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { ZoneLayoutDto } from '../dto/zones.dto';
import { ZonesService } from './zones.service';

@ApiTags('catalog')
@Controller('api/concerts/options')
export class ZonesController {
  constructor(private readonly zones: ZonesService) {}

  /** The option's price zones in the admin's order, with their seats and the seats /seats lists. */
  @Public()
  @Get(':optionId/categories')
  list(@Param('optionId', PositiveIntPipe) optionId: number) {
    return this.zones.list(optionId);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/concerts/options')
export class AdminZonesController {
  constructor(private readonly zones: ZonesService) {}

  /** Replaces the option's zone layout in one transaction; anything wrong in it → 400 and no change. */
  @Put(':optionId/categories')
  replace(
    @CurrentUser() caller: Principal,
    @Param('optionId', PositiveIntPipe) optionId: number,
    @Body() body: ZoneLayoutDto,
  ) {
    return this.zones.replace(optionId, body.categories, caller);
  }
}
