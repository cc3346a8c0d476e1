// Run as a child process by cutover-client.test.ts: a client that is never closed must still let Node exit.
import { createCutoverClient } from "../src/index";

const client = createCutoverClient({ url: "http://127.0.0.1:9", token: "t", pollIntervalMs: 50 });
client.reporter.enqueue({
  origin: "shadow_read",
  kind: "value_mismatch",
  table: "t",
  primaryKey: "1",
  userId: "u",
  cohort: null,
  sourceValue: 1,
  targetValue: 2,
});
await client.ready();
process.stdout.write(`${client.assignment("u").mode}\n`);
