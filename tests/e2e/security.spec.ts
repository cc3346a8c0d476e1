import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test, DEMO_EMAILS, DEMO_PASSWORD } from "./fixtures";

interface CohortRow {
  id: string;
  name: string;
  priority: number;
  mode: string;
  percent_basis_points: number;
  budget_window_minutes: number;
  version: number;
}

async function readCohort(id?: string): Promise<CohortRow> {
  const sql = postgres(e2eDatabaseUrls().controlUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = id
      ? await sql<CohortRow[]>`select id, name, priority, mode, percent_basis_points, budget_window_minutes, version from cohorts where id = ${id}`
      : await sql<
          CohortRow[]
        >`select id, name, priority, mode, percent_basis_points, budget_window_minutes, version from cohorts where percent_basis_points > 0 order by name limit 1`;
    return row;
  } finally {
    await sql.end();
  }
}

/** A rollback to 0%, confirmed, with a reason: an engineer's change the action would make if it ran. */
const rollbackFields = (cohort: CohortRow, intent = "save") => ({
  intent,
  name: cohort.name,
  priority: String(cohort.priority),
  mode: cohort.mode,
  percent: "0",
  budgetWindowMinutes: String(cohort.budget_window_minutes),
  version: String(cohort.version),
  reason: "sent from another origin",
  confirmed: "on",
});

/**
 * The attacker's page: another port of 127.0.0.1, so same-site with Cutover (its SameSite=Lax cookie goes along)
 * but another origin. `/form` posts an auto-submitting form, `/fetch` a credentialed no-cors fetch.
 */
function startForeignSite(target: () => { url: string; fields: Record<string, string> }): Promise<Server> {
  const server = createServer((req, res) => {
    const { url, fields } = target();
    const script = req.url?.startsWith("/fetch")
      ? `<script>fetch(${JSON.stringify(url)}, { method: "POST", credentials: "include", mode: "no-cors", body: new URLSearchParams(${JSON.stringify(fields)}) })
           .then(() => { document.title = "sent"; }, () => { document.title = "failed"; });</script>`
      : `<form id="f" method="post" action="${url}">${Object.entries(fields)
          .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
          .join("")}</form>
         <script>document.getElementById("f").submit();</script>`;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><title>prize</title>${script}`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test.describe("a page on another origin, while an engineer is signed in", () => {
  let foreign: Server;
  let foreignOrigin: string;
  let target = { url: "", fields: {} as Record<string, string> };

  test.beforeAll(async () => {
    foreign = await startForeignSite(() => target);
    foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  });

  test.afterAll(async () => {
    await new Promise((resolve) => foreign.close(resolve));
  });

  for (const { via, path, data } of [
    { via: "an auto-submitting form", path: "/form", data: false },
    { via: "an auto-submitting form to ?_data=", path: "/form", data: true },
    { via: "a credentialed fetch", path: "/fetch", data: false },
    { via: "a credentialed fetch to ?_data=", path: "/fetch", data: true },
  ]) {
    test(`cannot change a cohort through ${via}: 403`, async ({ page, baseURL }) => {
      await loginAs(page, "engineer");
      const cohort = await readCohort();
      const query = data ? `?_data=${encodeURIComponent("routes/cohorts.$cohortId")}` : "";
      target = { url: `${baseURL}/cohorts/${cohort.id}${query}`, fields: rollbackFields(cohort) };

      // The same fields from Cutover's own origin are accepted (as a preview, which changes nothing).
      const own = await page.request.post(`/cohorts/${cohort.id}?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`, {
        headers: { Origin: new URL(baseURL ?? "").origin },
        form: rollbackFields(cohort, "preview"),
      });
      expect(own.status()).toBe(200);

      const isTarget = (request: { url(): string; method(): string }) => request.url().startsWith(target.url) && request.method() === "POST";
      // A no-cors fetch's answer may never be shown to the page: Cutover's Cross-Origin-Resource-Policy makes the
      // browser block it (the request fails for the page), though the server answered it.
      const answered = Promise.race([
        page.waitForResponse((response) => isTarget(response.request())),
        page.waitForEvent("requestfailed", isTarget).then(() => null),
      ]);
      await page.goto(`${foreignOrigin}${path}`);
      const response = await answered;
      if (path === "/form") {
        expect(response?.status()).toBe(403);
        // The session cookie went along (same-site): only the Origin check stopped the change. Checked on the
        // form's navigation only: Chromium does not always report a fetch's raw request headers to Playwright.
        expect((await response!.request().allHeaders())["cookie"]).toContain("__cutover=");
      } else if (response) {
        expect(response.status()).toBe(403);
      }
      const after = await readCohort(cohort.id);
      expect(after).toEqual(cohort);
    });
  }
});

test("signing in from /login?redirectTo=%2F%09%2Fevil.example stays on Cutover", async ({ page, baseURL }) => {
  await page.goto("/login?redirectTo=%2F%09%2Fevil.example");
  await page.getByLabel("Email").fill(DEMO_EMAILS.engineer);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(new URL(baseURL ?? "").origin);
});
