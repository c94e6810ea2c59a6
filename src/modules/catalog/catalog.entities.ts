import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SeatStatus = 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';

@Entity('concerts')
export class ConcertEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @Column({ name: 'artist_name', type: 'varchar', nullable: true }) artistName: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('concert_options')
export class ConcertOptionEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'concert_id' }) concertId: number;
  @Column({ name: 'concert_date', type: 'timestamptz' }) concertDate: Date;
  @Column({ name: 'ticket_price_amount', type: 'bigint' }) ticketPriceAmount: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('seats')
export class SeatEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'option_id' }) optionId: number;
  @Column({ name: 'seat_number' }) seatNumber: string;
  @Column({ type: 'varchar' }) status: SeatStatus;
}
