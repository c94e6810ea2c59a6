import { UserEntity } from '../modules/auth/user.entity';
import { ConcertEntity, ConcertOptionEntity, SeatEntity } from '../modules/catalog/catalog.entities';

/** Every TypeORM entity; the schema itself lives in migrations/. Hot paths use hand-written SQL instead. */
export const ENTITIES = [UserEntity, ConcertEntity, ConcertOptionEntity, SeatEntity];
