import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/auth.decorators';
import { DependencyProbes } from './dependency-probes';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly probes: DependencyProbes,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to take traffic: the database answers, and Redis and Kafka when configured. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.check('database', () => this.dataSource.query('SELECT 1').then(() => undefined)),
      ...this.probes.all().map((probe) => () => this.check(probe.name, probe.check)),
    ]);
  }

  private async check(key: string, probe: () => Promise<void>) {
    const indicator = this.indicator.check(key);
    try {
      await withTimeout(probe(), 2000);
      return indicator.up();
    } catch (err) {
      return indicator.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
