import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { OutboxModule } from '../../infra/outbox/outbox.module';
import { ReservationModule } from '../reservation/reservation.module';
import { SecretBox } from './secret-box';
import { HOST_RESOLVER, HostResolver, systemResolver } from './target-policy';
import { WebhookData } from './webhook-data';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsController, WebhookMessagesController } from './webhook-endpoints.controller';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookFanOut } from './webhook-fan-out';
import { WebhookMaintenance } from './webhook-maintenance';
import { WebhookMessagesRepository } from './webhook-messages.repository';
import { WebhookSender } from './webhook-sender';

/**
 * Outbound webhooks to the seller's systems: endpoints (admin API), fan-out of committed order and show
 * events into messages, their delivery (signed, retried, one queue per endpoint) and the delivery log.
 * Not the inbound PG webhook, which is checkout's. Orders are read through the reservation module's
 * OrderQueryService. The resolver is the DNS seam tests may replace.
 */
@Module({})
export class WebhooksModule {
  static register(resolver: HostResolver = systemResolver): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [OutboxModule, ReservationModule],
      controllers: [WebhookEndpointsController, WebhookMessagesController],
      providers: [
        { provide: HOST_RESOLVER, useValue: resolver },
        {
          provide: SecretBox,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => new SecretBox(config.webhookSecretsKey ?? config.jwtSecret),
        },
        WebhookEndpointsRepository,
        WebhookMessagesRepository,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        WebhookData,
        WebhookSender,
        WebhookDispatcher,
        WebhookFanOut,
        WebhookMaintenance,
      ],
    };
  }
}
