import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';

const COST = 10;
/** Marks a hash of the pre-hashed password (see prehash); hashes without it are bcrypt of the password. */
const PREHASHED = 'sha256:';

/**
 * bcrypt reads only the first 72 bytes of its input, and the contract allows 128-character passwords:
 * two passwords sharing their first 72 bytes would both match. bcrypt gets the password's SHA-256
 * digest instead (44 base64 characters, no NUL), so every byte counts.
 */
const prehash = (password: string) => createHash('sha256').update(password, 'utf8').digest('base64');

/** Compared against when the username does not exist, so login takes as long either way. */
const DUMMY_HASH = PREHASHED + bcrypt.hashSync(prehash('timing-equalizer'), COST);

@Injectable()
export class PasswordHasher {
  async hash(password: string): Promise<string> {
    return PREHASHED + (await bcrypt.hash(prehash(password), COST));
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const stored = hash ?? DUMMY_HASH;
    const ok = stored.startsWith(PREHASHED)
      ? await bcrypt.compare(prehash(password), stored.slice(PREHASHED.length))
      : await bcrypt.compare(password, stored); // written before pre-hashing: still verifies
    return ok && hash !== undefined;
  }
}
