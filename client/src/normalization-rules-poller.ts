import type { NormalizationRule } from "../../app/normalization";
import { RULE_KINDS } from "../../app/normalization/types";
import { errorMessage } from "./mismatch-reporter";

export interface NormalizationRulesPollerOptions {
  url: string;
  token: string;
  pollIntervalMs: number;
  requestTimeoutMs?: number;
  /** Called with the served rules whenever they change. */
  onRules: (rules: readonly NormalizationRule[]) => void;
}

/**
 * Keeps the control plane's active normalization rules (GET /api/v1/normalization-rules, If-None-Match), so the
 * client compares with exactly the rules ingestion and reconciliation apply. Fail static: a failed poll keeps the
 * rules last served.
 */
export class NormalizationRulesPoller {
  etag: string | null = null;
  lastError: string | null = null;
  private readonly endpoint: string;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: NormalizationRulesPollerOptions) {
    this.endpoint = new URL("/api/v1/normalization-rules", options.url).toString();
  }

  start(): void {
    if (this.closed || this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One poll; true when the control plane answered 200 or 304. */
  async poll(): Promise<boolean> {
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: "application/json" };
      if (this.etag) headers["if-none-match"] = this.etag;
      const response = await fetch(this.endpoint, { headers, signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000) });
      if (response.status === 304) {
        await response.arrayBuffer().catch(() => undefined);
        return true;
      }
      if (!response.ok) {
        await response.arrayBuffer().catch(() => undefined);
        throw new Error(`GET /api/v1/normalization-rules answered ${response.status}`);
      }
      const body = (await response.json()) as { rules?: unknown };
      if (!Array.isArray(body?.rules) || !body.rules.every(isRule))
        throw new Error("GET /api/v1/normalization-rules returned something that is not a rule list");
      this.options.onRules(body.rules);
      this.etag = response.headers.get("etag");
      this.lastError = null;
      return true;
    } catch (error) {
      this.lastError = errorMessage(error);
      return false;
    }
  }
}

function isRule(value: unknown): value is NormalizationRule {
  const rule = value as Partial<NormalizationRule> | null;
  return (
    typeof rule?.id === "string" && typeof rule.table === "string" && typeof rule.column === "string" && (RULE_KINDS as readonly unknown[]).includes(rule.kind)
  );
}
