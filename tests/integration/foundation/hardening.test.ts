import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainMismatchInbox } from "~/models/mismatch-fold.server";
import { MAX_COMPARISON_COUNT } from "~/mismatches/contract";
import { startTestApp, type TestApp } from "../../support/app-server";

// Regression tests for the hardening issue's numbered findings that are about requests (1, 6, 8, 9): each of
// these answered 5xx, crashed the process, leaked internals or poisoned later batches before.
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

/** A raw request: fetch refuses some methods (TRACE) and rewrites some paths, node's client sends them as given. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: body ? { ...headers, "Content-Length": String(Buffer.byteLength(body)) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const STACK = /\n\s+at |node_modules|\/work\/|URIError|TypeError/;
const json = { "Content-Type": "application/json" };

describe("1. malformed percent-encoding", () => {
  it.each(["/api/v1/assignments/%FF", "/api/v1/assignments/%C0%AF", "/%", "/cohorts/%E2%82", "/api/v1/reconciliations/%FF"])(
    "answers %s with a 400 and stays up",
    async (path) => {
      const answer = await raw("GET", path, { Authorization: `Bearer ${app.token}` });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { status: 400, message: expect.stringContaining("percent-encoding") } });
      expect(answer.text).not.toMatch(STACK);
      expect((await raw("GET", "/healthz")).status).toBe(200);
    },
  );
});

describe("6. comparison counts", () => {
  const post = (body: unknown, key?: string) =>
    fetch(`${app.baseUrl}/api/v1/mismatches`, {
      method: "POST",
      headers: { ...json, Authorization: `Bearer ${app.token}`, ...(key ? { "Idempotency-Key": key } : {}) },
      body: JSON.stringify(body),
    });
  const window = "2026-12-01T10:00:00.000Z";

  it("refuses a count above a billion per entry, naming the field", async () => {
    const response = await post({ comparisons: [{ cohort: null, table: "t_big", windowStart: window, compared: MAX_COMPARISON_COUNT + 1, mismatched: 0 }] });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details.errors).toEqual([
      { section: "comparisons", index: 0, field: "compared", reason: `must be an integer from 0 to ${MAX_COMPARISON_COUNT}` },
    ]);
  });

  it("saturates a window's sum instead of overflowing, so no later batch for it is set aside", async () => {
    // A window already near bigint's limit (as two posts of 2^62 would have made it before the bound).
    await app.control.sql`
      insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
      values ('', 't_sat', ${window}, 9223372036854775000, 0)`;
    for (let i = 0; i < 3; i++) {
      const response = await post(
        { comparisons: [{ cohort: null, table: "t_sat", windowStart: window, compared: MAX_COMPARISON_COUNT, mismatched: 1 }] },
        `sat-${i}`,
      );
      expect(response.status).toBe(202);
    }
    await drainMismatchInbox();
    const [row] = await app.control.sql<{ compared: string; mismatched: string }[]>`
      select compared::text, mismatched::text from mismatch_comparisons where table_name = 't_sat'`;
    expect(row).toEqual({ compared: "9223372036854775807", mismatched: "3" });
    const [aside] = await app.control.sql<{ n: number }[]>`select count(*)::int as n from mismatch_inbox_set_aside`;
    expect(aside.n).toBe(0);
  });
});

describe("8. internals and headers", () => {
  it("shows no stack and no development error page for requests express or Remix could not route", async () => {
    for (const [method, path] of [
      ["GET", "/%"],
      ["TRACE", "/"],
      ["PROPFIND", "/cohorts"],
      ["GET", "/api/v1/nope"],
    ] as const) {
      const answer = await raw(method, path);
      expect(answer.status).toBeLessThan(500);
      expect(answer.text).not.toMatch(STACK);
    }
    const trace = await raw("TRACE", "/");
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toContain("GET");
  });

  it("sends security headers on pages, API answers and files, and no-store on signed-in pages", async () => {
    const cookie = await app.login("viewer");
    const page = await fetch(`${app.baseUrl}/cohorts`, { headers: { Cookie: cookie } });
    const api = await fetch(`${app.baseUrl}/api/v1/ruleset`, { headers: { Authorization: `Bearer ${app.token}` } });
    const file = await fetch(`${app.baseUrl}/favicon.ico`);
    for (const response of [page, api, file]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
    expect(page.headers.get("cache-control")).toBe("no-store");
    // One policy, with this page's nonce on every inline script.
    const policy = page.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(policy)![1];
    const html = await page.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    // HSTS only over https: a plain-HTTP client cannot claim it with X-Forwarded-Proto (no trusted proxy here).
    expect(page.headers.get("strict-transport-security")).toBeNull();
  });

  it("ignores X-Forwarded-Proto from a client when no proxy is trusted", async () => {
    const response = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      body: new URLSearchParams({ email: "cto@demo.local", password: "cutover-demo", redirectTo: "/" }),
      headers: { Origin: app.baseUrl, "X-Forwarded-Proto": "https" },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("set-cookie")).not.toMatch(/;\s*Secure/i);
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });
});

describe("9. bad input answers 4xx", () => {
  it("refuses JSON nested 10,000 levels deep, in a key and in a value", async () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    for (const body of [
      `{"mismatches":[{"origin":"shadow_read","kind":"value_mismatch","table":"t","primaryKey":${deep}}]}`,
      `{"mismatches":[{"origin":"shadow_read","kind":"value_mismatch","table":"t","primaryKey":1,"sourceValue":{"a":${deep}}}]}`,
      `{"table":${deep},"mode":"verify"}`,
    ]) {
      for (const path of ["/api/v1/mismatches", "/api/v1/reconciliations"]) {
        const answer = await raw("POST", path, { ...json, Authorization: `Bearer ${app.token}` }, body);
        expect(answer.status).toBe(400);
        expect(answer.text).toContain("nests deeper than");
      }
    }
  });

  it("refuses a primary key of 1e309 instead of storing it as null", async () => {
    const answer = await raw(
      "POST",
      "/api/v1/mismatches",
      { ...json, Authorization: `Bearer ${app.token}` },
      '{"mismatches":[{"origin":"shadow_read","kind":"value_mismatch","table":"t","primaryKey":1e309}]}',
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("out of range");
  });

  it("answers 404 or 400 to job ids of the wrong shape, on the API and the page", async () => {
    const cookie = await app.login("engineer");
    for (const id of ["00000000-0000-0000-0000-00000000000z", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "1", "%25"]) {
      const api = await raw("GET", `/api/v1/reconciliations/${id}`, { Authorization: `Bearer ${app.token}` });
      expect([400, 404]).toContain(api.status);
      const page = await raw("GET", `/reconciliations/${id}`, { Cookie: cookie });
      expect([400, 404]).toContain(page.status);
    }
  });

  it("refuses a NUL in a reconciliation's table name and in triage filters, and an over-long filter", async () => {
    const start = await raw(
      "POST",
      "/api/v1/reconciliations",
      { ...json, Authorization: `Bearer ${app.token}` },
      JSON.stringify({ table: "users\u0000x", mode: "verify" }),
    );
    expect(start.status).toBe(400);
    const cookie = await app.login("engineer");
    for (const query of ["table=a%00b", "cohort=%00", `field=${"f".repeat(5_000)}`, "cursor=%FF", "cursor=not-a-cursor", "from=yesterday"]) {
      const page = await raw("GET", `/mismatches?${query}`, { Cookie: cookie });
      expect(page.status).toBeLessThan(500);
      expect(page.text).not.toMatch(STACK);
    }
  });

  it("refuses bodies that are not what the endpoint reads (415), whatever their content", async () => {
    const text = await raw("POST", "/api/v1/mismatches", { "Content-Type": "text/plain", Authorization: `Bearer ${app.token}` }, '{"mismatches":[]}');
    expect(text.status).toBe(415);
    const form = await raw(
      "POST",
      "/api/v1/reconciliations",
      { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Bearer ${app.token}` },
      "table=users",
    );
    expect(form.status).toBe(415);
    const login = await raw("POST", "/login", { "Content-Type": "application/json", Origin: app.baseUrl }, '{"email":"cto@demo.local"}');
    expect(login.status).toBe(415);
  });
});
