import { describe, expect, it } from "vitest";
import { createScratchDatabase } from "../support/databases";

describe("test database server", () => {
  it("creates a scratch database that answers queries", async () => {
    const db = await createScratchDatabase("smoke");
    try {
      const [row] = await db.sql`select current_database() as name, current_setting('server_version_num')::int as v`;
      expect(row.name).toBe(db.name);
      expect(row.v).toBeGreaterThanOrEqual(130000);
    } finally {
      await db.drop();
    }
  });
});
