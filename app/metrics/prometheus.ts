/**
 * Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * what Prometheus, Grafana Agent and VictoriaMetrics scrape. Pure, so every provider's figures share one writer.
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;

export interface MetricSample {
  labels?: Labels;
  value: number;
  /** Suffix for histogram/summary parts (e.g. "_bucket"); plain gauges and counters leave it out. */
  suffix?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: "gauge" | "counter" | "histogram" | "untyped";
  samples: MetricSample[];
}

/**
 * The samples of one histogram series: a cumulative `_bucket` per upper bound (`le`, +Inf last, equal to the
 * count), `_sum` and `_count`. Bounds must rise and counts must not fall: a scraper would reject anything else.
 */
export function histogramSamples(labels: Labels, buckets: readonly { le: number; count: number }[], sum: number): MetricSample[] {
  const last = buckets[buckets.length - 1];
  if (!last || last.le !== Infinity) throw new Error("a histogram needs a +Inf bucket last");
  for (let i = 1; i < buckets.length; i++) {
    if (!(buckets[i].le > buckets[i - 1].le) || buckets[i].count < buckets[i - 1].count)
      throw new Error("histogram buckets must be cumulative with rising bounds");
  }
  return [
    ...buckets.map((b) => ({ labels: { ...labels, le: formatValue(b.le) }, value: b.count, suffix: "_bucket" })),
    { labels, value: sum, suffix: "_sum" },
    { labels, value: last.count, suffix: "_count" },
  ];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid Prometheus label name: ${name}`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** Families with the same name are merged, so two providers cannot emit a name twice (Prometheus rejects that). */
export function formatExposition(families: readonly MetricFamily[]): string {
  const merged = new Map<string, MetricFamily>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid Prometheus metric name: ${family.name}`);
    const existing = merged.get(family.name);
    if (existing) {
      if (existing.type !== family.type) throw new Error(`metric ${family.name} declared as ${existing.type} and ${family.type}`);
      existing.samples = [...existing.samples, ...family.samples];
    } else {
      merged.set(family.name, { ...family, samples: [...family.samples] });
    }
  }
  const lines: string[] = [];
  for (const family of merged.values()) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      lines.push(`${family.name}${sample.suffix ?? ""}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
