import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminConsole, CurrentUser, Public } from '../../../common/auth/auth.decorators';
import type { Principal } from '../../../common/auth/principal';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { SalesPolicyDto } from '../dto/sales-policy.dto';
import { SalesPolicyService } from './sales-policy.service';

@ApiTags('sales policy')
@Controller('api/concerts')
export class SalesPolicyController {
  constructor(private readonly policies: SalesPolicyService) {}

  /** The concert's presale, general sale start and per-user limit; 404 when it has none. */
  @Public()
  @Get(':id/sales-policy')
  get(@Param('id', PositiveIntPipe) concertId: number) {
    return this.policies.get(concertId);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/concerts')
export class AdminSalesPolicyController {
  constructor(private readonly policies: SalesPolicyService) {}

  /** Creates or replaces the policy; it applies from the next request on every instance. */
  @Put(':id/sales-policy')
  put(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) concertId: number,
    @Body() body: SalesPolicyDto,
  ) {
    return this.policies.put(concertId, body, caller);
  }
}
