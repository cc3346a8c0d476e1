import type { MetricFamily } from "./prometheus";
import { latestSchemaParity, summarizeSchemaParity } from "~/models/schema-parity.server";

/** Schema parity from the latest stored comparison (no catalog is read here). */
export async function schemaDriftForMetrics(): Promise<MetricFamily[]> {
  const latest = await latestSchemaParity();
  const s = summarizeSchemaParity(latest);
  const families: MetricFamily[] = [
    {
      name: "cutover_schema_drift_items",
      help: "Schema differences between source and target not explained by the type mapping",
      type: "gauge",
      samples: [
        { labels: { severity: "breaking" }, value: s.breaking },
        { labels: { severity: "other" }, value: s.other },
      ],
    },
    { name: "cutover_schema_drift_tables", help: "Tables with breaking schema drift", type: "gauge", samples: [{ labels: {}, value: s.breakingTables }] },
  ];
  if (latest) {
    families.push({
      name: "cutover_schema_parity_age_seconds",
      help: "Seconds since the latest schema comparison",
      type: "gauge",
      samples: [{ labels: {}, value: (Date.now() - latest.collectedAt.getTime()) / 1000 }],
    });
    families.push({
      name: "cutover_schema_parity_up",
      help: "1 if the latest schema comparison read both catalogs",
      type: "gauge",
      samples: [{ labels: {}, value: latest.ok ? 1 : 0 }],
    });
  }
  return families;
}
