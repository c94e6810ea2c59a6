import { Module } from '@nestjs/common';
import { ReservationModule } from '../../reservation/reservation.module';
import { LedgerRepository } from '../ledger.repository';
import { PaymentModule } from '../payment.module';
import { PaymentReconciler } from './payment-reconciler.service';
import { ReconcileRepository } from './reconcile.repository';
import { ReconcileScheduler } from './reconcile-scheduler';

/**
 * Crash recovery for payments (see PaymentReconciler). A module of its own for the same reason as the
 * webhook module: it moves reservations, and the reservation module already imports the payment module.
 */
@Module({
  imports: [PaymentModule, ReservationModule],
  providers: [LedgerRepository, ReconcileRepository, PaymentReconciler, ReconcileScheduler],
  exports: [PaymentReconciler],
})
export class ReconcileModule {}
