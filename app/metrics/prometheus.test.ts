import { describe, expect, it } from "vitest";
import { formatExposition } from "./prometheus";
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
    expect(text).toContain('# HELP cutover_xid_age age(datfrozenxid)\\nper database\n');
    expect(text).toContain('cutover_xid_age{database="app"} 1234567\n');
    expect(text).toContain('cutover_hours_to_failsafe +Inf\n');
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
    expect(() =>
      formatExposition([{ name: "cutover_x", help: "", type: "gauge", samples: [{ labels: { "a-b": "1" }, value: 1 }] }]),
    ).toThrow();
  });

  it("the reader rejects malformed text, so passing it means something", () => {
    expect(() => parsePrometheusText("cutover_x 1")).toThrow(/newline/);
    expect(() => parsePrometheusText('cutover_x{a="1} 1\n')).toThrow();
    expect(() => parsePrometheusText("cutover_x one\n")).toThrow(/bad value/);
    expect(() => parsePrometheusText("cutover_x 1\ncutover_x 2\n")).toThrow(/duplicate/);
  });
});
