import { describe, expect, it } from "vitest";
import { compareTypes, idGenerator } from "./type-mapping";

const kind = (source: string, target: string) => compareTypes({ type: source }, { type: target }).kind;

describe("the PostgreSQL → CockroachDB type mapping", () => {
  it("does not report what CockroachDB does to every migrated schema", () => {
    expect(kind("integer", "bigint")).toBe("mapped");
    expect(kind("smallint", "bigint")).toBe("mapped");
    expect(kind("character varying(40)", "text")).toBe("mapped");
    expect(kind("character varying(40)", "character varying(40)")).toBe("same");
    expect(kind("json", "jsonb")).toBe("mapped");
    expect(kind("integer[]", "bigint[]")).toBe("mapped");
    expect(kind("timestamp(3) with time zone", "timestamp with time zone")).toBe("mapped");
    expect(kind("numeric(10,2)", "numeric")).toBe("mapped");
    expect(idGenerator({ default: "nextval('documents_id_seq'::regclass)", identity: false })).toBe(
      idGenerator({ default: "unique_rowid()", identity: false }),
    );
    expect(idGenerator({ default: null, identity: true })).toBe("sequence");
  });

  it("reports a target that would truncate or reject values", () => {
    expect(kind("bigint", "integer")).toBe("narrower");
    expect(kind("text", "character varying(200)")).toBe("narrower");
    expect(kind("character varying(300)", "character varying(200)")).toBe("narrower");
    expect(kind("numeric(10,4)", "numeric(10,2)")).toBe("narrower");
    expect(kind("numeric(12,2)", "numeric(10,2)")).toBe("narrower");
    expect(kind("timestamp with time zone", "timestamp(3) with time zone")).toBe("narrower");
    expect(kind("double precision", "real")).toBe("narrower");
    expect(kind("timestamp with time zone", "timestamp without time zone")).toBe("different");
    expect(kind("uuid", "text")).toBe("different");
    expect(kind("text[]", "text")).toBe("different");
    expect(idGenerator({ default: "gen_random_uuid()", identity: false })).not.toBe(idGenerator({ default: "unique_rowid()", identity: false }));
  });
});
