import { describe, expect, it } from "vitest";
import { qualifiedName, quoteIdent } from "./sql-identifier";

describe("quoteIdent", () => {
  it("quotes any name as one identifier, dots and quotes included", () => {
    expect(quoteIdent("users")).toBe('"users"');
    expect(quoteIdent('my "users"')).toBe('"my ""users"""');
    expect(quoteIdent("app.users")).toBe('"app.users"');
    expect(quoteIdent('x"; drop table users; --')).toBe('"x""; drop table users; --"');
  });

  it("qualifies a table with its schema, each quoted on its own", () => {
    expect(qualifiedName('tenant "A"', "users")).toBe('"tenant ""A"""."users"');
  });
});
