import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { TokenDenylist } from './session/token-denylist';
import { TokenService } from './token.service';

/** A bearer token's principal if it is valid and not revoked: for the doors the HTTP guard does not see (socket.io, SSE). */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly denylist: TokenDenylist,
  ) {}

  async principal(token: string | undefined): Promise<Principal | undefined> {
    const principal = this.tokens.verify(token);
    return principal && !(await this.denylist.isDenied(principal)) ? principal : undefined;
  }
}
