import { json } from "@remix-run/node";
import { z } from "zod";
import type { PopulationSettingsData } from "~/components/rollout/population-settings";
import { getPopulationSource, sampleSourceUsers, savePopulationSource } from "~/models/rollout-population.server";
import { listActivityColumns, listSourceColumns, listSourceTables } from "~/models/source-catalog.server";
import { describeBasis, guessColumns, populationFormSchema, tableLabel } from "~/rollout/population";
import { redactError } from "~/utils/databases.server";
import { userActor, type requireRole } from "~/utils/auth.server";

/* Settings, rollout population: where the rollout's users come from in the source (admins map it). */

type SettingsUser = Awaited<ReturnType<typeof requireRole>>;

/** Tables and activity columns a picker lists (by schema and name); the page says when there are more. */
const PICKER_LIMIT = 2000;

const tableParam = z.tuple([z.string(), z.string()]);

/**
 * The rollout population's mapping, what it counts now, and for admins the pickers: the source's tables and the
 * columns of the table chosen with ?table=["schema","name"] (the mapped table by default).
 */
export async function loadPopulation(isAdmin: boolean, tableChoice: string | null): Promise<PopulationSettingsData> {
  const [source, sample] = await Promise.all([getPopulationSource(), sampleSourceUsers()]);
  const labels = describeBasis(sample.basis);
  const current = {
    source,
    table: tableLabel(source),
    error: sample.error,
    // the users line says whether previews evaluate every user or a sample scaled to the count
    counts: sample.error ? null : { population: labels.population.text, sampled: sample.basis.sampled, users: labels.users.text, writes: labels.writes.text },
  };
  if (!isAdmin) return { current, picker: null };
  let chosen = { schema: source.schema, table: source.table };
  try {
    const [schema, table] = tableParam.parse(JSON.parse(tableChoice ?? "null"));
    chosen = { schema, table };
  } catch {
    // No choice (or a mangled URL): the mapped table.
  }
  try {
    // One more than shown: the picker says when the catalog had more than it lists.
    const [allTables, columns] = await Promise.all([listSourceTables(PICKER_LIMIT + 1), listSourceColumns(chosen.schema, chosen.table)]);
    const tables = allTables.slice(0, PICKER_LIMIT);
    const sameTable = chosen.schema === source.schema && chosen.table === source.table;
    const selected = { ...source, ...chosen, ...guessColumns(columns?.map((c) => c.name) ?? [], source, sameTable) };
    const id = columns?.find((c) => c.name === selected.idColumn);
    const allActivityColumns = id ? await listActivityColumns(id, chosen, PICKER_LIMIT + 1) : [];
    const activityColumns = allActivityColumns.slice(0, PICKER_LIMIT);
    const truncated = { tables: allTables.length > PICKER_LIMIT, activityColumns: allActivityColumns.length > PICKER_LIMIT };
    return { current, picker: { tables, chosen, columns, activityColumns, selected, truncated, limit: PICKER_LIMIT, error: null } };
  } catch (error) {
    const message = `Could not read the source's catalog: ${redactError(error)}`;
    const truncated = { tables: false, activityColumns: false };
    return { current, picker: { tables: [], chosen, columns: null, activityColumns: [], selected: source, truncated, limit: PICKER_LIMIT, error: message } };
  }
}

export async function savePopulation(admin: SettingsUser, form: FormData) {
  const parsed = populationFormSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors as Record<string, string[]> }, { status: 400 });
  const { reason, ...source } = parsed.data;
  const saved = await savePopulationSource(source, userActor(admin), reason);
  if (!saved.ok) {
    const errors = Object.fromEntries(Object.entries(saved.errors).map(([field, message]) => [field, [message]]));
    return json({ ok: false as const, errors }, { status: 400 });
  }
  const labels = describeBasis(saved.sample.basis);
  return json({ ok: true as const, shownOnce: null, population: `Saved. The mapping counts ${labels.population.text}; writes: ${labels.writes.text}.` });
}
