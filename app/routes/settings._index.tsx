import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { ConfirmForm } from "~/components/ui/confirm-form";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { PopulationSettings, type PopulationSettingsData } from "~/components/rollout/population-settings";
import { NotificationsLink } from "~/components/notifications/notifications-link";
import { OwnerColumnSettings, type OwnerColumnSettingsData } from "~/components/settings/owner-column-settings";
import { ReconciliationGuardSettings } from "~/components/settings/reconciliation-guard-settings";
import { createApiToken, listApiTokens, revokeApiToken } from "~/models/api-token.server";
import { API_SCOPES, ROLES, type ApiScope } from "~/auth/permissions";
import { recordAudit } from "~/models/audit.server";
import { getSchemaAllowList, saveSchemaAllowList } from "~/models/schema-guard.server";
import { listSensitiveColumns, markSensitiveColumn, unmarkSensitiveColumn } from "~/models/sensitive-column.server";
import { listOwnerColumns, setOwnerColumn, suggestOwnerColumns } from "~/models/table-owner-column.server";
import { splitTableName, tableNameSchema } from "~/reconciliation/request";
import { markSensitiveFormSchema, schemaAllowListFormSchema, unmarkSensitiveFormSchema } from "~/reconciliation/guard-settings-form";
import { getPopulationSource, listActivityColumns, listSourceColumns, listSourceTables, sampleSourceUsers, savePopulationSource } from "~/models/rollout-population.server";
import { createUser, listUsers, updateUserRole } from "~/models/user.server";
import { describeBasis, guessColumns, populationFormSchema, tableLabel } from "~/rollout/population";
import { redactError } from "~/utils/databases.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { generatePassword } from "~/utils/password.server";


/** Tables and activity columns a picker lists (by schema and name); the page says when there are more. */
const PICKER_LIMIT = 2000;
export const meta: MetaFunction = () => [{ title: "Settings · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const isAdmin = hasRole(user, "admin");
  const [adminData, population, allowList, sensitiveColumns, owners] = await Promise.all([
    isAdmin ? Promise.all([listUsers(), listApiTokens()]) : null,
    loadPopulation(isAdmin, new URL(request.url).searchParams.get("table")),
    getSchemaAllowList(),
    listSensitiveColumns(),
    loadOwnerColumns(),
  ]);
  const [users, tokens] = adminData ?? [[], []];
  const guard = { allowList, sensitiveColumns: sensitiveColumns.map((c) => ({ table: c.tableName, column: c.columnName, createdBy: c.createdBy })) };
  return json({ isAdmin, canSetOwners: hasRole(user, "engineer"), users, tokens, population, guard, owners });
}

/** Tables' owner columns, and the catalog's foreign keys to the population's users table as suggestions. */
async function loadOwnerColumns(): Promise<OwnerColumnSettingsData> {
  const current = (await listOwnerColumns()).map((o) => ({ table: `${o.schemaName}.${o.tableName}`, column: o.columnName, updatedBy: o.updatedBy }));
  try {
    return { current, suggestions: await suggestOwnerColumns(), error: null };
  } catch (error) {
    return { current, suggestions: [], error: `Could not read the source's foreign keys: ${redactError(error)}` };
  }
}

const ownerColumnFormSchema = z.object({
  intent: z.literal("owner-column"),
  table: tableNameSchema,
  /** Empty: the table has no owner column (whole-table meaning). */
  column: z.string().trim().max(200).transform((c) => c || null),
  reason: z.string().trim().min(1, "say why").max(500),
});

/** An engineer's or admin's change of a table's owner column, checked on both sides and audited. */
async function saveOwnerColumn(user: Awaited<ReturnType<typeof requireRole>>, form: FormData) {
  const parsed = ownerColumnFormSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const { table, column, reason } = parsed.error.flatten().fieldErrors;
    return json({ ok: false as const, errors: { ownerTable: table, ownerColumn: column, ownerReason: reason } as Record<string, string[]> }, { status: 400 });
  }
  const saved = await setOwnerColumn(userActor(user), { ...splitTableName(parsed.data.table), columnName: parsed.data.column }, parsed.data.reason);
  if (!saved.ok) return json({ ok: false as const, errors: { ownerColumn: [saved.message] } as Record<string, string[]> }, { status: 400 });
  return json({ ok: true as const, shownOnce: null });
}

