// Scrapes a server's /metrics and reads it with a real Prometheus text-format parser.

import parsePrometheusTextFormat, {
  type MetricFamily,
  type Sample,
} from 'parse-prometheus-text-format';

export interface Scrape {
  readonly families: readonly MetricFamily[];
  /** The sample of `name` whose labels include `labels`; throws when there is none. */
  sample(name: string, labels?: Record<string, string>): Sample;
  /** The value of a counter or gauge sample, as a number. */
  value(name: string, labels?: Record<string, string>): number;
}

/** `GET <url>/metrics`, parsed. Throws unless it answers 200 in the text format. */
export async function scrapeMetrics(
  url: string,
  headers: Record<string, string> = {},
): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`/metrics content type ${type}`);
  const families = parsePrometheusTextFormat(await response.text());
  function sample(name: string, labels: Record<string, string> = {}): Sample {
    const family = families.find((f) => f.name === name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    const found = family.metrics.find((m) =>
      Object.entries(labels).every(([key, value]) => m.labels?.[key] === value),
    );
    if (found === undefined) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
    return found;
  }
  return {
    families,
    sample,
    value: (name, labels) => Number(sample(name, labels).value),
  };
}
