import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { CohortVerdictTable } from "~/components/rollout/cohort-verdict-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ORIGIN_LABEL } from "~/components/mismatches/mismatch-table";
import { primaryKeyLabel } from "~/normalization/primary-key";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { UserLatencyCard } from "~/components/performance/user-latency-card";
import { latencyByOperation } from "~/models/operation-latency.server";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { listMismatchesForUser } from "~/models/mismatch.server";
import { getPin, removePin, setPin } from "~/models/pin.server";
import { findSourceUser, findSourceUserIdsByEmail, getPopulationSource } from "~/models/rollout-population.server";
import { tableLabel } from "~/rollout/population";
import { REASON_WORDS, attributesInWords, explanationInWords, whyAnswersDiffer } from "~/support/assignment-answers";
import { Time } from "~/components/ui/time";
import { listRulesetVersions } from "~/models/ruleset.server";
import { getServedRuleset } from "~/rollout/served-ruleset.server";
import { compileRuleset, evaluate } from "~/rollout/evaluate";
import { explain } from "~/rollout/explain";
import { MODE_LABELS, MODES, type Mode } from "~/rollout/modes";
import { userIdProblem } from "~/rollout/user-id";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Select } from "~/components/ui/select";

export const meta: MetaFunction = () => [{ title: "Users · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  // Viewers read everything (the menu shows them this page); only engineers change pins.
  const user = await requireRole(request, "viewer");
  const params = new URL(request.url).searchParams;
  const canPin = hasRole(user, "engineer");
  const lookup = (params.get("q") ?? "").trim();
  let userId = params.get("userId");
  let email = params.get("email");
  if (lookup) [userId, email] = lookup.includes("@") ? [null, lookup] : [lookup, null];
  const empty = {
    canPin,
    lookup: lookup || userId || email || "",
    userId: null,
    email,
    emailMatches: null as string[] | null,
    problem: null as string | null,
    result: null,
  };
  if (userId === null && email === null) return json(empty);
  if (userId === null && email !== null) {
    if (email.length > 320) return json({ ...empty, problem: "an email is at most 320 characters" }, { status: 400 });
    const found = await findSourceUserIdsByEmail(email);
    if (found.error !== null) return json({ ...empty, problem: found.error });
    if (found.ids.length !== 1) return json({ ...empty, emailMatches: found.ids });
    userId = found.ids[0];
  }
  const problem = userIdProblem(userId);
  if (problem) return json({ ...empty, userId, problem }, { status: 400 });
  const [served, source, pin, versions, mismatches, population] = await Promise.all([
    getServedRuleset(),
    findSourceUser(userId!),
    getPin(userId!),
    listRulesetVersions(200),
    listMismatchesForUser(userId!, 20),
    getPopulationSource(),
  ]);
  const id = userId!;
  const attributes = source?.attributes ?? {};
  const trace = explain(served.compiled, id, attributes);
  // What GET /api/v1/assignments/:id answers when the application sends no attributes.
  const apiTrace = explain(served.compiled, id, {});
  const latency = await latencyByOperation({ since: new Date(Date.now() - 3_600_000), cohortId: trace.assignment.cohort?.id ?? "" });
  // The user's mode at each ruleset version, oldest first, keeping only the versions where it changed.
  const modeHistory: { version: number; at: string; mode: Mode; reason: string }[] = [];
  for (const v of [...versions].reverse()) {
    const mode = evaluate(compileRuleset(v.ruleset), id, attributes, v.at.getTime()).mode;
    if (modeHistory.at(-1)?.mode !== mode) modeHistory.push({ version: v.version, at: v.at.toISOString(), mode, reason: v.reason });
  }
  return json({
    ...empty,
    userId: id,
    result: {
      knownInSource: source !== null && source.error === null,
      sourceError: source?.error ?? null,
      sourceTable: tableLabel(population),
      attributes,
      attributesText: attributesInWords(attributes),
      assignment: trace.assignment,
      apiAssignment: apiTrace.assignment,
      answersDiffer: source !== null && source.error === null ? whyAnswersDiffer(apiTrace, trace, attributes) : null,
      cohorts: trace.cohorts,
      pin: pin ? { mode: pin.mode, reason: pin.reason, expiresAt: pin.expiresAt?.toISOString() ?? null, createdBy: pin.createdBy } : null,
      modeHistory: modeHistory.reverse(),
      latency,
      mismatches: mismatches.map((m) => ({
        id: m.id,
        origin: m.origin,
        table: m.table,
        primaryKey: primaryKeyLabel(m.primaryKey),
        kind: m.kind,
        status: m.status,
        lastSeenAt: String(m.lastSeenAt),
      })),
    },
  });
}

const pinSchema = z.object({
  intent: z.literal("pin"),
  userId: z.string().refine((v) => userIdProblem(v) === null, "not a valid user id"),
  mode: z.enum(MODES),
  reason: z.string().trim().min(1, "a reason is required"),
  expiresAt: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const date = new Date(v);
      if (Number.isNaN(date.getTime())) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not a date" });
      return date;
    }),
});
const unpinSchema = z.object({ intent: z.literal("unpin"), userId: z.string().min(1), reason: z.string().trim().min(1, "a reason is required") });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  const parsed = z.discriminatedUnion("intent", [pinSchema, unpinSchema]).safeParse(form);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
    return json({ errors }, { status: 400 });
  }
  if (parsed.data.intent === "pin") {
    await setPin(parsed.data.userId, parsed.data.mode, parsed.data.reason, parsed.data.expiresAt, userActor(user));
  } else {
    await removePin(parsed.data.userId, parsed.data.reason, userActor(user));
  }
  // A new key per save empties the pin form (the reason typed stays only when the save failed).
  return json({ errors: {} as Record<string, string>, savedAt: Date.now() });
}

