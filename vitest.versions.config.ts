import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// The per-version suite: everything that queries the source, against the PostgreSQL major named by
// CUTOVER_TEST_SOURCE_PG (12 to 18; `npm test` runs each). `npx vitest run -c vitest.versions.config.ts`.
export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    include: ["tests/versions/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts", "tests/support/source-server-setup.ts"],
  },
});
