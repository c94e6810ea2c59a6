import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { DomainError } from '../../../common/errors/domain-error';
import { PlainText } from '../../../common/text';
import { OptionalLimit, OptionalQueryId } from '../../../common/ids';
import { PositiveIntPipe } from '../../../common/positive-int.pipe';
import { UtcTimestamp, validationPipe } from '../../../common/validation';

export const AUDIT_RESULTS = ['SUCCESS', 'DENIED', 'FAILED'] as const;

export class AdminRefundDto {
  @ApiProperty({ minLength: 3, maxLength: 500, example: 'Show cancelled by the venue' })
  @IsString()
  @Length(3, 500)
  @PlainText()
  reason: string;
}

export class AdminRefundAuditQuery {
  @OptionalQueryId()
  reservationId?: number;

  @OptionalQueryId()
  actorUserId?: number;

  @ApiPropertyOptional({ enum: AUDIT_RESULTS })
  @IsOptional()
  @IsIn(AUDIT_RESULTS)
  result?: (typeof AUDIT_RESULTS)[number];

  @ApiPropertyOptional({ example: '2026-11-24T00:00:00.000Z', description: 'inclusive, ISO-8601 UTC (Z)' })
  @IsOptional()
  @UtcTimestamp()
  fromAt?: string;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00.000Z', description: 'inclusive, ISO-8601 UTC (Z)' })
  @IsOptional()
  @UtcTimestamp()
  toAt?: string;

  @OptionalLimit('default 50; values above 200 are clamped to 200')
  limit?: number;
}

/**
 * An override request as received, parsed without throwing: a non-admin caller must get a DENIED audit row
 * and 403 whatever they sent, so the role check has to come before input errors are answered.
 */
export interface OverrideRequest {
  id?: number;
  reason?: string;
  /** The first input problem (bad id or body), answered after the role check. */
  invalid?: DomainError;
}

/**
 * An admin override's id and body, parsed without throwing: the first input problem is kept in
 * `invalid`, to be answered after the role check (so a non-admin gets 403 and a DENIED row whatever
 * they sent). Shared by the v7 override and the order override, which differ only in their body.
 */
export async function parseAdminOverride<T extends object>(
  rawId: unknown,
  rawBody: unknown,
  metatype: new () => T,
): Promise<{ id?: number; dto?: T; invalid?: DomainError }> {
  const parsed: { id?: number; dto?: T; invalid?: DomainError } = {};
  try {
    parsed.id = new PositiveIntPipe().transform(rawId);
  } catch (err) {
    parsed.invalid = err as DomainError;
  }
  const body = rawBody ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    parsed.invalid ??= new DomainError('VALIDATION_FAILED', 'Request body must be a JSON object');
    return parsed;
  }
  try {
    parsed.dto = (await validationPipe().transform(body, { type: 'body', metatype })) as T;
  } catch (err) {
    parsed.invalid ??= err as DomainError;
  }
  return parsed;
}

export async function parseOverrideRequest(rawId: unknown, rawBody: unknown): Promise<OverrideRequest> {
  const { id, dto, invalid } = await parseAdminOverride(rawId, rawBody, AdminRefundDto);
  return { id, reason: dto?.reason, invalid };
}
