import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { WebhookDestinationForm } from "~/components/notifications/webhook-destination-form";
import { WebhookDestinationList } from "~/components/notifications/webhook-destination-list";
import { PageHeader } from "~/components/ui/page-header";
import { createDestinationSchema, destinationActionSchema } from "~/notifications/destination-form";
import {
  createWebhookDestination,
  deleteWebhookDestination,
  listWebhookAttempts,
  listWebhookDestinations,
  pendingDeliveryCounts,
  sendTestNotification,
  setWebhookEnabled,
} from "~/models/webhook.server";
import { requireRole, userActor } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Notifications · Settings · Cutover" }];

/** Webhook destinations are an admin's: they decide where Cutover's events (and their details) are sent. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const [destinations, pending] = await Promise.all([listWebhookDestinations(), pendingDeliveryCounts()]);
  const logs = await Promise.all(destinations.map((d) => listWebhookAttempts(d.id, 20)));
  return json({
    destinations: destinations.map((d, i) => ({ ...d, pending: pending[d.id] ?? 0, attempts: logs[i] })),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const actor = userActor(admin);
  const values = Object.fromEntries(await request.formData());
  if (values.intent === "create") {
    const parsed = createDestinationSchema.safeParse(values);
    if (!parsed.success)
      return json(
        { ok: false as const, errors: parsed.error.flatten().fieldErrors as Record<string, string[]>, created: null, message: null },
        { status: 400 },
      );
    const { intent: _intent, ...input } = parsed.data;
    const { secret } = await createWebhookDestination(actor, input);
    return json({ ok: true as const, errors: {}, created: { name: input.name, secret }, message: null });
  }
  const parsed = destinationActionSchema.safeParse(values);
  if (!parsed.success)
    return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors as Record<string, string[]>, created: null, message: null }, { status: 400 });
  const { intent, id } = parsed.data;
  if (intent === "test") {
    await sendTestNotification(actor, id);
    return json({ ok: true as const, errors: {}, created: null, message: "Test notification queued: its attempts appear in the log below." });
  }
  if (intent === "delete") await deleteWebhookDestination(actor, id);
  else await setWebhookEnabled(actor, id, intent === "enable");
  return json({ ok: true as const, errors: {}, created: null, message: null });
}

export default function NotificationSettings() {
  const { destinations } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div>
      <PageHeader
        title="Notifications"
        description="Where Cutover posts its events: a closed gate, the emergency switch, a failed job, a stale collector, a short runway, a breached mismatch budget, set-aside batches."
      />
      <p className="mb-4 text-sm">
        <Link to="/settings" className="text-sky-700 underline">
          ← Settings
        </Link>
      </p>
      {actionData?.message ? (
        <p role="status" className="mb-4 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm">
          {actionData.message}
        </p>
      ) : null}
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <WebhookDestinationList destinations={destinations} busy={busy} />
        <WebhookDestinationForm errors={actionData && !actionData.ok ? actionData.errors : {}} created={actionData?.created ?? null} busy={busy} />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
