import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Links, LiveReload, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import css from "~/tailwind.css";
import { EmergencyBanner } from "~/components/emergency-banner";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { getServedRuleset } from "~/rollout/served-ruleset.server";
import { useNonce } from "~/utils/nonce-provider";
import { getSessionUser } from "~/utils/session.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: css }];

export const meta: MetaFunction = () => [{ title: "Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  // Not a guard: /login renders inside this layout too. Each route checks the role itself.
  const user = await getSessionUser(request);
  // The served ruleset is cached and kept fresh by LISTEN, so every page can show the switch at no cost.
  const emergency = user ? (await getServedRuleset()).ruleset.emergency : null;
  return json({ user, emergency });
}

const NAV = [
  { to: "/", label: "Overview" },
  { to: "/cohorts", label: "Cohorts" },
  { to: "/users", label: "Users" },
  { to: "/mismatches", label: "Mismatches" },
  { to: "/performance", label: "Performance" },
  { to: "/reconciliations", label: "Reconciliation" },
  { to: "/backfills", label: "Backfills" },
  { to: "/wraparound", label: "Wraparound" },
  { to: "/runway", label: "Runway" },
  { to: "/capacity", label: "Capacity" },
  { to: "/schema", label: "Schema" },
  { to: "/audit", label: "Audit" },
  { to: "/settings", label: "Settings" },
];

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  const data = useRouteLoaderData<typeof loader>("root");
  const user = data?.user;
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-full">
        {user ? (
          <header className="border-b border-slate-200 bg-white">
            <div className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-2">
              <NavLink to="/" className="text-lg font-bold tracking-tight text-slate-900">
                Cutover
              </NavLink>
              <nav aria-label="Main" className="flex flex-1 flex-wrap gap-1 text-sm">
                {NAV.map((item) => (
                  <NavLink
                    key={item.to}
                    to={item.to}
                    end={item.to === "/"}
                    prefetch="intent"
                    className={({ isActive }) =>
                      `rounded px-2 py-1 ${isActive ? "bg-slate-900 text-white" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`
                    }
                  >
                    {item.label}
                  </NavLink>
                ))}
              </nav>
              <div className="flex items-center gap-3 text-sm text-slate-600">
                <span>
                  {user.email} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{user.role}</span>
                </span>
                <Form method="post" action="/logout">
                  <button type="submit" className="text-sky-700 hover:underline">
                    Sign out
                  </button>
                </Form>
              </div>
            </div>
          </header>
        ) : null}
        <EmergencyBanner emergency={data?.emergency} />
        <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
        {/* Only in `npm run dev` builds (it renders nothing in production): reloads the page after a rebuild. */}
        <LiveReload nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
