import { describe, expect, it } from "vitest";
import { parseEngine } from "./engine.server";
import { unsupportedSourceReason } from "./source-support";

describe("supported source versions", () => {
  it("refuses PostgreSQL below 12, naming the version", () => {
    const reason = unsupportedSourceReason(parseEngine(null, "PostgreSQL 11.22 on x86_64-pc-linux-gnu, 64-bit"));
    expect(reason).toMatch(/runs PostgreSQL 11\.22, older than the oldest supported version, PostgreSQL 12/);
    expect(unsupportedSourceReason(parseEngine(null, "PostgreSQL 9.6.24 on x86_64"))).toMatch(/PostgreSQL 9\.6/);
  });

  it("accepts 12 and later, and CockroachDB (never a source, but not this check's business)", () => {
    for (const v of ["12.0", "12.22", "15.20", "18.4", "19beta1"]) expect(unsupportedSourceReason(parseEngine(null, `PostgreSQL ${v} on x86_64`))).toBeNull();
    const crdb = "CockroachDB CCL v24.3.0 (x86_64-pc-linux-gnu, built 2024/11/21)";
    expect(unsupportedSourceReason(parseEngine(crdb, crdb))).toBeNull();
  });
});