const tableParam = z.tuple([z.string(), z.string()]);

/**
 * The rollout population's mapping, what it counts now, and for admins the pickers: the source's tables and the
 * columns of the table chosen with ?table=["schema","name"] (the mapped table by default).
 */
async function loadPopulation(isAdmin: boolean, tableChoice: string | null): Promise<PopulationSettingsData> {
  const [source, sample] = await Promise.all([getPopulationSource(), sampleSourceUsers()]);
  const labels = describeBasis(sample.basis);
  const current = {
    source,
    table: tableLabel(source),
    error: sample.error,
    counts: sample.error ? null : { population: labels.population.text, sampled: sample.basis.sampled, writes: labels.writes.text },
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

const ActionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create-token"),
    name: z.string().trim().min(1, "Name the token").max(100),
    scopes: z.array(z.enum(API_SCOPES)).min(1, "Pick at least one scope"),
  }),
  // Destructive: only the confirming button sends confirm=yes.
  z.object({ intent: z.literal("revoke-token"), tokenId: z.string().uuid(), confirm: z.literal("yes", { errorMap: () => ({ message: "Confirm the revocation" }) }) }),
  z.object({
    intent: z.literal("create-user"),
    email: z.string().trim().toLowerCase().email("Enter an email address"),
    role: z.enum(ROLES),
  }),
  z.object({ intent: z.literal("update-user"), userId: z.string().uuid(), role: z.enum(ROLES), disabled: z.enum(["true", "false"]).default("false").transform((v) => v === "true"), confirm: z.string().optional() }),
]);

export async function action({ request }: ActionFunctionArgs) {
  // engineers set tables' owner columns; everything else here is an admin's
  const user = await requireRole(request, "engineer");
  const form = await request.formData();
  if (form.get("intent") === "owner-column") return saveOwnerColumn(user, form);
  const admin = await requireRole(request, "admin");
  // The mapping's schema carries cross-field checks, which a discriminated union cannot hold: its own path.
  if (form.get("intent") === "population") return savePopulation(admin, form);
  const intent = form.get("intent");
  if (intent === "schema-allow-list" || intent === "mark-sensitive" || intent === "unmark-sensitive") return saveGuardSettings(admin, form);
  const parsed = ActionSchema.safeParse({ ...Object.fromEntries(form), scopes: form.getAll("scopes") });
  if (!parsed.success) return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors as Record<string, string[]> }, { status: 400 });
  const input = parsed.data;
  const actor = userActor(admin);
  switch (input.intent) {
    case "create-token": {
      const token = await createApiToken({ name: input.name, scopes: input.scopes as ApiScope[], createdBy: admin.id });
      await recordAudit(actor, { action: "api_token.create", entityType: "api_token", entityId: token.id, after: { name: token.name, scopes: token.scopes, prefix: token.prefix } });
      return json({ ok: true as const, shownOnce: { kind: "token", label: token.name, secret: token.token } });
    }
    case "revoke-token": {
      const token = await revokeApiToken(input.tokenId);
      if (!token) throw new Response("That token does not exist or is already revoked.", { status: 404 });
      await recordAudit(actor, { action: "api_token.revoke", entityType: "api_token", entityId: token.id, before: { name: token.name, prefix: token.prefix } });
      return json({ ok: true as const, shownOnce: null });
    }
    case "create-user": {
      const password = generatePassword();
      try {
        const user = await createUser({ email: input.email, role: input.role, password });
        await recordAudit(actor, { action: "user.create", entityType: "user", entityId: user.id, after: { email: user.email, role: user.role } });
        return json({ ok: true as const, shownOnce: { kind: "password", label: user.email, secret: password } });
      } catch (error) {
        if (/duplicate key|unique/i.test((error as Error).message)) {
          return json({ ok: false as const, errors: { email: ["A user with this email exists already"] } as Record<string, string[]> }, { status: 409 });
        }
        throw error;
      }
    }
    case "update-user": {
      if (input.userId === admin.id && (input.role !== "admin" || input.disabled)) {
        return json({ ok: false as const, errors: { role: ["You cannot remove your own admin role or disable yourself"] } as Record<string, string[]> }, { status: 400 });
      }
      const before = (await listUsers()).find((u) => u.id === input.userId);
      if (!before) throw new Response("No such user.", { status: 404 });
      if (input.disabled && !before.disabled && input.confirm !== "yes") {
        return json({ ok: false as const, errors: { role: [`Confirm disabling ${before.email}`] } as Record<string, string[]> }, { status: 400 });
      }
      const after = await updateUserRole(input.userId, input.role, input.disabled);
      await recordAudit(actor, {
        action: "user.update",
        entityType: "user",
        entityId: input.userId,
        before: { role: before.role, disabled: before.disabled },
        after: { role: after.role, disabled: after.disabled },
      });
      return json({ ok: true as const, shownOnce: null });
    }
  }
}

