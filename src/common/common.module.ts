import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, CLOCK, systemClock } from './clock';

/** Cross-cutting seams every module may inject: the clock. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock = systemClock): DynamicModule {
    return { module: CommonModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}
