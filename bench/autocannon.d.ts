/**
 * The part of autocannon 9's API the bench uses (the package ships no types). Latencies are in
 * milliseconds; `requests` is the per-second sample histogram.
 */
declare module 'autocannon' {
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: string;
      pipelining?: number;
      /** Seconds. */
      timeout?: number;
      /** Total requests, spread over the connections; when set, `duration` is ignored. */
      amount?: number;
      /**
       * Requests each connection cycles through. `setupRequest` runs each time a request is built (once
       * per request sent, and once per connection when it is created) and may change it.
       */
      requests?: Request[];
    }

    interface Request {
      method?: 'GET' | 'POST';
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: (request: Request) => Request;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram;
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }
  }

  export = autocannon;
}
