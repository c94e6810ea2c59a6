import { Global, Module } from '@nestjs/common';
import { AdminActions } from './admin-actions';
import { AdminActionsController } from './admin-actions.controller';

/** The admin API's own audit trail (admin_actions), available to every module that offers an admin write. */
@Global()
@Module({
  controllers: [AdminActionsController],
  providers: [AdminActions],
  exports: [AdminActions],
})
export class AdminActionsModule {}
