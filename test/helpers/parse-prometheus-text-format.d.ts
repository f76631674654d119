// Types of the parse-prometheus-text-format package (it ships none): prom2json's shape.

declare module 'parse-prometheus-text-format' {
  export interface Sample {
    readonly labels?: Record<string, string>;
    /** Counters and gauges. */
    readonly value?: string;
    /** Histograms: `le` -> cumulative count. */
    readonly buckets?: Record<string, string>;
    readonly count?: string;
    readonly sum?: string;
  }
  export interface MetricFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly Sample[];
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
