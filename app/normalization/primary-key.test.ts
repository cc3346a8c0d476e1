import { describe, expect, it } from "vitest";
import { canonicalPrimaryKey, keyShapeOf, primaryKeyIdentity, primaryKeyLabel, primaryKeyProblem, type KeyShape } from "./primary-key";

const INT_ID: KeyShape = { columns: [{ name: "id", type: "integer" }] };
const COMPOSITE: KeyShape = {
  columns: [
    { name: "school_id", type: "integer" },
    { name: "id", type: "integer" },
  ],
};
const identity = (key: unknown, shape: KeyShape | null) => primaryKeyIdentity(canonicalPrimaryKey(key, shape));

describe("one identity for a primary key", () => {
  it("takes a bare value, its text and the object form of an int key as one key", () => {
    for (const key of [42, "42", 42n, { id: 42 }, { id: "42" }, { id: "042" }]) {
      expect(canonicalPrimaryKey(key, INT_ID)).toEqual({ id: 42 });
    }
    expect(new Set([42, "42", { id: 42 }].map((k) => identity(k, INT_ID))).size).toBe(1);
  });

  it("names a bare value with the catalog's key column, or id when the catalog cannot say", () => {
    expect(canonicalPrimaryKey("a1", { columns: [{ name: "code", type: "text" }] })).toEqual({ code: "a1" });
    expect(canonicalPrimaryKey(7, null)).toEqual({ id: 7 });
    // Without the catalog a number and its text are still one identity, though stored as given.
    expect(identity("7", null)).toBe(identity(7, null));
  });

  it("orders a composite key as the catalog does and canonicalises each value by its type", () => {
    const key = canonicalPrimaryKey({ id: "42", school_id: 7 }, COMPOSITE);
    expect(Object.keys(key)).toEqual(["school_id", "id"]);
    expect(key).toEqual({ school_id: 7, id: 42 });
    expect(identity({ school_id: 7, id: 42 }, COMPOSITE)).toBe(identity({ id: 42, school_id: "7" }, null));
    expect(primaryKeyLabel(key)).toBe("school_id=7, id=42");
    expect(primaryKeyLabel({ id: 42 })).toBe("42");
  });

  it("keeps text keys as text and takes uuid and timestamp keys in their canonical form", () => {
    expect(canonicalPrimaryKey("007", { columns: [{ name: "code", type: "text" }] })).toEqual({ code: "007" });
    expect(canonicalPrimaryKey("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", { columns: [{ name: "id", type: "uuid" }] })).toEqual({
      id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    });
    expect(canonicalPrimaryKey("2024-03-01 10:00:00+00", { columns: [{ name: "at", type: "timestamptz" }] })).toEqual({
      at: "2024-03-01T10:00:00.000000Z",
    });
  });

  it("reads the key shape from a catalog description", () => {
    const shape = keyShapeOf({
      primaryKey: ["school_id", "id"],
      columns: [
        { name: "id", typeName: "int8" },
        { name: "school_id", typeName: "int4" },
        { name: "title", typeName: "varchar" },
      ],
    });
    expect(shape).toEqual(COMPOSITE);
    expect(keyShapeOf({ primaryKey: [], columns: [] })).toBeNull();
  });

  it("refuses what is not a scalar or an object of scalars", () => {
    for (const good of [1, "a", true, { id: 1 }, { a: "x", b: 2 }]) expect(primaryKeyProblem(good)).toBeNull();
    for (const bad of [[1, 2], {}, { id: null }, { id: { nested: 1 } }, { id: [1] }, { id: "" }, null, ""]) {
      expect(primaryKeyProblem(bad)).not.toBeNull();
    }
  });
});
