import { describe, expect, it } from "vitest";
import { formatExposition, histogramSamples } from "./prometheus";
import { parsePrometheusText } from "./prometheus-parse";

describe("Prometheus exposition", () => {
  it("writes HELP, TYPE and escaped labels that a strict reader accepts", () => {
    const text = formatExposition([
      {
        name: "cutover_xid_age",
        help: "age(datfrozenxid)\nper database",
        type: "gauge",
        samples: [
          { labels: { database: "app" }, value: 1_234_567 },
          { labels: { database: 'we"ird\\name\n' }, value: 5 },
        ],
      },
      { name: "cutover_hours_to_failsafe", help: "hours", type: "gauge", samples: [{ value: Infinity }] },
    ]);
    expect(text).toContain("# HELP cutover_xid_age age(datfrozenxid)\\nper database\n");
    expect(text).toContain('cutover_xid_age{database="app"} 1234567\n');
    expect(text).toContain("cutover_hours_to_failsafe +Inf\n");
    const parsed = parsePrometheusText(text);
    expect(parsed.types.get("cutover_xid_age")).toBe("gauge");
    expect(parsed.samples.find((s) => s.labels.database === 'we"ird\\name\n')?.value).toBe(5);
    expect(parsed.samples).toHaveLength(3);
  });

  it("merges families of one name from two providers and refuses conflicting types", () => {
    const a = { name: "cutover_x", help: "x", type: "gauge" as const, samples: [{ labels: { side: "a" }, value: 1 }] };
    const b = { ...a, samples: [{ labels: { side: "b" }, value: 2 }] };
    const parsed = parsePrometheusText(formatExposition([a, b]));
    expect(parsed.samples.map((s) => s.value)).toEqual([1, 2]);
    expect(() => formatExposition([a, { ...b, type: "counter" }])).toThrow(/declared as gauge and counter/);
  });

  it("rejects invalid metric and label names instead of writing text scrapers refuse", () => {
    expect(() => formatExposition([{ name: "cutover-x", help: "", type: "gauge", samples: [] }])).toThrow();
    expect(() => formatExposition([{ name: "cutover_x", help: "", type: "gauge", samples: [{ labels: { "a-b": "1" }, value: 1 }] }])).toThrow();
  });

  it("the reader rejects malformed text, so passing it means something", () => {
    expect(() => parsePrometheusText("cutover_x 1")).toThrow(/newline/);
    expect(() => parsePrometheusText('cutover_x{a="1} 1\n')).toThrow();
    expect(() => parsePrometheusText("cutover_x one\n")).toThrow(/bad value/);
    expect(() => parsePrometheusText("cutover_x 1\ncutover_x 2\n")).toThrow(/duplicate/);
  });

  it("writes a histogram as cumulative le buckets, +Inf, _sum and _count, which the reader checks", () => {
    const buckets = [
      { le: 0.001, count: 2 },
      { le: 0.0025, count: 5 },
      { le: Infinity, count: 6 },
    ];
    const text = formatExposition([{ name: "cutover_op_seconds", help: "d", type: "histogram", samples: histogramSamples({ side: "target" }, buckets, 0.5) }]);
    expect(text).toContain('cutover_op_seconds_bucket{side="target",le="0.0025"} 5\n');
    expect(text).toContain('cutover_op_seconds_bucket{side="target",le="+Inf"} 6\n');
    expect(text).toContain('cutover_op_seconds_sum{side="target"} 0.5\ncutover_op_seconds_count{side="target"} 6\n');
    const parsed = parsePrometheusText(text);
    expect(parsed.types.get("cutover_op_seconds")).toBe("histogram");
    expect(parsed.samples).toHaveLength(5);
    expect(() => histogramSamples({}, [{ le: 1, count: 1 }], 1)).toThrow(/\+Inf/);
    expect(() =>
      histogramSamples(
        {},
        [
          { le: 1, count: 3 },
          { le: Infinity, count: 2 },
        ],
        1,
      ),
    ).toThrow(/cumulative/);
  });

  it("the reader refuses histograms a scraper would: falling counts, no +Inf, _count unequal, split groups", () => {
    const head = "# TYPE h histogram\n";
    const ok = 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n';
    expect(parsePrometheusText(head + ok).samples).toHaveLength(4);
    expect(() => parsePrometheusText(head + 'h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText(head + 'h_bucket{le="1"} 1\nh_sum 3\nh_count 1\n')).toThrow(/\+Inf/);
    expect(() => parsePrometheusText(head + 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 5\n')).toThrow(/_count/);
    expect(() => parsePrometheusText(head + 'h_bucket{le="+Inf"} 2\nh_count 2\n')).toThrow(/_sum/);
    expect(() => parsePrometheusText(head + 'h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n')).toThrow(/order/);
    expect(() => parsePrometheusText(head + "h 1\n")).toThrow(/without _bucket/);
    expect(() => parsePrometheusText(`${head}h_bucket{le="+Inf"} 2\nother 1\nh_sum 3\nh_count 2\n`)).toThrow(/one group/);
  });
});
