import { z } from "zod";
import { qualifiedName, quoteIdent } from "../utils/sql-identifier";

/**
 * Where the rollout's population comes from: which source table holds the application's users, which of its
 * columns give the id, the attributes cohorts constrain on and the write weight, and how the users are counted.
 * Stored as one settings value; the defaults are the demo application's `users` table with equal writes per user.
 * Names are chosen from the source's catalog and only ever reach SQL through quoteIdent.
 */

export const COUNT_METHODS = ["estimate", "exact"] as const;
export type CountMethod = (typeof COUNT_METHODS)[number];

export const WEIGHT_KINDS = ["equal", "column", "activity"] as const;
export type WeightKind = (typeof WEIGHT_KINDS)[number];

/** The attribute columns, in the order of UserAttributes' keys. */
export const ATTRIBUTE_FIELDS = [
  { field: "regionColumn", attribute: "region", label: "Region / country group" },
  { field: "countryColumn", attribute: "country", label: "Country" },
  { field: "schoolIdColumn", attribute: "schoolId", label: "School id" },
  { field: "planColumn", attribute: "plan", label: "Plan" },
] as const;

// PostgreSQL truncates names at 63 bytes and refuses NUL: anything else is a legal quoted identifier.
const identifier = z
  .string()
  .min(1, "Choose a name")
  .refine((s) => new TextEncoder().encode(s).length <= 63, "At most 63 bytes: longer names cannot exist in PostgreSQL")
  .refine((s) => !s.includes("\0"), "A name cannot contain NUL");
const optionalIdentifier = z.preprocess((v) => (v === "" || v === undefined ? null : v), identifier.nullable());

/** Stored as an object; the form sends the picker's JSON ["schema", "table", "column"]. */
const activitySchema = z.preprocess(
  (v) => {
    if (v === "" || v === undefined) return null;
    if (typeof v !== "string") return v;
    try {
      const [schema, table, column] = JSON.parse(v);
      return { schema, table, column };
    } catch {
      return v;
    }
  },
  z.object({ schema: identifier, table: identifier, column: identifier }, { invalid_type_error: "Choose the activity table and its user column" }).nullable(),
);

export const populationSourceSchema = z
  .object({
    schema: identifier.default("public"),
    table: identifier.default("users"),
    idColumn: identifier.default("id"),
    regionColumn: optionalIdentifier.default("region"),
    countryColumn: optionalIdentifier.default("country"),
    schoolIdColumn: optionalIdentifier.default("school_id"),
    planColumn: optionalIdentifier.default("plan"),
    /** Optional: lets support look a user up by email (exact, case-insensitive). */
    emailColumn: optionalIdentifier.default(null),
    /** estimate: the planner's row estimate (exact when the whole table fits in one sample); exact: count(*). */
    countMethod: z.enum(COUNT_METHODS).default("estimate"),
    /** Statement timeout of the exact count; past it the planner estimate is used and the page says so. */
    countTimeoutMs: z.coerce.number().int().min(100, "At least 100 ms").max(600_000, "At most 10 minutes").default(5_000),
    weightKind: z.enum(WEIGHT_KINDS).default("equal"),
    /** A numeric column of writes per user (e.g. per day); null and negative values count as no writes. */
    weightColumn: optionalIdentifier.default(null),
    /** Rows of an activity table (e.g. annotations by author) as a proxy for each user's writes. */
    activity: activitySchema.default(null),
  })
  .refine((s) => s.weightKind !== "column" || s.weightColumn !== null, { message: "Choose the column that holds writes per user", path: ["weightColumn"] })
  .refine((s) => s.weightKind !== "activity" || s.activity !== null, { message: "Choose the activity table and its user column", path: ["activity"] })
  // Only the chosen weight's settings are kept, so the stored value (and its audit) says what is in use.
  .transform((s) => ({ ...s, weightColumn: s.weightKind === "column" ? s.weightColumn : null, activity: s.weightKind === "activity" ? s.activity : null }));

export type PopulationSource = z.infer<typeof populationSourceSchema>;

// The demo's users table has an email column; a saved mapping says for itself whether it maps one.
export const DEFAULT_POPULATION_SOURCE: PopulationSource = populationSourceSchema.parse({ emailColumn: "email" });

/** A stored value that no longer validates falls back to the defaults rather than breaking the rollout pages. */
export function parseStoredPopulationSource(value: unknown): PopulationSource {
  if (value === null || value === undefined) return DEFAULT_POPULATION_SOURCE;
  const parsed = populationSourceSchema.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_POPULATION_SOURCE;
}

