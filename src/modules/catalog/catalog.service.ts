import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { notFound } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import { CatalogRepository } from './catalog.repository';

@Injectable()
export class CatalogService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  listConcerts() {
    return this.catalog.listConcerts();
  }

  async listOptions(concertId: number) {
    if (!(await this.catalog.findConcert(concertId))) throw notFound('Concert');
    return this.catalog.listOptions(concertId);
  }

  optionExists(optionId: number): Promise<boolean> {
    return this.catalog.optionExists(optionId);
  }

  async listSeats(optionId: number, onlyAvailable: boolean) {
    if (!(await this.catalog.optionExists(optionId))) throw notFound('Concert option');
    return this.catalog.listSeats(optionId, onlyAvailable);
  }

  async createConcert(title: string, artistName?: string) {
    return inTransaction(this.dataSource, async (em) => {
      const id = await this.catalog.insertConcert(title, artistName ?? null, em);
      return (await this.catalog.findConcert(id, em))!;
    });
  }

  async createOption(concertId: number, concertDate: Date, seatCount: number, ticketPriceAmount?: number) {
    return inTransaction(this.dataSource, async (em) => {
      if (!(await this.catalog.findConcert(concertId, em))) throw notFound('Concert');
      const price = ticketPriceAmount ?? this.config.defaultTicketPrice;
      const id = await this.catalog.insertOptionWithSeats(concertId, concertDate, price, seatCount, em);
      return (await this.catalog.findOption(id, em))!;
    });
  }
}
