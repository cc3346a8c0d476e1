import { describe, expect, it } from "vitest";
import { dependencyOrder } from "./dependency-order";

const t = (...ids: string[]) => ids.map((id) => ({ id }));

describe("dependencyOrder", () => {
  it("puts referenced tables first and keeps the given order otherwise", () => {
    const order = dependencyOrder(t("annotations", "users", "documents", "schools"), [
      { from: "annotations", to: "documents" },
      { from: "annotations", to: "users" },
      { from: "documents", to: "users" },
      { from: "users", to: "schools" },
    ]);
    expect(order.map((x) => x.id)).toEqual(["schools", "users", "documents", "annotations"]);
  });

  it("ignores self references and tables outside the list, and keeps a cycle's tables at the end", () => {
    const order = dependencyOrder(t("a", "b", "c"), [
      { from: "a", to: "a" },
      { from: "a", to: "elsewhere" },
      { from: "b", to: "c" },
      { from: "c", to: "b" },
    ]);
    expect(order.map((x) => x.id)).toEqual(["a", "b", "c"]);
  });
});
