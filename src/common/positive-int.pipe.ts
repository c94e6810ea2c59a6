import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './errors/domain-error';

const MAX_ID = 2_147_483_647; // ids are PostgreSQL integers

/** Path/query ids: a positive integer or 400 VALIDATION_FAILED (never a database error). */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    // The global ValidationPipe (transform: true) runs first: a `number`-typed parameter written as a
    // plain decimal arrives already converted ("1.5" → 1.5), anything else arrives as the raw string.
    const n =
      typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value)
        ? Number(value)
        : typeof value === 'number'
          ? value
          : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= MAX_ID) return n;
    throw new DomainError('VALIDATION_FAILED', 'id must be a positive integer', [
      `got ${JSON.stringify(value)}`,
    ]);
  }
}
