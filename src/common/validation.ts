import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Unknown fields are rejected; every failure is 400 VALIDATION_FAILED with one line per problem. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) =>
      new DomainError('VALIDATION_FAILED', 'Request validation failed', flatten(errors)),
  });
}
