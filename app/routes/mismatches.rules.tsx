import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import { RULE_KIND_LABELS, RULE_KINDS } from "../normalization/types";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { NormalizationRuleTable } from "~/components/mismatches/normalization-rule-table";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { createRule, deleteRule, listRules, previewRule, sqlTwinRefusalOf } from "~/models/normalization-rule.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Select } from "~/components/ui/select";

export const meta: MetaFunction = () => [{ title: "Normalization rules · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const rules = await listRules();
  return json({ rules, canEdit: hasRole(user, "engineer"), now: new Date().toISOString() });
}

const identifier = z.string().trim().min(1, "Required").max(200);
const ruleSchema = z
  .object({
    intent: z.enum(["preview", "create"]),
    kind: z.enum(RULE_KINDS),
    table: identifier,
    column: identifier,
    digits: z.coerce.number().int().min(0).max(6).optional(),
    tolerance: z.coerce.number().min(0).optional(),
    reason: z.string().trim().min(3, "Say why this difference is not a bug").max(2_000),
    expiresAt: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? new Date(v) : null))
      .refine((d) => d === null || Number.isFinite(d.getTime()), "Not a date"),
  })
  .refine((r) => r.kind !== "timestamp_precision" || r.digits !== undefined, { path: ["digits"], message: "Fractional digits are required" })
  .refine((r) => r.kind !== "float_tolerance" || r.tolerance !== undefined, { path: ["tolerance"], message: "A tolerance is required" });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    const id = z.string().uuid().safeParse(form.get("id"));
    if (!id.success) throw new Response("Rule not found", { status: 404 });
    await deleteRule(userActor(user), id.data, null);
    return json({ intent: "delete" as const, errors: null, preview: null, created: false });
  }
  const blank = (name: string) => (form.get(name) === "" ? undefined : (form.get(name) ?? undefined));
  const parsed = ruleSchema.safeParse({
    intent: form.get("intent"),
    kind: form.get("kind"),
    table: form.get("table"),
    column: form.get("column"),
    digits: blank("digits"),
    tolerance: blank("tolerance"),
    reason: form.get("reason"),
    expiresAt: form.get("expiresAt") ?? undefined,
  });
  if (!parsed.success) {
    return json({ intent: "invalid" as const, errors: parsed.error.flatten().fieldErrors, preview: null, created: false }, { status: 400 });
  }
  const input = { ...parsed.data, expiresAt: parsed.data.expiresAt };
  // reconciliation applies every rule in SQL: one it could not apply there is refused, never skipped by one side
  const refusal = await sqlTwinRefusalOf(input);
  if (refusal) return json({ intent: "invalid" as const, errors: { kind: [refusal] }, preview: null, created: false }, { status: 400 });
  if (parsed.data.intent === "preview") {
    const preview = await previewRule(input);
    return json({
      intent: "preview" as const,
      errors: null,
      preview: { count: preview.ids.length, scanned: preview.scanned, capped: preview.capped },
      created: false,
    });
  }
  await createRule(userActor(user), input);
  return json({ intent: "create" as const, errors: null, preview: null, created: true });
}

export default function RulesPage() {
  const { rules, canEdit, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const navigate = useNavigate();
  const [formKey, setFormKey] = useState(0);
  const errors = (actionData?.errors ?? {}) as Record<string, string[] | undefined>;
  return (
    <div>
      <p className="mb-2 text-sm">
        <Link to="/mismatches" className="text-sky-700 hover:underline">
          ← Mismatches
        </Link>
      </p>
      <PageHeader
        title="Normalization rules"
        description="Known engine differences that are not bugs. The same rules apply at ingestion, in reconciliation and in the application-side client."
      />
      {actionData?.created ? <Banner tone="ok" title="Rule saved; the open mismatches it explains are now ignored by it." /> : null}
      {actionData?.preview ? (
        <Banner
          tone="info"
          title={`This rule would resolve ${actionData.preview.capped ? "at least " : ""}${actionData.preview.count} open mismatch${actionData.preview.count === 1 ? "" : "es"}`}
        >
          {`Checked ${actionData.preview.scanned} open records against today's rules plus this one.`}
        </Banner>
      ) : null}
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <Card title="Rules">
            <NormalizationRuleTable rules={rules} canEdit={canEdit} now={now} />
          </Card>
        </div>
        {canEdit ? (
          <Card title="New rule">
            <Form method="post" className="space-y-3" key={formKey}>
              <label className="flex flex-col text-sm font-medium text-slate-700">
                Kind
                <Select name="kind" className="mt-1" defaultValue="timestamp_precision">
                  {RULE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {RULE_KIND_LABELS[k]}
                    </option>
                  ))}
                </Select>
                {errors.kind?.[0] ? (
                  <span role="alert" className="mt-1 text-sm text-red-700">
                    {errors.kind[0]}
                  </span>
                ) : null}
              </label>
              <Field label="Table (* for any)" name="table" defaultValue="*" error={errors.table?.[0]} />
              <Field label="Column (* for any)" name="column" defaultValue="*" error={errors.column?.[0]} />
              <Field label="Fractional digits (timestamp precision)" name="digits" type="number" min={0} max={6} error={errors.digits?.[0]} />
              <Field label="Tolerance (float)" name="tolerance" type="number" step="any" min={0} error={errors.tolerance?.[0]} />
              <Field label="Reason" name="reason" error={errors.reason?.[0]} />
              <Field label="Expires (optional)" name="expiresAt" type="datetime-local" error={errors.expiresAt?.[0]} />
              <div className="flex gap-2">
                <Button type="submit" name="intent" value="preview" variant="secondary" disabled={navigation.state !== "idle"}>
                  Preview
                </Button>
                <Button type="submit" name="intent" value="create" disabled={navigation.state !== "idle"}>
                  Save rule
                </Button>
                {/* Empties the form and, by navigating, drops the preview. */}
                <Button
                  type="button"
                  variant="secondary"
                  onClick={() => {
                    setFormKey((k) => k + 1);
                    navigate(".", { replace: true });
                  }}
                >
                  Cancel
                </Button>
              </div>
            </Form>
          </Card>
        ) : null}
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
