import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedStartError, startEmbeddedPostgres } from "../../../db/embedded";

// As root, the embedded PostgreSQL runs as the system user `postgres`: a data folder (or a checkout) under a
// private folder such as /root (mode 0700) failed deep inside initdb with a raw stack. It now fails first, naming
// the folder and what to do.
const root = mkdtempSync(path.join(tmpdir(), "cutover-private-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(process.getuid?.() !== 0)("the embedded PostgreSQL started as root", () => {
  it("refuses a data folder the postgres user cannot enter, naming it", async () => {
    const privateDir = path.join(root, "home");
    mkdirSync(privateDir, { mode: 0o700 });
    const attempt = startEmbeddedPostgres({ dataDir: path.join(privateDir, "data", "postgres") });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedStartError);
    await expect(attempt).rejects.toThrow(`cannot enter ${privateDir} (mode 700)`);
  });
});
