import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/**
 * A POST that takes the contract's optional `Idempotency-Key` header (its handler goes through
 * IdempotencyService.handle, which replays the stored answer): the route, its success status, and the
 * header in the OpenAPI document, declared once for every such route.
 */
export const IdempotentPost = (path: string, status: 200 | 201) =>
  applyDecorators(
    Post(path),
    HttpCode(status),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'replays the stored response for 24 h',
    }),
  );
