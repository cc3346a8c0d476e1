import { describe, expect, it } from "vitest";
import { parseEngine } from "./engine.server";

describe("engine detection", () => {
  it("recognises CockroachDB from crdb_version even though it claims PostgreSQL 13", () => {
    const full = "CockroachDB CCL v24.3.0 (x86_64-pc-linux-gnu, built 2024/11/21 17:04:09, go1.22.8 X:nocoverageredesign)";
    expect(parseEngine(full, full)).toEqual({ engine: "cockroachdb", version: "v24.3.0", description: full });
    expect(parseEngine(null, "CockroachDB OSS v23.1.11-rc.1 (aarch64-unknown-linux-gnu, built x, go1.19)").engine).toBe("cockroachdb");
  });

  it("reads PostgreSQL's major and minor from version()", () => {
    const pg = parseEngine(null, "PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, 64-bit");
    expect(pg).toMatchObject({ engine: "postgresql", version: "15.20", major: 15, versionNum: 150020 });
    expect(parseEngine(null, "PostgreSQL 18beta1 on x86_64")).toMatchObject({ major: 18, version: "18" });
  });

  it("refuses an engine it does not know rather than guessing", () => {
    expect(() => parseEngine(null, "MySQL 8.0")).toThrow(/unrecognised/);
  });
});
