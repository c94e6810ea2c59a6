import { z } from 'zod';
import { parsePositiveId } from '../../common/ids';

/**
 * The claims of an access token, every one of them typed, in one place: the HTTP guard, the SSE stream
 * and the socket.io handshake all verify through TokenService, which parses with this schema. A correctly
 * signed token with any claim of the wrong type (a `sub` that is an array, an object, "abc", 0, a float
 * or beyond the id range; a role we do not know; a non-numeric `exp`; a session id that is not a string)
 * is no token at all: 401, never someone's principal and never a lookup of a user who cannot exist.
 */
export const accessTokenClaims = z
  .object({
    // One rule for ids (parsePositiveId); we sign a decimal string, as JWT's `sub` is a string.
    sub: z.unknown().transform((value, ctx) => {
      const userId = parsePositiveId(value);
      if (userId === undefined) ctx.addIssue({ code: 'custom', message: 'sub must be a positive user id' });
      return userId ?? z.NEVER;
    }),
    role: z.enum(['USER', 'ADMIN']),
    exp: z.number().positive(),
    iat: z.number().nonnegative().optional(),
    nbf: z.number().nonnegative().optional(),
    jti: z.string().min(1).max(100).optional(),
    fam: z.string().min(1).max(100).optional(),
  })
  // A session is both ids or none (tokens from before sessions existed carry neither).
  .refine((claims) => (claims.jti === undefined) === (claims.fam === undefined), {
    message: 'jti and fam come together',
  });

export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;
