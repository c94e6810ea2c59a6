import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './errors/domain-error';
import { parsePositiveId } from './ids';

/** Path ids: a positive integer or 400 VALIDATION_FAILED (never a database error). */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    // The global ValidationPipe (transform: true) runs first: a `number`-typed parameter written as a
    // plain decimal arrives already converted ("1.5" → 1.5), anything else arrives as the raw string.
    const id = parsePositiveId(value);
    if (id !== undefined) return id;
    throw new DomainError('VALIDATION_FAILED', 'id must be a positive integer', [
      `got ${JSON.stringify(value)}`,
    ]);
  }
}
