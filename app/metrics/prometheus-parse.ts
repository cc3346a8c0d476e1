/**
 * A strict reader of the Prometheus text format, written from the format's grammar (not from our writer), so
 * tests of /metrics and of each provider fail on output a scraper would reject.
 */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/;

function parseValue(text: string, line: number): number {
  if (text === "NaN") return NaN;
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`line ${line}: bad labels {${text}}`);
    if (match[1] in labels) throw new Error(`line ${line}: label ${match[1]} repeated`);
    labels[match[1]] = match[2].replace(/\\(\\|"|n)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

export function parsePrometheusText(text: string): ParsedExposition {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const seen = new Set<string>();
  const lines: number[] = [];
  const finished = new Set<string>();
  let current: string | null = null;
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw === "") return;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta;
      const target = kind === "HELP" ? help : types;
      if (target.has(name)) throw new Error(`line ${line}: second ${kind} for ${name}`);
      if (kind === "TYPE" && !["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) {
        throw new Error(`line ${line}: unknown type ${rest}`);
      }
      if (kind === "TYPE" && samples.some((s) => s.name === name)) throw new Error(`line ${line}: TYPE after samples of ${name}`);
      target.set(name, rest);
      return;
    }
    if (raw.startsWith("#")) return;
    const match = SAMPLE.exec(raw);
    if (!match) throw new Error(`line ${line}: not a sample: ${raw}`);
    const labels = match[2] ? parseLabels(match[2], line) : {};
    const key = `${match[1]}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${match[1]}`);
    seen.add(key);
    const sample = { name: match[1], labels, value: parseValue(match[3], line) };
    // All lines of one family form one group (the format's rule): a family whose samples resume later is refused.
    const family = familyOf(sample.name, types);
    if (family !== current) {
      if (finished.has(family)) throw new Error(`line ${line}: samples of ${family} are not in one group`);
      if (current !== null) finished.add(current);
      current = family;
    }
    samples.push(sample);
    lines.push(line);
  });
  for (const [name, type] of types) if (type === "histogram") checkHistogram(name, samples, lines);
  return { types, help, samples };
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];

/** The family a sample belongs to: its own name, or a typed histogram's or summary's whose part it is. */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (types.get(base) === "histogram" || (types.get(base) === "summary" && suffix !== "_bucket"))) return base;
  }
  return name;
}

/**
 * A histogram's series each need buckets with rising `le` bounds and counts that never fall, a +Inf bucket last
 * equal to `_count`, and a `_sum`; the family has no sample under its bare name.
 */
function checkHistogram(name: string, samples: ParsedSample[], lines: number[]) {
  const series = new Map<string, { buckets: { le: number; count: number; line: number }[]; sum?: number; count?: number; line: number }>();
  samples.forEach((s, i) => {
    if (s.name === name) throw new Error(`line ${lines[i]}: histogram ${name} has a sample without _bucket, _sum or _count`);
    const suffix = HISTOGRAM_SUFFIXES.find((x) => s.name === name + x);
    if (!suffix) return;
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [], line: lines[i] };
    series.set(key, entry);
    if (suffix === "_bucket") {
      if (le === undefined) throw new Error(`line ${lines[i]}: ${s.name} without an le label`);
      entry.buckets.push({ le: parseValue(le, lines[i]), count: s.value, line: lines[i] });
    } else if (le !== undefined) {
      throw new Error(`line ${lines[i]}: ${s.name} with an le label`);
    } else if (suffix === "_sum") {
      entry.sum = s.value;
    } else {
      entry.count = s.value;
    }
  });
  for (const entry of series.values()) {
    const { buckets } = entry;
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i].le > buckets[i - 1].le)) throw new Error(`line ${buckets[i].line}: ${name} buckets out of order`);
      if (buckets[i].count < buckets[i - 1].count) throw new Error(`line ${buckets[i].line}: ${name} bucket counts are not cumulative`);
    }
    const last = buckets[buckets.length - 1];
    if (!last || last.le !== Infinity) throw new Error(`line ${entry.line}: ${name} series without a +Inf bucket`);
    if (entry.count === undefined || entry.sum === undefined) throw new Error(`line ${entry.line}: ${name} series without _sum and _count`);
    if (entry.count !== last.count) throw new Error(`line ${last.line}: ${name} +Inf bucket ${last.count} is not _count ${entry.count}`);
  }
}