export default function UsersPage() {
  const { canPin, lookup, userId, emailMatches, email, problem, result } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const errors: Record<string, string> = actionData?.errors ?? {};
  return (
    <div className="space-y-6">
      <PageHeader title="Users" description="Which database path one user takes, and why. Look a user up by id or by email." />
      <Form method="get" className="flex items-end gap-2">
        <div className="w-96">
          <Field label="User id or email" name="q" defaultValue={lookup} error={problem ?? undefined} />
        </div>
        <Button type="submit">Look up</Button>
      </Form>
      {emailMatches && emailMatches.length === 0 ? (
        <Banner tone="warning" title="No user has this email.">
          Nobody in the source&apos;s users table has the email {email} (compared exactly, ignoring case).
        </Banner>
      ) : null}
      {emailMatches && emailMatches.length > 1 ? (
        <Card
          title={
            <>
              {emailMatches.length} users have the email <span className="normal-case">{email}</span>
            </>
          }
        >
          <ul className="text-sm">
            {emailMatches.map((id) => (
              <li key={id}>
                <Link className="text-sky-700 hover:underline" to={`?userId=${encodeURIComponent(id)}`}>
                  {id}
                </Link>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {result && userId ? (
        <>
          {result.sourceError ? (
            <Banner tone="warning" title="Source unavailable">
              {result.sourceError}
            </Banner>
          ) : null}
          {!result.knownInSource && !result.sourceError ? (
            <Banner tone="critical" title="Unknown user.">
              {userId} is not in the source&apos;s users table ({result.sourceTable}): the application has no such user. The API would still answer for this id
              — it evaluates the rules for any id without checking that the user exists — with <strong>{MODE_LABELS[result.apiAssignment.mode]}</strong>{" "}
              (decided by {REASON_WORDS[result.apiAssignment.reason]}).
            </Banner>
          ) : null}
          <Card
            title={
              // ids are case-sensitive: the id keeps its case in the uppercase card title
              <>
                {result.knownInSource ? "User " : "What the rules say for id "}
                <span className="font-mono normal-case">{userId}</span>
              </>
            }
          >
            {email ? <p className="mb-2 text-sm text-slate-600">Found by email {email}.</p> : null}
            <dl className="grid grid-cols-2 gap-2 text-sm md:grid-cols-4">
              <dt className="text-slate-500">Mode</dt>
              <dd data-testid="user-mode">{MODE_LABELS[result.assignment.mode]}</dd>
              <dt className="text-slate-500">Cohort</dt>
              <dd>
                {result.assignment.cohort ? (
                  <Link className="text-sky-700 hover:underline" to={`/cohorts/${result.assignment.cohort.id}`}>
                    {result.assignment.cohort.name}
                  </Link>
                ) : (
                  "none"
                )}
              </dd>
              <dt className="text-slate-500">Bucket</dt>
              <dd>{result.assignment.bucket}</dd>
              <dt className="text-slate-500">Decided by</dt>
              <dd>{REASON_WORDS[result.assignment.reason]}</dd>
              {result.knownInSource ? (
                <>
                  <dt className="text-slate-500">Attributes (from the source)</dt>
                  <dd className="md:col-span-3">{result.attributesText}</dd>
                </>
              ) : null}
            </dl>
            <p className="mt-2 text-sm">Why: {explanationInWords(result.assignment.explanation)}</p>
            <p className="text-xs text-slate-500">Ruleset version {result.assignment.rulesetVersion}</p>
          </Card>
          {result.answersDiffer ? (
            <Card title="The API answers differently">
              <dl className="grid grid-cols-2 gap-2 text-sm" aria-label="API answer and page answer">
                <dt className="text-slate-500">API, request without attributes</dt>
                <dd data-testid="api-mode">
                  {MODE_LABELS[result.apiAssignment.mode]} (decided by {REASON_WORDS[result.apiAssignment.reason]})
                </dd>
                <dt className="text-slate-500">This page, attributes from the source</dt>
                <dd>
                  {MODE_LABELS[result.assignment.mode]} (decided by {REASON_WORDS[result.assignment.reason]})
                </dd>
              </dl>
              <p className="mt-2 text-sm">Why: {result.answersDiffer}</p>
            </Card>
          ) : null}
          <Card title="Every cohort's verdict (priority order)">
            <CohortVerdictTable verdicts={result.cohorts} />
          </Card>
          <Card title="Pin">
            {result.pin ? (
              <p className="mb-2 text-sm">
                Pinned to {MODE_LABELS[result.pin.mode as Mode]} by {result.pin.createdBy}: {result.pin.reason} (
                {result.pin.expiresAt ? (
                  <>
                    expires <Time at={result.pin.expiresAt} />
                  </>
                ) : (
                  "no expiry"
                )}
                )
              </p>
            ) : (
              <p className="mb-2 text-sm text-slate-500">Not pinned.</p>
            )}
            {canPin ? (
              <Form method="post" className="flex flex-wrap items-end gap-2" key={actionData && "savedAt" in actionData ? String(actionData.savedAt) : "pin"}>
                <input type="hidden" name="userId" value={userId} />
                <label className="text-sm">
                  <span className="block font-medium">Mode</span>
                  <Select name="mode">
                    {MODES.map((m) => (
                      <option key={m} value={m}>
                        {MODE_LABELS[m]}
                      </option>
                    ))}
                  </Select>
                </label>
                <Field label="Reason" name="reason" error={errors.reason} />
                <Field label="Expires at (optional)" name="expiresAt" type="datetime-local" error={errors.expiresAt} />
                <Button type="submit" name="intent" value="pin" disabled={busy}>
                  Pin
                </Button>
                {result.pin ? (
                  <Button type="submit" name="intent" value="unpin" variant="secondary" disabled={busy}>
                    Unpin
                  </Button>
                ) : null}
              </Form>
            ) : (
              <p className="mt-1 text-xs text-slate-500">Read-only: engineers pin and unpin.</p>
            )}
          </Card>
          <Card title="Mode history (from ruleset versions)">
            <ol className="text-sm">
              {result.modeHistory.map((h) => (
                <li key={h.version}>
                  v{h.version} · <Time at={h.at} /> · {MODE_LABELS[h.mode]} — {h.reason}
                </li>
              ))}
            </ol>
          </Card>
          <UserLatencyCard cohortName={result.assignment.cohort?.name ?? null} operations={result.latency} />
          <Card title="Recent mismatches">
            {result.mismatches.length === 0 ? (
              <p className="text-sm text-slate-500">None recorded.</p>
            ) : (
              <ul className="text-sm">
                {result.mismatches.map((m) => (
                  <li key={m.id}>
                    <Link className="text-sky-700 hover:underline" to={`/mismatches/${m.id}`}>{`#${m.id}`}</Link>{" "}
                    <span data-origin={m.origin}>{ORIGIN_LABEL[m.origin]}</span>
                    {` · ${m.table} `}
                    <span className="font-mono text-xs">{m.primaryKey}</span>
                    {` · ${m.kind.replaceAll("_", " ")} · ${m.status} · last seen `}
                    <Time at={m.lastSeenAt} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
