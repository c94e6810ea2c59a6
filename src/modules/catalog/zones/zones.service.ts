import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { inTransaction } from '../../../database/transaction';
import { AdminActions } from '../../../infra/admin-actions/admin-actions';
import { AdmissionService } from '../../admission/admission.service';
import { resolveLayout, ZoneInput } from './zone-layout';
import { ZoneRow, ZonesRepository } from './zones.repository';

/**
 * Price zones (seat categories) of an option: the public list and the admin's PUT, which replaces the
 * whole layout in one transaction or, when anything in it is wrong, changes nothing. A hold reads the
 * price from the seat row, so a layout applies to holds from its commit on and never to a held seat.
 */
@Injectable()
export class ZonesService {
  constructor(
    private readonly zones: ZonesRepository,
    private readonly admission: AdmissionService,
    private readonly actions: AdminActions,
    private readonly dataSource: DataSource,
  ) {}

  async list(optionId: number): Promise<ZoneRow[]> {
    if (!(await this.zones.lockOption(this.dataSource.manager, optionId, false))) {
      throw notFound('Concert option');
    }
    return this.zones.list(optionId, [...(await this.admission.lockedSeats(optionId))]);
  }

  /** `actor`: the admin who asked (recorded in admin_actions with the layout); none for the demo seed. */
  async replace(optionId: number, input: ZoneInput[], actor?: Principal): Promise<ZoneRow[]> {
    const selecting = await this.admission.lockedSeats(optionId);
    return inTransaction(this.dataSource, async (em) => {
      if (!(await this.zones.lockOption(em, optionId, true))) throw notFound('Concert option');
      const layout = resolveLayout(await this.zones.layoutSeats(em, optionId), input);
      if ('problems' in layout) {
        throw new DomainError('VALIDATION_FAILED', 'Request validation failed', layout.problems);
      }
      await this.zones.replace(em, optionId, layout.zones);
      if (actor) {
        await this.actions.record(em, actor, {
          action: 'ZONES_SET',
          targetType: 'OPTION',
          targetId: optionId,
          detail: { categories: input },
        });
      }
      return this.zones.list(optionId, [...selecting], em);
    });
  }
}
