import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { isMode } from "../../app/rollout/modes";
import type { Ruleset } from "../../app/rollout/types";
import { errorMessage } from "./mismatch-reporter";

export type RulesetOrigin = "safe_default" | "file" | "server";

export interface RulesetPollerOptions {
  url: string;
  token: string;
  pollIntervalMs: number;
  /** Where the last good ruleset is kept, so a restart during a control-plane outage starts from it. */
  rulesetFile?: string;
  requestTimeoutMs?: number;
  /** Called with every new ruleset (from the file at start-up, then from the server); throwing rejects it. */
  onRuleset: (ruleset: Ruleset, origin: "file" | "server") => void;
}

export interface PollerState {
  origin: RulesetOrigin;
  etag: string | null;
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
}

interface PersistedRuleset {
  etag: string | null;
  fetchedAt: string;
  ruleset: Ruleset;
}

/**
 * Keeps a ruleset fresh by polling GET /api/v1/ruleset with If-None-Match. Fail static: any failure (network,
 * timeout, 5xx, a body that is not a ruleset) leaves the current ruleset in place and is only recorded, so a
 * control-plane outage changes no one's assignment.
 */
export class RulesetPoller {
  readonly state: PollerState = {
    origin: "safe_default",
    etag: null,
    lastSuccessAt: null,
    lastAttemptAt: null,
    lastError: null,
    consecutiveFailures: 0,
  };
  private readonly endpoint: string;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<boolean> | null = null;
  private closed = false;
  private persisting: Promise<void> = Promise.resolve();

  constructor(private readonly options: RulesetPollerOptions) {
    this.endpoint = new URL("/api/v1/ruleset", options.url).toString();
  }

  /** Reads the persisted ruleset synchronously, so the very first assignment after a restart already uses it. */
  loadPersisted(): boolean {
    const file = this.options.rulesetFile;
    if (!file) return false;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.state.lastError = `ruleset file: ${errorMessage(error)}`;
      return false;
    }
    try {
      const persisted = JSON.parse(text) as PersistedRuleset;
      if (!isRuleset(persisted?.ruleset)) throw new Error("not a ruleset");
      this.options.onRuleset(persisted.ruleset, "file");
      this.state.origin = "file";
      this.state.etag = typeof persisted.etag === "string" ? persisted.etag : null;
      return true;
    } catch (error) {
      this.state.lastError = `ruleset file ${file} ignored: ${errorMessage(error)}`;
      return false;
    }
  }

  /** Starts the polling timer (the first poll is the caller's, so it can be awaited). */
  start(): void {
    this.schedule();
  }

  /** One poll now (joins a poll already running); true when the control plane answered 200 or 304. */
  poll(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.fetchOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Resolves once the last persisted write has reached the disk (for tests and graceful shutdown). */
  persisted(): Promise<void> {
    return this.persisting;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.closed) return;
    // ±10% jitter so a fleet restarted together does not poll in lockstep.
    const delay = this.options.pollIntervalMs * (0.9 + Math.random() * 0.2);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async fetchOnce(): Promise<boolean> {
    this.state.lastAttemptAt = new Date();
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.options.token}`,
        accept: "application/json",
      };
      if (this.state.etag) headers["if-none-match"] = this.state.etag;
      const response = await fetch(this.endpoint, {
        headers,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000),
      });
      if (response.status === 304) {
        await response.arrayBuffer().catch(() => undefined);
        return this.succeeded();
      }
      if (!response.ok) {
        await response.arrayBuffer().catch(() => undefined);
        throw new Error(`GET /api/v1/ruleset answered ${response.status}`);
      }
      const body = (await response.json()) as unknown;
      // Accept the ruleset itself or an envelope { ruleset }, whichever the endpoint settles on.
      const ruleset = isRuleset(body) ? body : isRuleset((body as { ruleset?: unknown })?.ruleset) ? (body as { ruleset: Ruleset }).ruleset : null;
      if (!ruleset) throw new Error("GET /api/v1/ruleset returned something that is not a ruleset");
      if (this.closed) return false;
      this.options.onRuleset(ruleset, "server");
      const etag = response.headers.get("etag");
      this.state.origin = "server";
      this.state.etag = etag;
      this.persist({ etag, fetchedAt: new Date().toISOString(), ruleset });
      return this.succeeded();
    } catch (error) {
      this.state.lastError = errorMessage(error);
      this.state.consecutiveFailures++;
      return false;
    }
  }

  private succeeded(): boolean {
    this.state.lastSuccessAt = new Date();
    this.state.lastError = null;
    this.state.consecutiveFailures = 0;
    return true;
  }

  private persist(persisted: PersistedRuleset): void {
    const file = this.options.rulesetFile;
    if (!file) return;
    // Write-then-rename: a crash mid-write leaves the previous file intact rather than a torn one.
    const tmp = `${file}.${process.pid}.tmp`;
    this.persisting = this.persisting
      .then(() => writeFile(tmp, JSON.stringify(persisted)))
      .then(() => rename(tmp, file))
      .catch((error: unknown) => {
        this.state.lastError = `could not persist the ruleset to ${file}: ${errorMessage(error)}`;
      });
  }
}

/** A structural check of what the server (or the file) sent: enough that compiling and evaluating cannot throw. */
export function isRuleset(value: unknown): value is Ruleset {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<Ruleset>;
  if (typeof r.version !== "number" || !isMode(r.defaultMode)) return false;
  if (r.emergency !== null && (typeof r.emergency !== "object" || !isMode(r.emergency?.mode))) return false;
  if (!Array.isArray(r.cohorts) || !Array.isArray(r.pins)) return false;
  for (const c of r.cohorts) {
    if (typeof c !== "object" || c === null) return false;
    if (typeof c.id !== "string" || typeof c.name !== "string" || typeof c.salt !== "string") return false;
    if (typeof c.priority !== "number" || typeof c.percentBasisPoints !== "number" || !isMode(c.mode)) return false;
    if (c.constraints !== undefined && !isConstraints(c.constraints)) return false;
  }
  for (const p of r.pins) {
    if (typeof p !== "object" || p === null || typeof p.userId !== "string" || !isMode(p.mode)) return false;
    if (p.expiresAt !== null && typeof p.expiresAt !== "string") return false;
  }
  return true;
}

function isConstraints(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).every((list) => list === undefined || (Array.isArray(list) && list.every((v) => typeof v === "string")));
}