export function tableLabel(source: Pick<PopulationSource, "schema" | "table">): string {
  return qualifiedName(source.schema, source.table);
}

/** How a figure was obtained: counted exactly, scaled from a sample, or resting on an assumption or estimate. */
export type BasisKind = "exact" | "sampled" | "estimated";

export interface FigureBasis {
  kind: BasisKind;
  text: string;
}

/** What a population sample is made of, so every figure built on it can say how it was obtained. */
export interface SampleBasis {
  table: string;
  sampled: number;
  population: number;
  /** exact: counted with count(*) or read whole; estimated: the planner's estimate. */
  populationMethod: "exact" | "estimated";
  /** Why the population is an estimate when an exact count was asked for (e.g. the count timed out). */
  populationNote: string | null;
  weightKind: WeightKind;
  weightColumn: string | null;
  /** weightKind "activity": the activity rows read and grouped by their user. */
  activity: { table: string; column: string; rows: number; whole: boolean } | null;
}

function populationText(b: SampleBasis): string {
  const count = `${b.population.toLocaleString("en")} users`;
  if (b.populationMethod === "exact") return `${count} (exact count)`;
  return `~${count} (planner estimate${b.populationNote ? `; ${b.populationNote}` : ""})`;
}

/** Labels for "users moving" and "share of writes moving" under a preview made from this sample. */
export function describeBasis(b: SampleBasis): { population: FigureBasis; users: FigureBasis; writes: FigureBasis } {
  const whole = b.populationMethod === "exact" && b.sampled >= b.population;
  const population: FigureBasis = { kind: b.populationMethod, text: `${populationText(b)} in ${b.table}` };
  const users: FigureBasis = whole
    ? { kind: "exact", text: `exact: all ${b.population.toLocaleString("en")} users of ${b.table} evaluated` }
    : {
        kind: b.populationMethod === "exact" ? "sampled" : "estimated",
        text: `sampled: ${b.sampled.toLocaleString("en")} users of ${b.table} evaluated, scaled to ${populationText(b)}`,
      };
  const a = b.activity;
  const writes: FigureBasis =
    b.weightKind === "equal" || (b.weightKind === "activity" && a === null)
      ? { kind: "estimated", text: "estimated, assuming equal writes per user" }
      : a !== null
        ? {
            kind: "estimated",
            text: `estimated from ${a.whole ? "all" : "a sample of"} ${a.rows.toLocaleString("en")} rows of ${a.table} per ${quoteIdent(a.column)} (activity as a proxy for writes)`,
          }
        : whole
          ? { kind: "exact", text: `exact: writes per user from ${quoteIdent(b.weightColumn ?? "")} of every user` }
          : { kind: "sampled", text: `sampled: writes per user from ${quoteIdent(b.weightColumn ?? "")} of ${b.sampled.toLocaleString("en")} sampled users` };
  return { population, users, writes };
}

/** A basis's text without its leading kind ("exact: ..."), for where a badge already says the kind. */
export function basisDetail(basis: FigureBasis): string {
  return basis.text.startsWith(`${basis.kind}: `) ? basis.text.slice(basis.kind.length + 2) : basis.text;
}

/** The Settings form: a mapping plus the reason the audit log records. */
export const populationFormSchema = populationSourceSchema.and(z.object({ reason: z.string().trim().min(1, "a reason is required").max(500) }));

/** The names a table's columns are guessed by when an admin picks a new table (the demo's own names). */
export function guessColumns(
  columns: string[],
  current: PopulationSource,
  sameTable: boolean,
): Pick<PopulationSource, "idColumn" | "regionColumn" | "countryColumn" | "schoolIdColumn" | "planColumn" | "emailColumn" | "weightColumn"> {
  const pick = (wanted: string | null) => (wanted !== null && columns.includes(wanted) ? wanted : null);
  const from = sameTable ? current : DEFAULT_POPULATION_SOURCE;
  return {
    idColumn: pick(from.idColumn) ?? columns[0] ?? "",
    regionColumn: pick(from.regionColumn),
    countryColumn: pick(from.countryColumn),
    schoolIdColumn: pick(from.schoolIdColumn),
    planColumn: pick(from.planColumn),
    emailColumn: pick(from.emailColumn),
    weightColumn: sameTable ? pick(current.weightColumn) : null,
  };
}
