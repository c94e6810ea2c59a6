import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../common/auth/principal';
import { inTransaction } from '../../../database/transaction';
import { AdminActions } from '../../../infra/admin-actions/admin-actions';
import { DomainError, notFound } from '../../../common/errors/domain-error';
import { SalesPolicyDto } from '../dto/sales-policy.dto';
import { SalesPolicy } from './sales-policy';
import { SalesPolicyRepository } from './sales-policy.repository';

/** GET and PUT of a concert's sales policy, with the rules a body alone cannot express. */
@Injectable()
export class SalesPolicyService {
  constructor(
    private readonly policies: SalesPolicyRepository,
    private readonly actions: AdminActions,
    private readonly dataSource: DataSource,
  ) {}

  async get(concertId: number): Promise<SalesPolicy> {
    const policy = await this.policies.find(concertId);
    if (!policy) throw notFound('Sales policy');
    return policy;
  }

  /** `actor`: the admin who asked (recorded in admin_actions with the change); none for the demo seed. */
  async put(concertId: number, body: SalesPolicyDto, actor?: Principal): Promise<SalesPolicy> {
    const policy: SalesPolicy = {
      concertId,
      presaleStartAt: body.presaleStartAt ? new Date(body.presaleStartAt) : null,
      presaleEndAt: body.presaleEndAt ? new Date(body.presaleEndAt) : null,
      presaleMinimumTier: body.presaleMinimumTier ?? null,
      generalSaleStartAt: new Date(body.generalSaleStartAt),
      maxReservationsPerUser: body.maxReservationsPerUser,
    };
    const problems = policyProblems(policy);
    if (problems.length) throw new DomainError('VALIDATION_FAILED', 'Request validation failed', problems);
    return inTransaction(this.dataSource, async (em) => {
      const saved = await this.policies.upsert(policy, em);
      if (!saved) throw notFound('Concert');
      const entry = {
        action: 'SALES_POLICY_SET',
        targetType: 'CONCERT',
        targetId: concertId,
        detail: body,
      } as const;
      if (actor) await this.actions.record(em, actor, entry);
      return saved;
    });
  }
}

/** The contract's rules between fields: presale start and end both or neither, start < end ≤ general start. */
function policyProblems(p: SalesPolicy): string[] {
  const problems: string[] = [];
  if ((p.presaleStartAt === null) !== (p.presaleEndAt === null)) {
    problems.push('presaleStartAt and presaleEndAt must be given together');
  } else if (p.presaleStartAt && p.presaleEndAt) {
    if (p.presaleStartAt >= p.presaleEndAt) problems.push('presaleStartAt must be before presaleEndAt');
    if (p.presaleEndAt > p.generalSaleStartAt)
      problems.push('presaleEndAt must not be after generalSaleStartAt');
  }
  if (p.presaleMinimumTier && !p.presaleStartAt) problems.push('presaleMinimumTier needs a presale window');
  return problems;
}
