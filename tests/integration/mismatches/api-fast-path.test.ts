import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../../app/models/api-token.server";
import { drainMismatchInbox } from "../../../app/models/mismatch-fold.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { startFastPathServers } from "../../support/fast-path-servers";
import { apiRecord as record } from "./api-records";

/**
 * POST /api/v1/mismatches through the node-native fast path (app/api-fast-path.server.ts) must answer exactly as
 * the Remix route action does (tests/support/fast-path-servers.ts: 599 = declined by the fast path).
 */
let app: TestApp;
let servers: Awaited<ReturnType<typeof startFastPathServers>>;
let remixUrl: string;
let fastOnlyUrl: string;
let metricsToken: string;

beforeAll(async () => {
  app = await startTestApp();
  metricsToken = `metrics-${crypto.randomUUID()}`;
  await createApiToken({ name: "metrics only", scopes: ["metrics:read"], createdBy: null, token: metricsToken });
  servers = await startFastPathServers();
  ({ remixUrl, fastOnlyUrl } = servers);
});

afterAll(async () => {
  await servers?.close();
  await app?.close();
});

const batch = (...records: unknown[]) => JSON.stringify({ mismatches: records, comparisons: [] });
// Headers that describe the connection or the framing, not the answer.
const TRANSPORT = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);

type Token = "all" | "metrics" | "unknown" | null;
interface Case {
  label: string;
  body: string | (() => ReadableStream<Uint8Array>);
  token?: Token;
  headers?: Record<string, string>;
  target?: string;
}

async function answer(base: string, { body, token = "all", headers = {}, target = "/api/v1/mismatches" }: Case, keySuffix: string) {
  const bearer = token === "all" ? app.token : token === "metrics" ? metricsToken : token === "unknown" ? "not-a-token" : null;
  const key = headers["Idempotency-Key"];
  const response = await fetch(`${base}${target}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      ...headers,
      // Each server gets its own key, so both give a first answer and then both replay it.
      ...(key ? { "Idempotency-Key": `${key}${keySuffix}` } : {}),
    },
    body: typeof body === "string" ? body : body(),
    ...(typeof body === "string" ? {} : { duplex: "half" }),
  } as RequestInit);
  const kept = [...response.headers].filter(([name]) => !TRANSPORT.has(name));
  return { status: response.status, headers: Object.fromEntries(kept), body: await response.text() };
}

/** A chunked body (no Content-Length) of `bytes` bytes: only counting what arrives can refuse it. */
function streamOf(bytes: number): () => ReadableStream<Uint8Array> {
  return () => {
    let sent = 0;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    return new ReadableStream({
      pull(controller) {
        if (sent >= bytes) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
  };
}

const cases: Case[] = [
  {
    label: "202, a clean batch with comparisons",
    body: JSON.stringify({
      mismatches: [record(1), record(2), record(1)],
      comparisons: [{ cohort: "cohort-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 10, mismatched: 3 }],
    }),
  },
  { label: "202, with an Idempotency-Key", body: batch(record(3)), headers: { "Idempotency-Key": "same-batch" } },
  { label: "202 replayed, the same Idempotency-Key again", body: batch(record(3)), headers: { "Idempotency-Key": "same-batch" } },
  { label: "202, nothing in it", body: "{}" },
  { label: "202, text beyond ASCII", body: batch(record(12, { userId: "jürgen 😀", sourceValue: { title: "Übung" }, targetValue: { title: "Ubung" } })) },
  { label: "400, a record beyond ASCII", body: batch(record(13, { table: "ü".repeat(513) })) },
  { label: "400, bad records", body: batch(record(4), record(5, { kind: "oops" }), record(6, { table: "", detectedAt: "soon" })) },
  { label: "400, not an object", body: "[1, 2]" },
  { label: "400, mismatches not an array", body: JSON.stringify({ mismatches: {} }) },
  { label: "400, not JSON", body: "{not json" },
  { label: "400, empty body", body: "" },
  { label: "202, an empty Idempotency-Key (Remix never sees it)", body: batch(record(7)), headers: { "Idempotency-Key": "" } },
  { label: "400, Idempotency-Key too long", body: batch(record(7)), headers: { "Idempotency-Key": "k".repeat(201) } },
  { label: "401, no token", body: batch(record(8)), token: null },
  { label: "401, unknown token", body: batch(record(8)), token: "unknown" },
  { label: "403, wrong scope", body: batch(record(8)), token: "metrics" },
  { label: "413, too many records", body: batch(...Array.from({ length: 5001 }, (_, i) => record(i))) },
  { label: "413, declared body too large", body: batch(record(9, { sourceValue: { blob: "x".repeat(17 * 1024 * 1024) } })) },
  { label: "202, a chunked body", body: () => new Blob([batch(record(10))]).stream() },
];

describe("the mismatch report fast path", () => {
  it.each(cases.map((c) => [c.label, c] as const))("answers %s exactly as the Remix action does", async (_, request) => {
    const viaRemix = await answer(remixUrl, request, "-remix");
    const viaFastPath = await answer(fastOnlyUrl, request, "-fast");
    expect(viaFastPath.status).not.toBe(599); // the fast path took it
    expect(viaFastPath).toEqual(viaRemix);
  });

  it("covers every status the API contract names, and replays", async () => {
    const statuses = new Set<number>();
    for (const request of cases) statuses.add((await answer(fastOnlyUrl, request, "-statuses")).status);
    expect([...statuses].sort()).toEqual([202, 400, 401, 403, 413]);
    const replay = await answer(fastOnlyUrl, cases[2], "-fast");
    expect(JSON.parse(replay.body)).toEqual({ accepted: 1, ignoredByRules: 0, comparisons: 0, replayed: true });
  });

  it("reads text beyond ASCII as UTF-8, split across chunks or not", async () => {
    const userId = `jürgen 😀 ${"ü".repeat(100_000)}`.slice(0, 500);
    const body = new TextEncoder().encode(batch(record(20_001, { userId, table: "utf8_check" })));
    const split = body.indexOf(0xc3); // a chunk boundary inside a two-byte sequence
    const chunks = () =>
      new ReadableStream({
        start(c) {
          c.enqueue(body.slice(0, split + 1));
          c.enqueue(body.slice(split + 1));
          c.close();
        },
      });
    expect((await answer(fastOnlyUrl, { label: "utf8", body: chunks }, "")).status).toBe(202);
    await drainMismatchInbox();
    const [stored] = await app.control.sql`select user_id from mismatches where table_name = 'utf8_check'`;
    expect(stored.user_id).toBe(userId);
  });

  it("answers 413 to a chunked body past the limit", async () => {
    // Remix resets the connection when it stops reading; the fast path answers and lets node discard the rest.
    const tooLarge = await answer(fastOnlyUrl, { label: "chunked", body: streamOf(17 * 1024 * 1024) }, "");
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toEqual({ error: { status: 413, message: "Body too large: more than 16777216 bytes." } });
  });

  it("leaves other paths and query strings to Remix", async () => {
    for (const target of ["/api/v1/mismatches?_data=routes/api.v1.mismatches", "/api/v1/mismatches/", "/API/v1/mismatches"]) {
      expect((await answer(fastOnlyUrl, { label: target, body: batch(record(11)), target }, "")).status, target).toBe(599);
    }
    const get = await fetch(`${fastOnlyUrl}/api/v1/mismatches`, { headers: { Authorization: `Bearer ${app.token}` } });
    expect(get.status).toBe(599);
  });
});
