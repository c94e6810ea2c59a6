import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/auth.decorators';
import { PaymentMethodsService } from './payment-methods.service';

@ApiTags('payments')
@Controller('api/payments')
export class PaymentMethodsController {
  constructor(private readonly methods: PaymentMethodsService) {}

  @Public()
  @Get('methods')
  list() {
    return this.methods.catalog;
  }
}
