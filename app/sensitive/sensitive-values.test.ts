import { describe, expect, it } from "vitest";
import { isSensitiveHash } from "./hashed-value";
import { SensitiveMask, sensitiveTableKey } from "./sensitive-values";

const key = Buffer.alloc(32, 7);

describe("sensitive values", () => {
  const mask = new SensitiveMask([{ table: "public.users", column: "Email" }], key);

  it("hashes the marked columns of a table's rows, equal values alike", () => {
    const a = mask.row("users", { id: 1, email: "ada@example.com", name: "Ada" }) as Record<string, unknown>;
    const b = mask.row('"public"."USERS"', { id: 1, email: "ada@example.com" }) as Record<string, unknown>;
    const c = mask.row("users", { email: "bob@example.com" }) as Record<string, unknown>;
    expect(isSensitiveHash(a.email)).toBe(true);
    expect(a.name).toBe("Ada");
    expect(a.email).toBe(b.email);
    expect(a.email).not.toBe(c.email);
    expect(JSON.stringify(a)).not.toContain("ada@example.com");
  });

  it("leaves other tables, NULLs and hashed values as they are", () => {
    const row = { email: "ada@example.com" };
    expect(mask.row("admins", row)).toBe(row);
    expect(mask.row("users", { email: null })).toEqual({ email: null });
    const once = mask.row("users", row);
    expect(mask.row("users", once)).toEqual(once);
  });

  it("differs with the key", () => {
    const other = new SensitiveMask([{ table: "users", column: "email" }], Buffer.alloc(32, 8));
    expect((other.row("users", { email: "a" }) as { email: string }).email).not.toBe((mask.row("users", { email: "a" }) as { email: string }).email);
    expect(sensitiveTableKey("Public.Users")).toBe("users");
    expect(sensitiveTableKey("app.users")).toBe("app.users");
  });
});
