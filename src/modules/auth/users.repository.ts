import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Role } from '../../config/app-config';
import { queryOne, queryRows } from '../../database/sql';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Usernames are matched whatever their case (a unique index on lower(username) keeps them apart). */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  /** Inserts a user in the caller's transaction; undefined when the username is taken (the unique index decides). */
  insert(em: EntityManager, username: string, passwordHash: string, role: Role) {
    return queryOne<{ id: number; username: string; role: Role }>(
      em,
      `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING id, username, role`,
      [username, passwordHash, role],
    );
  }

  /** Sets the user's tier; undefined when there is no such user. */
  setTier(id: number, tier: string, em: EntityManager) {
    return queryOne<{ id: number; username: string; role: Role; tier: string }>(
      em,
      'UPDATE users SET tier = $2 WHERE id = $1 RETURNING id, username, role, tier',
      [id, tier],
    );
  }

  /** Users whose name starts with `prefix` (case-insensitive), shortest names first. */
  search(prefix: string, limit: number) {
    return queryRows<{ id: number; username: string; role: Role; tier: string }>(
      this.dataSource,
      `SELECT id, username, role, tier FROM users
        WHERE lower(username) LIKE lower($1) || '%' ESCAPE '\\'
        ORDER BY length(username), username LIMIT $2`,
      [prefix.replace(/[\\%_]/g, (c) => `\\${c}`), limit],
    );
  }

  async promoteToAdmin(id: number, passwordHash: string): Promise<void> {
    await this.repo.update({ id }, { role: 'ADMIN', passwordHash });
  }
}
