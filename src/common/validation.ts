import { applyDecorators, ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsISO8601, isISO8601, Matches } from 'class-validator';
import { DomainError } from './errors/domain-error';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((msg) =>
      msg.startsWith(e.property) ? msg : `${path}: ${msg}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Deeper JSON overflows class-transformer's recursion (about 2000 levels) and would answer 500. */
const MAX_BODY_DEPTH = 32;

function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Keys named like Object.prototype members (`__proto__`, `constructor`, `toString`, ...) or `prototype`
 * are dropped by class-transformer before `forbidNonWhitelisted` looks, so they slipped through as
 * "known". No DTO declares one: they are unknown fields, refused like any other.
 */
const SHADOWING_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

function shadowingKeys(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value).filter((key) => SHADOWING_KEYS.has(key));
}

/** A plain decimal number as a client would write it; no hex, exponent, padding or whitespace. */
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Bodies nested beyond MAX_BODY_DEPTH are refused before class-transformer recurses into them.
 * With `transform`, Nest turns every `number`-typed path/query value into `+value` before any
 * parameter pipe runs, so "0x10" became 16 and "1e3" 1000 and PositiveIntPipe could no longer tell.
 * Non-decimal strings are left as they came, for the parameter's own pipe to reject.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && deeperThan(value, MAX_BODY_DEPTH)) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        `body is nested deeper than ${MAX_BODY_DEPTH} levels`,
      ]);
    }
    const shadowing = metadata.type === 'body' || metadata.type === 'query' ? shadowingKeys(value) : [];
    if (shadowing.length > 0) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Request validation failed',
        shadowing.map((key) => `property ${key} should not exist`),
      );
    }
    return super.transform(value, metadata);
  }

  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.metatype === Number && typeof value === 'string' && !DECIMAL.test(value)) return value;
    return super.transformPrimitive(value, metadata);
  }
}

/** Unknown fields are rejected; every failure is 400 VALIDATION_FAILED with one line per problem. */
export function validationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) =>
      new DomainError('VALIDATION_FAILED', 'Request validation failed', flatten(errors)),
  });
}

/** Date and time, seconds and fraction optional, with a zone: `Z` or an explicit `±HH:MM` offset. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** What a timestamp becomes once normalised: Date#toISOString's form. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A request timestamp in UTC (`2026-12-24T10:00:00.000Z`) when it names an instant: a real date and time
 * with `Z` or an offset. Anything else (a bare date, which would be read as UTC midnight; a time without
 * an offset, which would be read in the server's zone; Feb 30) is returned unchanged for the validator
 * to refuse.
 */
export function toUtcTimestamp(value: unknown): unknown {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || !isISO8601(value, { strict: true })) {
    return value;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/**
 * Every timestamp a request carries (body or query): ISO-8601 with `Z` or an explicit offset, normalised
 * to UTC before the handler sees it (`2026-12-24T19:00:00+09:00` arrives as `2026-12-24T10:00:00.000Z`).
 * A bare date or a time without an offset is 400 VALIDATION_FAILED.
 */
export const UtcTimestamp = () =>
  applyDecorators(
    Transform(({ value }) => toUtcTimestamp(value), { toClassOnly: true }),
    Matches(ISO_UTC, {
      message: ({ property }) =>
        `${property} must be an ISO-8601 timestamp with Z or an offset (e.g. 2026-12-24T19:00:00Z or 2026-12-24T19:00:00+09:00)`,
    }),
    // A real date: `2026-02-30T00:00:00.000Z` has the form but names no day.
    IsISO8601({ strict: true }),
  );
