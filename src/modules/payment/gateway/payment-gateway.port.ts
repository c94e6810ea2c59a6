import type { EntityManager } from 'typeorm';
import type { MockOutcome, PaymentProviderName } from '../../../config/app-config';

/**
 * The payment seam. Checkout, payment and refund code depend only on this file: which provider runs
 * (wallet, mock, pg-ready) is decided once at boot by payment-gateway.module.ts.
 */
export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');
/** Every provider by name (PaymentGateways): see there. */
export const PAYMENT_GATEWAYS = Symbol('PAYMENT_GATEWAYS');

export type PaymentMethodCode = 'CARD' | 'KAKAOPAY' | 'NAVERPAY' | 'WALLET';
export type ProviderMode = 'WALLET_LEDGER' | 'CARD_MOCK_SIMULATION' | 'PG_WEBHOOK_READY' | 'PG_EXTERNAL_LIVE';

export interface ChargeRequest {
  /** The ledger row (PENDING PAYMENT) this charge settles; committed before the call. */
  transactionId: number;
  idempotencyKey: string;
  userId: number;
  reservationId: number;
  amount: number;
  paymentMethod: PaymentMethodCode;
  /** Per-call outcome, for a provider that simulates outcomes (`acceptsMockOutcome`); checked before the attempt. */
  mockOutcome?: MockOutcome;
}

export interface RefundRequest {
  /** The ledger row (PENDING REFUND) this refund settles; committed before the call. */
  transactionId: number;
  idempotencyKey: string;
  userId: number;
  reservationId: number;
  amount: number;
  /** The provider's id of the captured payment being refunded. */
  paymentProviderTransactionId: string | null;
}

export type ChargeResult =
  | { status: 'SUCCESS'; providerTransactionId: string; balanceAfterAmount?: number }
  | { status: 'FAILED'; providerTransactionId?: string; failureReason: string; insufficientBalance?: boolean }
  | { status: 'PENDING'; providerTransactionId: string; redirectUrl?: string };

/** What the reconciler asks about an attempt whose outcome was never recorded (the process died). */
export interface InquiryRequest {
  transactionId: number;
  idempotencyKey: string;
  userId: number;
  reservationId: number;
  amount: number;
}

/** The provider's final word on an attempt, PENDING if it is still open, UNKNOWN if it cannot tell. */
export type InquiryResult = ChargeResult | 'UNKNOWN';

/** `balanceAfterAmount`: the wallet's balance after the move (a provider whose money lives here). */
export type RefundResult =
  | { status: 'SUCCESS'; providerTransactionId: string; balanceAfterAmount?: number }
  | { status: 'FAILED'; failureReason: string };

/**
 * Thrown only when the provider certainly captured nothing (unreachable, refused the request).
 * A provider that cannot tell must answer PENDING instead, so a later webhook can settle it.
 */
export class PaymentGatewayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentGatewayError';
  }
}

/**
 * Every provider, by the name the ledger stores. PAYMENT_PROVIDER decides where new charges go; money
 * already in the ledger is refunded, and an unrecorded attempt inquired about, through the provider that
 * took it, which may be another since PAYMENT_PROVIDER changed (a pg-ready capture is never refunded into
 * a wallet, a mock attempt left open is still asked about after a switch to pg-ready).
 */
export interface PaymentGateways {
  /** The provider that wrote a ledger row; the configured one for a name no provider has. */
  of(provider: string): PaymentGateway;
  /** Every provider's name, for queries over the rows any of them left open. */
  readonly names: readonly string[];
}

export interface PaymentGateway {
  /** Stored in the ledger's payment_provider column. */
  readonly provider: PaymentProviderName;
  readonly mode: ProviderMode;
  /** Methods this provider can take, in catalog order; the first available one is the default. */
  readonly supportedMethods: readonly PaymentMethodCode[];
  /** Methods that are live out of the box (others are PLANNED until overridden by configuration). */
  readonly availableByDefault: readonly PaymentMethodCode[];
  /** Whether a confirm may name the outcome (`mockOutcome`): only a simulation; part of the request rules. */
  readonly acceptsMockOutcome: boolean;

  /**
   * Called outside any transaction, after the attempt's PENDING ledger row committed. A provider whose money
   * lives elsewhere moves it here; one whose money lives in this database answers what it will do and moves
   * it in `commitCharge`.
   */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /**
   * Called in the transaction that records the charge's outcome, with the attempt's row locked and still
   * PENDING (never for an attempt settled meanwhile). A provider whose money lives in this database (the
   * wallet) moves it here, so the captured payment and the ticket it buys commit together, and may turn the
   * answer (a balance too low); the others return `result` as it is. No network I/O.
   */
  commitCharge(em: EntityManager, request: ChargeRequest, result: ChargeResult): Promise<ChargeResult>;
  /** Called outside any transaction, after the PENDING refund row committed. */
  refund(request: RefundRequest): Promise<RefundResult>;
  /** As `commitCharge`, for a refund: in the transaction that records it, row locked and still PENDING. */
  commitRefund(em: EntityManager, request: RefundRequest, result: RefundResult): Promise<RefundResult>;
  /**
   * Optional: what became of a charge whose answer we never recorded (asked only of attempts older than the
   * reconciler's grace period). A provider without it leaves such attempts PENDING for its webhook.
   */
  inquire?(request: InquiryRequest): Promise<InquiryResult>;
}
