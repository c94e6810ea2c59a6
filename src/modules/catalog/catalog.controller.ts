import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PositiveIntPipe } from '../../common/positive-int.pipe';
import { AdminConsole, CurrentUser, Public } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { CatalogService } from './catalog.service';
import { CreateConcertDto, CreateOptionDto } from './dto/catalog.dto';

@ApiTags('catalog')
@Controller('api/concerts')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Public()
  @Get()
  listConcerts() {
    return this.catalog.listConcerts();
  }

  @Public()
  @Get(':id/options')
  listOptions(@Param('id', PositiveIntPipe) id: number) {
    return this.catalog.listOptions(id);
  }

  @Public()
  @Get('options/:optionId/seats')
  availableSeats(@Param('optionId', PositiveIntPipe) optionId: number) {
    return this.catalog.listSeats(optionId, true);
  }

  @Public()
  @Get('options/:optionId/seat-map')
  seatMap(@Param('optionId', PositiveIntPipe) optionId: number) {
    return this.catalog.listSeats(optionId, false);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminConsole()
@Controller('api/admin/concerts')
export class AdminCatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Post()
  createConcert(@CurrentUser() caller: Principal, @Body() body: CreateConcertDto) {
    return this.catalog.createConcert(body.title, body.artistName, caller);
  }

  @Post(':id/options')
  createOption(
    @CurrentUser() caller: Principal,
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: CreateOptionDto,
  ) {
    const date = new Date(body.concertDate);
    return this.catalog.createOption(id, date, body.seatCount, body.ticketPriceAmount, caller);
  }
}
