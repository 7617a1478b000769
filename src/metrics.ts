// Prometheus metrics at /metrics. One registry per process; modules add their own counters through it.
import client from 'prom-client';

export class Metrics {
  readonly registry = new client.Registry();
  readonly httpRequests: client.Counter<'route' | 'status'>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'tandem_' });
    this.httpRequests = this.counter('tandem_http_requests_total', 'REST API requests by route and status', ['route', 'status']);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
    return new client.Counter({ name, help, labelNames: labelNames as L[], registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, collect: () => number, labelNames: readonly L[] = []): client.Gauge<L> {
    return new client.Gauge({
      name,
      help,
      labelNames: labelNames as L[],
      registers: [this.registry],
      collect() {
        this.set(collect());
      },
    });
  }

  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): client.Histogram<L> {
    return new client.Histogram({ name, help, buckets, labelNames: labelNames as L[], registers: [this.registry] });
  }
}
