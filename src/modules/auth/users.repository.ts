import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import type { Role } from '../../config/app-config';
import { isUniqueViolation } from '../../database/pg-errors';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ username });
  }

  /** Inserts a user; returns undefined when the username is taken (the unique index decides). */
  async insert(username: string, passwordHash: string, role: Role, walletBalanceAmount: number) {
    try {
      return await this.repo.save(this.repo.create({ username, passwordHash, role, walletBalanceAmount }));
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async promoteToAdmin(id: number, passwordHash: string): Promise<void> {
    await this.repo.update({ id }, { role: 'ADMIN', passwordHash });
  }
}
