import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBoss, stopBoss } from "../../../app/jobs/boss.server";
import { registerNotificationJobs } from "../../../app/jobs/notifications.server";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import { createReconciliationJob } from "../../../app/models/reconciliation.server";
import { runReconciliationWorker } from "../../../app/reconciliation/worker.server";
import { clearEmergency, setEmergency } from "../../../app/models/ruleset.server";
import { listWebhookAttempts } from "../../../app/models/webhook.server";
import { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "../../../app/notifications/events";
import { sideSql } from "../../../app/utils/databases.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { listCohorts, pick } from "../../../app/models/cohort.server";
import { createCohort, updateCohort } from "../../../app/rollout/cohort-change.server";
import { createSourceUsers } from "../../support/source-users";
import { waitFor } from "../../support/wait-for";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A webhook receiver on a fixed port that can go down and come back, as a real one does. */
class Receiver {
  received: Received[] = [];
  private server: Server | null = null;
  port = 0;

  async up() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        this.received.push({ path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down() {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
}

/** A cohort put straight into shadow_read by an admin, before its tables were backfilled: the backfilled gate blocks it. */
function createShadowReadCohort(name: string) {
  return createCohort(
    {
      name,
      description: "",
      priority: 1,
      mode: "shadow_read",
      percentBasisPoints: 1000,
      constraints: {},
      mismatchBudget: null,
      budgetWindowMinutes: 60,
      rampSteps: null,
      rampEveryHours: null,
    },
    { actor: SYSTEM_ACTOR, reason: "pilot", confirmed: true, isAdmin: true },
  );
}

let app: TestApp;
let admin: string;
const receiver = new Receiver();
const secrets: Record<string, string> = {};

async function postForm(fields: Record<string, string>, cookie = admin) {
  const response = await fetch(`${app.baseUrl}/settings/notifications`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  return { status: response.status, html: await response.text() };
}

/** Adds a destination through the page, as an admin does, and keeps the secret the page shows once. */
async function addDestination(name: string, url: string, format: "json" | "slack") {
  const { status, html } = await postForm({ intent: "create", name, url, format, allowPrivateAddresses: "true" });
  expect(status).toBe(200);
  const secret = /aria-label="Signing secret">(whsec_[A-Za-z0-9_-]+)</.exec(html)?.[1];
  expect(secret).toBeTruthy();
  secrets[name] = secret!;
  return secret!;
}

function eventsOf(type: string, path = "/json") {
  return receiver.received.filter((r) => r.path === path && r.headers[EVENT_HEADER] === type);
}

function expectSigned(received: Received, secret: string) {
  expect(verifySignature(secret, String(received.headers[TIMESTAMP_HEADER]), received.body, String(received.headers[SIGNATURE_HEADER]))).toBe(true);
  // a body changed in transit no longer verifies
  expect(verifySignature(secret, String(received.headers[TIMESTAMP_HEADER]), `${received.body} `, String(received.headers[SIGNATURE_HEADER]))).toBe(false);
}

beforeAll(async () => {
  process.env.NODE_ENV = "production";
  // Retries start after about a second (then 2, 4...), four attempts in all: a receiver that stays down gives up in seconds.
  process.env.CUTOVER_WEBHOOK_RETRY_DELAY_SECONDS = "1";
  process.env.CUTOVER_WEBHOOK_ATTEMPTS = "4";
  app = await startTestApp({
    async prepare({ source }) {
      await createSourceUsers(source.sql, 200, { region: "eu", country: "FR" });
      // on the source only: a reconciliation of it fails on the schema difference
      await source.sql`create table lessons (id bigint primary key, title text)`;
    },
  });
  admin = await app.login("admin");
  await receiver.up();
  // the worker's side: the delivery queue's handler, in this process
  await registerNotificationJobs(await getBoss({ worker: true }));
});

afterAll(async () => {
  await stopBoss();
  await receiver.down();
  await app?.close();
});

describe("webhook destinations", () => {
  it("refuses a URL that is not http(s), or local without an admin's permission, with 400 and the reason", async () => {
    const ftp = await postForm({ intent: "create", name: "x", url: "ftp://example.com/hook", format: "json" });
    expect(ftp.status).toBe(400);
    expect(ftp.html).toContain("only http and https URLs are allowed");
    for (const url of [`http://127.0.0.1:${receiver.port}/json`, "http://169.254.169.254/latest/meta-data", "http://localhost:9/", "http://[::1]/"]) {
      const local = await postForm({ intent: "create", name: "x", url, format: "json" });
      expect(local.status, url).toBe(400);
      expect(local.html, url).toMatch(/an admin must allow private addresses/);
    }
    const viewer = await app.login("viewer");
    expect((await postForm({ intent: "create", name: "x", url: "https://example.com/h", format: "json" }, viewer)).status).toBe(403);
    expect((await fetch(`${app.baseUrl}/settings/notifications`, { headers: { Cookie: viewer } })).status).toBe(403);
    const [{ count }] = await app.control.sql`select count(*)::int as count from webhook_destinations`;
    expect(count).toBe(0);
  });

  it("shows the secret once: never again on the page, and stored only encrypted", async () => {
    const secret = await addDestination("ops-json", `http://127.0.0.1:${receiver.port}/json`, "json");
    await addDestination("ops-slack", `http://127.0.0.1:${receiver.port}/slack`, "slack");
    const page = await (await fetch(`${app.baseUrl}/settings/notifications`, { headers: { Cookie: admin } })).text();
    expect(page).toContain("ops-json");
    expect(page).not.toContain(secret);
    expect(page).toContain(secret.slice(0, 10));
    const rows = await app.control.sql`select secret_ciphertext from webhook_destinations`;
    for (const row of rows) expect(row.secret_ciphertext).not.toContain(secret.slice(6));
    const [audit] = await app.control.sql`select after from audit_log where action = 'webhook.create' order by id limit 1`;
    expect(JSON.stringify(audit.after)).not.toContain(secret);
  });

  it("delivers a signed event for a tripped gate, the emergency switch and a failed job, in both bodies", async () => {
    await expect(createShadowReadCohort("Pilot")).rejects.toThrow(/Blocked by/);
    await setEmergency("source_only", "target cluster degraded", SYSTEM_ACTOR);
    const jobId = await createReconciliationJob(
      { schemaName: "public", tableName: "lessons", scope: { kind: "table" }, mode: "verify", reason: "check" },
      SYSTEM_ACTOR,
    );
    await runReconciliationWorker(jobId, { source: sideSql("source"), target: sideSql("target") }).catch(() => {});
    const [job] = await app.control.sql`select status from reconciliation_jobs where id = ${jobId}`;
    expect(job.status).toBe("failed");

    for (const type of ["gate.blocked", "emergency.set", "job.failed"]) {
      const [json] = await waitFor(() => eventsOf(type).length > 0 && eventsOf(type), `${type} at the JSON receiver`, 60_000);
      expectSigned(json, secrets["ops-json"]);
      const body = JSON.parse(json.body);
      expect(body).toMatchObject({ type, source: "cutover" });
      expect(typeof body.summary).toBe("string");
      const [slack] = await waitFor(() => eventsOf(type, "/slack").length > 0 && eventsOf(type, "/slack"), `${type} at the Slack receiver`, 60_000);
      expectSigned(slack, secrets["ops-slack"]);
      expect(JSON.parse(slack.body).text).toContain(`Cutover · ${type}`);
    }
    expect(JSON.parse(eventsOf("gate.blocked")[0].body).detail).toMatchObject({ cohort: "Pilot" });
    expect(JSON.parse(eventsOf("emergency.set")[0].body).detail).toMatchObject({ mode: "source_only", reason: "target cluster degraded" });
    expect(JSON.parse(eventsOf("job.failed")[0].body).detail).toMatchObject({ kind: "reconciliation", jobId, table: "public.lessons" });
  });

  it("a gate that stays closed notifies once per cohort, not at every attempt", async () => {
    const pilot = (await listCohorts()).find((c) => c.name === "Pilot")!;
    // the failed advance left it at 0%: a second attempt (a person, or the next ramp pass) is blocked again
    expect(pilot.percentBasisPoints).toBe(0);
    const change = { actor: SYSTEM_ACTOR, reason: "again", confirmed: true, isAdmin: true };
    await expect(updateCohort(pilot.id, pilot.version, { ...pick(pilot), percentBasisPoints: 1000 }, change)).rejects.toThrow(/Blocked by/);
    await expect(createShadowReadCohort("Pilot 2")).rejects.toThrow(/Blocked by/);
    const rows = await app.control.sql`select detail ->> 'cohort' as cohort from notification_events where type = 'gate.blocked' order by id`;
    expect(rows.map((r) => r.cohort)).toEqual(["Pilot", "Pilot 2"]);
    const [{ states }] = await app.control
      .sql`select count(*)::int as states from gate_states g join cohorts c on c.id = g.cohort_id where c.name = 'Pilot' and not g.passed`;
    expect(states).toBeGreaterThan(0);
  });

  it("a receiver that is down gets the event once it is back, and the log shows each attempt", async () => {
    await receiver.down();
    await clearEmergency("target recovered", SYSTEM_ACTOR);
    const [{ id: destinationId }] = await app.control.sql`select id::text from webhook_destinations where name = 'ops-json'`;
    const failedAttempt = await waitFor(
      async () => (await listWebhookAttempts(destinationId)).find((a) => a.eventType === "emergency.cleared" && a.error),
      "a failed attempt",
      60_000,
    );
    expect(failedAttempt.error).toMatch(/ECONNREFUSED/);
    expect(failedAttempt.deliveryStatus).toBe("pending");
    await receiver.up();
    const [delivered] = await waitFor(
      () => eventsOf("emergency.cleared").length > 0 && eventsOf("emergency.cleared"),
      "the event after the receiver came back",
      60_000,
    );
    expectSigned(delivered, secrets["ops-json"]);
    // the receiver answers before the delivery job writes its attempt: wait for the log to catch up
    const log = await waitFor(
      async () => {
        const attempts = (await listWebhookAttempts(destinationId)).filter((a) => a.eventType === "emergency.cleared").reverse();
        return attempts.at(-1)?.deliveryStatus === "delivered" && attempts;
      },
      "the delivered attempt in the log",
      60_000,
    );
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect(log.map((a) => a.attempt)).toEqual(log.map((_, i) => i + 1));
    expect(log.at(-1)).toMatchObject({ httpStatus: 204, error: null, deliveryStatus: "delivered" });
    const page = await (await fetch(`${app.baseUrl}/settings/notifications`, { headers: { Cookie: admin } })).text();
    expect(page).toContain("ECONNREFUSED");
    expect(page).toContain("204 delivered");
  });

  it("a receiver that stays down: the switch is not held up, deliveries fail visibly after the last retry", async () => {
    await receiver.down();
    await setEmergency("source_only", "second incident", SYSTEM_ACTOR);
    const [{ mode }] = await app.control.sql`select emergency_mode::text as mode from rollout_state`;
    expect(mode).toBe("source_only");
    const [{ id: destinationId }] = await app.control.sql`select id::text from webhook_destinations where name = 'ops-json'`;
    const attempts = await waitFor(
      async () => {
        const rows = (await listWebhookAttempts(destinationId)).filter((a) => a.summary.includes("second incident"));
        return rows.some((a) => a.deliveryStatus === "failed") && rows;
      },
      "the delivery to give up",
      60_000,
    );
    expect(attempts.map((a) => a.attempt).sort()).toEqual([1, 2, 3, 4]);
    expect(attempts.every((a) => a.error !== null)).toBe(true);
    await receiver.up();
  });

  it("send test posts a test event to that destination only", async () => {
    const [{ id }] = await app.control.sql`select id::text from webhook_destinations where name = 'ops-slack'`;
    const { status, html } = await postForm({ intent: "test", id });
    expect(status).toBe(200);
    expect(html).toContain("Test notification queued");
    const [test] = await waitFor(() => eventsOf("notification.test", "/slack").length > 0 && eventsOf("notification.test", "/slack"), "the test event", 60_000);
    expectSigned(test, secrets["ops-slack"]);
    expect(eventsOf("notification.test", "/json")).toHaveLength(0);
    expect((await postForm({ intent: "test", id: "not-a-uuid" })).status).toBe(400);
  });
});
