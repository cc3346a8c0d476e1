import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { NotificationsLink } from "~/components/notifications/notifications-link";
import { PopulationSettings } from "~/components/rollout/population-settings";
import { OwnerColumnSettings } from "~/components/settings/owner-column-settings";
import { ReconciliationGuardSettings } from "~/components/settings/reconciliation-guard-settings";
import { PageHeader } from "~/components/ui/page-header";
import { hasRole, requireRole } from "~/utils/auth.server";
import { AccessSettings } from "./access-settings";
import { loadAccess, saveAccess } from "./access.server";
import { loadPopulation, savePopulation } from "./population.server";
import { loadGuardSettings, loadOwnerColumns, saveGuardSettings, saveOwnerColumn } from "./reconciliation.server";

/*
 * One page, three admin features, each in its own module beside this route: access (users and API tokens), the
 * rollout population, and the reconciliation settings (guard and owner columns). Forms carry an `intent`.
 */
export const meta: MetaFunction = () => [{ title: "Settings · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const isAdmin = hasRole(user, "admin");
  const [access, population, guard, owners] = await Promise.all([
    isAdmin ? loadAccess() : null,
    loadPopulation(isAdmin, new URL(request.url).searchParams.get("table")),
    loadGuardSettings(),
    loadOwnerColumns(),
  ]);
  const { users, tokens } = access ?? { users: [], tokens: [] };
  return json({ isAdmin, canSetOwners: hasRole(user, "engineer"), users, tokens, population, guard, owners });
}

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
  return saveAccess(admin, form);
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
            {shownOnce.kind === "token" ? `Token “${shownOnce.label}” created.` : `User ${shownOnce.label} created.`} Copy it now: it is shown only once.
          </p>
          <code
            className="mt-2 block select-all break-all rounded bg-white px-2 py-1 font-mono"
            aria-label={shownOnce.kind === "token" ? "New token" : "New password"}
          >
            {shownOnce.secret}
          </code>
        </div>
      ) : null}
      {isAdmin ? <NotificationsLink /> : null}
      {isAdmin ? <AccessSettings tokens={tokens} users={users} errors={errors} shownOnce={shownOnce} busy={navigation.state !== "idle"} /> : null}
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
