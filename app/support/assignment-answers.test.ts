import { describe, expect, it } from "vitest";
import { explanationInWords } from "./assignment-answers";

describe("explanationInWords", () => {
  it("names modes and reads times to the minute, leaving the rest as the API says it", () => {
    expect(explanationInWords("no cohort covers this user: default mode source_only")).toBe("no cohort covers this user: default mode Source only");
    expect(explanationInWords("pinned to dual_write: support ticket 42 (until 2026-12-04T10:30:00.000Z)")).toBe(
      "pinned to Dual write: support ticket 42 (until 2026-12-04 10:30 UTC)",
    );
  });
});
