import { describe, expect, it } from "vitest";
import { changeLineText, collectIds, collectIdsInText, nameIdsInText, summarizeChange, summarizeFieldDiff } from "./change-summary";

const text = (lines: ReturnType<typeof summarizeChange>) => lines.map(changeLineText);

describe("summarizeChange", () => {
  it("reads a share in percent and a mode by name, listing only what changed", () => {
    const before = { name: "Pilot", mode: "dual_write", percentBasisPoints: 1000, constraints: { regions: ["eu"] } };
    const after = { name: "Pilot", mode: "shadow_read", percentBasisPoints: 1100, constraints: { regions: ["eu"] } };
    expect(text(summarizeChange(before, after))).toEqual(["mode: Dual write → Shadow read", "share: 10% → 11%"]);
  });

  it("reads a note-only update as a note, not as a cleared status", () => {
    const lines = summarizeChange({ status: "investigating", assigneeId: null }, { note: "the timestamps differ by a microsecond" });
    expect(lines).toEqual([{ label: "note", text: "the timestamps differ by a microsecond", kind: "note" }]);
  });

  it("names people instead of uuids and leaves an unchanged assignee out", () => {
    const id = "0b8e2a4c-1d2f-4a5b-8c9d-0e1f2a3b4c5d";
    const lines = summarizeChange({ status: "open", assigneeId: null }, { status: "investigating", assigneeId: id }, { [id]: "engineer@demo.local" });
    expect(text(lines)).toEqual(["status: open → investigating", "assignee: nobody → engineer@demo.local"]);
    expect(summarizeChange({ status: "open", assigneeId: null }, { status: "resolved" }).map(changeLineText)).toEqual(["status: open → resolved"]);
  });

  it("never truncates a long value", () => {
    const long = "public.".padEnd(400, "x");
    const [line] = summarizeChange(null, { tableName: long });
    expect(line.text).toBe(`set to ${long}`);
  });

  it("reads a creation and a removal", () => {
    expect(text(summarizeChange(null, { name: "ci", scopes: ["assignments:read", "metrics:read"] }))).toEqual([
      "name: set to ci",
      "scopes: set to assignments:read, metrics:read",
    ]);
    expect(text(summarizeChange({ mode: "target_only" }, null))).toEqual(["mode: removed (was Target only)"]);
    expect(summarizeChange(null, null)).toEqual([]);
  });

  it("reads enum-like words and nested settings", () => {
    expect(text(summarizeChange({ kind: "value_mismatch" }, { kind: "missing_in_target" }))).toEqual(["kind: value mismatch → missing in target"]);
    expect(text(summarizeChange({ constraints: { regions: ["eu"] } }, { constraints: { regions: ["eu", "us"], plans: ["pro"] } }))).toEqual([
      "constraints: regions eu → regions eu, us; plans pro",
    ]);
  });
});

describe("summarizeFieldDiff", () => {
  it("reads a cohort history diff in the same words and drops unchanged fields", () => {
    const diff = {
      percentBasisPoints: { before: 1000, after: 1100 },
      rampSteps: { before: null, after: [500, 1000, 2500] },
      rampEveryHours: { before: 24, after: 24 },
    };
    expect(summarizeFieldDiff(diff).map(changeLineText)).toEqual(["share: 10% → 11%", "ramp steps: set to 5%, 10%, 25%"]);
  });
});

describe("times and sizes", () => {
  it("reads a restarted ramp clock as a time and a disk size in GiB, never raw", () => {
    const diff = { rampClockAt: { before: "2026-12-01T10:00:00.000Z", after: "2026-12-03T00:41:07.123Z" } };
    expect(summarizeFieldDiff(diff).map(changeLineText)).toEqual(["ramp clock started: 2026-12-01 10:00 UTC → 2026-12-03 00:41 UTC"]);
    expect(text(summarizeChange({ sourceDiskBytes: null }, { sourceDiskBytes: 3 * 2 ** 30 }))).toEqual(["source disk size: none → 3 GiB"]);
  });
});

describe("collectIds", () => {
  it("finds uuids at any depth", () => {
    const a = "0b8e2a4c-1d2f-4a5b-8c9d-0e1f2a3b4c5d";
    const b = "1b8e2a4c-1d2f-4a5b-8c9d-0e1f2a3b4c5d";
    expect([...collectIds([a, { x: [b, "not-an-id"] }, null, 3])].sort()).toEqual([a, b]);
  });

  it("finds the ids inside a reason the system wrote, and names the ones it knows", () => {
    const job = "d3c2d7c6-f06c-466f-97bf-89b96452ee44";
    const unknown = "7c9926aa-4b7f-4b7a-837f-e5ecf5a8a793";
    const reason = `backfill ${job}: converge round 2 (after ${unknown})`;
    expect([...collectIdsInText([reason, null, "no id here"])]).toEqual([job, unknown]);
    expect(nameIdsInText(reason, { [job]: "public.comments" })).toBe(`backfill public.comments: converge round 2 (after ${unknown})`);
  });
});