async function savePopulation(admin: Awaited<ReturnType<typeof requireRole>>, form: FormData) {
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

/** The reconciliation guard's settings: the schema allow-list and the sensitive columns (audited, with a reason). */
async function saveGuardSettings(admin: Awaited<ReturnType<typeof requireRole>>, form: FormData) {
  const refuse = (errors: Record<string, string[] | undefined>) => json({ ok: false as const, errors: errors as Record<string, string[]> }, { status: 400 });
  const values = Object.fromEntries(form);
  const actor = userActor(admin);
  if (values.intent === "schema-allow-list") {
    const parsed = schemaAllowListFormSchema.safeParse(values);
    if (!parsed.success) {
      const { schemas, reason } = parsed.error.flatten().fieldErrors;
      return refuse({ schemas, allowListReason: reason });
    }
    const saved = await saveSchemaAllowList(parsed.data.schemas, actor, parsed.data.reason);
    if (!saved.ok) return refuse({ schemas: [saved.message] });
    return json({ ok: true as const, shownOnce: null });
  }
  if (values.intent === "mark-sensitive") {
    const parsed = markSensitiveFormSchema.safeParse(values);
    if (!parsed.success) {
      const { table, column, reason } = parsed.error.flatten().fieldErrors;
      return refuse({ sensitiveTable: table, sensitiveColumn: column, sensitiveReason: reason });
    }
    await markSensitiveColumn({ table: parsed.data.table, column: parsed.data.column }, actor, parsed.data.reason);
    return json({ ok: true as const, shownOnce: null });
  }
  const parsed = unmarkSensitiveFormSchema.safeParse(values);
  if (!parsed.success) return refuse({ sensitiveReason: parsed.error.flatten().fieldErrors.reason ?? ["not a sensitive column"] });
  if (!(await unmarkSensitiveColumn({ tableName: parsed.data.table, columnName: parsed.data.column }, actor, parsed.data.reason))) {
    throw new Response("That column is not marked sensitive.", { status: 404 });
  }
  return json({ ok: true as const, shownOnce: null });
}

export default function Settings() {
  const { isAdmin, canSetOwners, users, tokens, population, guard, owners } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string[] | undefined> = actionData && !actionData.ok ? actionData.errors : {};
  const shownOnce = actionData?.ok ? actionData.shownOnce : null;
  return (
    <div>
      <PageHeader title="Settings" description="Dashboard users, the API tokens the application servers use, and where the rollout's users come from." />
      {!isAdmin ? <p className="mb-4 text-sm text-slate-600">Users and API tokens are managed by admins.</p> : null}
      {shownOnce ? (
        <div role="status" className="mb-4 rounded-md border border-emerald-300 bg-emerald-50 p-4 text-sm">
          <p className="font-semibold">
            {shownOnce.kind === "token" ? `Token “${shownOnce.label}” created.` : `User ${shownOnce.label} created.`} Copy it now: it is shown only
            once.
          </p>
          <code className="mt-2 block select-all break-all rounded bg-white px-2 py-1 font-mono" aria-label={shownOnce.kind === "token" ? "New token" : "New password"}>
            {shownOnce.secret}
          </code>
        </div>
      ) : null}
      {isAdmin ? <NotificationsLink /> : null}
      {isAdmin ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <Card title="API tokens">
            <ul className="mb-4 divide-y divide-slate-100 text-sm">
              {tokens.map((t) => (
                <li key={t.id} className="flex items-center justify-between gap-2 py-2">
                  <div>
                    <div className="font-medium">
                      {t.name} <span className="font-mono text-xs text-slate-500">{t.prefix}…</span>
                    </div>
                    <div className="text-xs text-slate-500">{t.scopes.join(", ")}</div>
                  </div>
                  {t.revokedAt ? (
                    <Badge>revoked</Badge>
                  ) : (
                    <ConfirmForm
                      label="Revoke"
                      ariaLabel={`Revoke token ${t.name}`}
                      question={<>Revoke token “{t.name}” ({t.prefix}…)? Every application server using it is refused within seconds.</>}
                      confirmLabel={`Yes, revoke ${t.name}`}
                    >
                      <input type="hidden" name="intent" value="revoke-token" />
                      <input type="hidden" name="tokenId" value={t.id} />
                    </ConfirmForm>
                  )}
                </li>
              ))}
            </ul>
            {/* A new key after each creation empties the form: the secret shown once is unique to it. */}
            <Form method="post" className="space-y-3" key={`token-${shownOnce?.secret ?? ""}`}>
              <input type="hidden" name="intent" value="create-token" />
              <Field label="Token name" name="name" required error={errors.name?.[0]} />
              <fieldset>
                <legend className="text-sm font-medium text-slate-700">Scopes</legend>
                <div className="mt-1 flex flex-wrap gap-3 text-sm">
                  {API_SCOPES.map((scope) => (
                    <label key={scope} className="flex items-center gap-1">
                      <input type="checkbox" name="scopes" value={scope} /> {scope}
                    </label>
                  ))}
                </div>
                {errors.scopes ? <p className="text-xs text-red-700">{errors.scopes[0]}</p> : null}
              </fieldset>
              <Button type="submit" disabled={navigation.state !== "idle"}>
                Create token
              </Button>
            </Form>
          </Card>
          <Card title="Users">
            <ul className="mb-4 divide-y divide-slate-100 text-sm">
              {users.map((u) => (
                <li key={u.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span className="font-medium">
                    {u.email} {u.disabled ? <Badge>disabled</Badge> : null}
                  </span>
                  <span className="flex flex-wrap items-center gap-2">
                    <Form method="post" className="flex items-center gap-2">
                      <input type="hidden" name="intent" value="update-user" />
                      <input type="hidden" name="userId" value={u.id} />
                      <input type="hidden" name="disabled" value={String(u.disabled)} />
                      <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} className="rounded border border-slate-300 px-2 py-1">
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                      <Button variant="secondary" type="submit" aria-label={`Save the role of ${u.email}`}>
                        Save role
                      </Button>
                    </Form>
                    {u.disabled ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="update-user" />
                        <input type="hidden" name="userId" value={u.id} />
                        <input type="hidden" name="role" value={u.role} />
                        <input type="hidden" name="disabled" value="false" />
                        <Button variant="secondary" type="submit" aria-label={`Enable ${u.email}`}>
                          Enable
                        </Button>
                      </Form>
                    ) : (
                      <ConfirmForm
                        label="Disable"
                        ariaLabel={`Disable ${u.email}`}
                        question={<>Disable {u.email}? They are signed out and cannot sign in until enabled again.</>}
                        confirmLabel={`Yes, disable ${u.email}`}
                      >
                        <input type="hidden" name="intent" value="update-user" />
                        <input type="hidden" name="userId" value={u.id} />
                        <input type="hidden" name="role" value={u.role} />
                        <input type="hidden" name="disabled" value="true" />
                      </ConfirmForm>
                    )}
                  </span>
                </li>
              ))}
            </ul>
            <Form method="post" className="flex flex-wrap items-end gap-3" key={`user-${shownOnce?.secret ?? ""}`}>
              <input type="hidden" name="intent" value="create-user" />
              <div className="flex-1">
                <Field label="New user's email" name="email" type="email" required error={errors.email?.[0]} />
              </div>
              <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
                Role
                <select name="role" defaultValue="viewer" className="rounded border border-slate-300 px-2 py-1.5 font-normal">
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </label>
              <Button type="submit">Create user</Button>
            </Form>
            {errors.role ? <p className="mt-2 text-xs text-red-700">{errors.role[0]}</p> : null}
          </Card>
        </div>
      ) : null}
      <PopulationSettings
        population={population}
        errors={errors}
        savedMessage={actionData && "population" in actionData ? String(actionData.population) : null}
        busy={navigation.state !== "idle"}
      />
      <ReconciliationGuardSettings data={guard} isAdmin={isAdmin} errors={errors} busy={navigation.state !== "idle"} />
      <OwnerColumnSettings data={owners} canEdit={canSetOwners} errors={errors} busy={navigation.state !== "idle"} />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
