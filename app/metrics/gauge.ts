import type { MetricFamily } from "./prometheus";

/** A gauge family: most of Cutover's figures are levels read from the control database at scrape time. */
export function gauge(name: string, help: string, samples: MetricFamily["samples"]): MetricFamily {
  return { name, help, type: "gauge", samples };
}
