import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryOne } from '../../database/sql';

/** The one lookup realtime needs of its own: does an option exist (subscribe/stream to a real one only). */
@Injectable()
export class RealtimeQueries {
  constructor(private readonly dataSource: DataSource) {}

  async optionExists(optionId: number): Promise<boolean> {
    const row = await queryOne(this.dataSource, `SELECT 1 FROM concert_options WHERE id = $1`, [optionId]);
    return row !== undefined;
  }
}

const MAX_ID = 2_147_483_647;

/** A positive PostgreSQL integer id from a socket message or a header, else undefined. */
export function parseId(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,10}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_ID ? n : undefined;
}
