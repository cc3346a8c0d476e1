import { runMigrations } from "../db/migrate";
import { fail } from "./runtime";

// Only the control store is needed here, so only its URL is checked.
const url = process.env.CUTOVER_DATABASE_URL;
if (!url) fail("CUTOVER_DATABASE_URL is not set: it names the control-plane database to migrate.");
await runMigrations(url);
process.stdout.write("cutover: control-plane migrations applied\n");
