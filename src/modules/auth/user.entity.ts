import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../../config/app-config';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column() username: string;
  @Column({ name: 'password_hash' }) passwordHash: string;
  @Column({ type: 'varchar' }) role: Role;
  /** Presale eligibility (admission's sales policy reads it in SQL). */
  @Column({ type: 'varchar' }) tier: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
