import { describe, expect, it } from "vitest";
import { safeRedirect } from "./session.server";

describe("safeRedirect", () => {
  it("keeps a same-origin path with its query and hash", () => {
    expect(safeRedirect("/cohorts?x=1")).toBe("/cohorts?x=1");
    expect(safeRedirect("/mismatches?status=open#top")).toBe("/mismatches?status=open#top");
  });

  it("falls back for anything a browser could read as another origin", () => {
    for (const target of [
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r\n/evil.example",
      "//evil",
      "/\\evil",
      "\\/evil",
      "https://evil",
      "javascript:alert(1)",
      "/.//evil",
      "/..//evil",
      "/%09/x\u0000",
      "evil",
      "",
      null,
      undefined,
    ]) {
      expect(safeRedirect(target)).toBe("/");
    }
  });

  it("percent-encodes what is left, so the Location header never holds raw bytes", () => {
    expect(safeRedirect("/users?name=Zoë €")).toBe("/users?name=Zo%C3%AB%20%E2%82%AC");
  });
});
