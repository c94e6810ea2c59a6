import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { Role } from '../../config/app-config';
import { AdminActions } from '../../infra/admin-actions/admin-actions';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import { WalletService } from '../payment/wallet.service';
import { PasswordHasher } from './password-hasher';
import { SessionsService } from './session/sessions.service';
import { UsersRepository } from './users.repository';

export interface UserView {
  id: number;
  username: string;
  role: Role;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly wallets: WalletService,
    private readonly dataSource: DataSource,
    private readonly actions: AdminActions,
  ) {}

  /** The user and their wallet, in one transaction. */
  async signup(username: string, password: string, role: Role = 'USER'): Promise<UserView> {
    const hash = await this.hasher.hash(password);
    const user = await inTransaction(this.dataSource, async (em) => {
      const created = await this.users.insert(em, username, hash, role);
      if (created) await this.wallets.open(em, created.id);
      return created;
    });
    if (!user) throw new DomainError('USERNAME_TAKEN', `Username "${username}" is already taken`);
    return user;
  }

  async login(username: string, password: string) {
    const user = await this.users.findByUsername(username);
    const ok = await this.hasher.verify(password, user?.passwordHash);
    if (!user || !ok) throw new DomainError('UNAUTHENTICATED', 'Invalid username or password');
    return this.sessions.start(user);
  }

  async me(userId: number) {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('User');
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      tier: user.tier,
      walletBalanceAmount: await this.wallets.balanceOf(user.id),
    };
  }

  searchUsers(prefix: string, limit: number) {
    return this.users.search(prefix, limit);
  }

  /** Sets a user's tier; the admin who did it is recorded with the change. */
  async setTier(userId: number, tier: string, actor: Principal) {
    return inTransaction(this.dataSource, async (em) => {
      const user = await this.users.setTier(userId, tier, em);
      if (!user) throw notFound('User');
      const entry = {
        action: 'USER_TIER_SET',
        targetType: 'USER',
        targetId: userId,
        detail: { tier },
      } as const;
      await this.actions.record(em, actor, entry);
      return user;
    });
  }

  /** A seeded demo account's tier, set at start-up with no admin behind it (so no admin-action row). */
  async seedTier(userId: number, tier: string): Promise<void> {
    await inTransaction(this.dataSource, (em) => this.users.setTier(userId, tier, em));
  }

  /** The usernames among `accounts` that exist and whose password is still the one given. */
  async stillUsingPassword(accounts: readonly { username: string; password: string }[]): Promise<string[]> {
    const matches = await Promise.all(
      accounts.map(async ({ username, password }) => {
        const user = await this.users.findByUsername(username);
        return user !== null && (await this.hasher.verify(password, user.passwordHash));
      }),
    );
    return accounts.filter((_, i) => matches[i]).map((a) => a.username);
  }

  /** Creates (or promotes and resets) the ADMIN account named by ADMIN_USERNAME / ADMIN_PASSWORD. */
  async ensureAccount(username: string, password: string, role: Role): Promise<UserView> {
    const existing = await this.users.findByUsername(username);
    if (!existing) return this.signup(username, password, role);
    if (role === 'ADMIN') await this.users.promoteToAdmin(existing.id, await this.hasher.hash(password));
    this.logger.log(`account ${username} already exists`);
    return { id: existing.id, username: existing.username, role };
  }
}
