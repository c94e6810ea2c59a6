import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, MockOutcome } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { PAYMENT_GATEWAY, PaymentGateway, PaymentMethodCode } from './gateway/payment-gateway.port';
import { buildMethodsCatalog, PaymentMethodsCatalog } from './payment-methods';

@Injectable()
export class PaymentMethodsService {
  readonly catalog: PaymentMethodsCatalog;

  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    config: AppConfig,
  ) {
    this.catalog = buildMethodsCatalog(gateway, config.paymentMethodStatusOverrides);
  }

  /** A confirm may name its outcome only where the provider simulates outcomes (the mock). */
  checkMockOutcome(mockOutcome: MockOutcome | undefined): void {
    if (mockOutcome && !this.gateway.acceptsMockOutcome) {
      throw new DomainError('VALIDATION_FAILED', 'mockOutcome is only accepted by the mock provider', [
        'mockOutcome: not allowed with this payment provider',
      ]);
    }
  }

  /** The method to charge with: the requested one if enabled, else the catalog default. */
  resolve(requested?: string): PaymentMethodCode {
    const code = requested ?? this.catalog.defaultMethod;
    const method = this.catalog.methods.find((m) => m.code === code);
    if (!method || !method.enabled) {
      throw new DomainError(
        'PAYMENT_METHOD_UNAVAILABLE',
        `Payment method ${code ?? '(none)'} is not available`,
      );
    }
    return method.code;
  }
}
