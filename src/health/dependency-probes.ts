import { Injectable } from '@nestjs/common';

export interface DependencyProbe {
  name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check: () => Promise<void>;
}

/** Infrastructure clients (Redis, Kafka) register themselves here so /health/ready reports them. */
@Injectable()
export class DependencyProbes {
  private readonly probes: DependencyProbe[] = [];

  register(probe: DependencyProbe): void {
    this.probes.push(probe);
  }

  all(): DependencyProbe[] {
    return [...this.probes];
  }
}
