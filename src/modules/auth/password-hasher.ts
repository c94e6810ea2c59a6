import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';

const COST = 10;
/** Compared against when the username does not exist, so login takes as long either way. */
const DUMMY_HASH = bcrypt.hashSync('timing-equalizer', COST);

@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return bcrypt.hash(password, COST);
  }

  verify(password: string, hash: string | undefined): Promise<boolean> {
    return bcrypt.compare(password, hash ?? DUMMY_HASH).then((ok) => ok && hash !== undefined);
  }
}
