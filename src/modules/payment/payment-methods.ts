import type { PaymentGateway, PaymentMethodCode } from './gateway/payment-gateway.port';

export type MethodStatus = 'AVAILABLE' | 'PLANNED' | 'MAINTENANCE' | 'DISABLED';

export interface PaymentMethodView {
  code: PaymentMethodCode;
  label: string;
  enabled: boolean;
  status: MethodStatus;
  message: string;
}

export interface PaymentMethodsCatalog {
  provider: string;
  providerMode: string;
  defaultMethod: PaymentMethodCode | null;
  methods: PaymentMethodView[];
}

const LABELS: Record<PaymentMethodCode, string> = {
  CARD: 'Credit / debit card',
  KAKAOPAY: 'KakaoPay',
  NAVERPAY: 'Naver Pay',
  WALLET: 'Wallet balance',
};

const MESSAGES: Record<MethodStatus, string> = {
  AVAILABLE: 'Available',
  PLANNED: 'Coming soon',
  MAINTENANCE: 'Temporarily unavailable for maintenance',
  DISABLED: 'Not offered',
};

/** Pure: the method catalog for a provider, with PAYMENT_METHOD_STATUS_OVERRIDES applied. */
export function buildMethodsCatalog(
  gateway: Pick<PaymentGateway, 'provider' | 'mode' | 'supportedMethods' | 'availableByDefault'>,
  overrides: Record<string, string>,
): PaymentMethodsCatalog {
  const methods = gateway.supportedMethods.map((code): PaymentMethodView => {
    const fallback: MethodStatus = gateway.availableByDefault.includes(code) ? 'AVAILABLE' : 'PLANNED';
    const status = (overrides[code] as MethodStatus | undefined) ?? fallback;
    return { code, label: LABELS[code], enabled: status === 'AVAILABLE', status, message: MESSAGES[status] };
  });
  return {
    provider: gateway.provider,
    providerMode: gateway.mode,
    defaultMethod: methods.find((m) => m.enabled)?.code ?? null,
    methods,
  };
}
