import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { ROLES, type Role } from "../app/auth/permissions";
import { recordAudit, SYSTEM_ACTOR } from "../app/models/audit.server";
import { createUser } from "../app/models/user.server";
import { closeControlDb } from "../app/utils/db.server";
import { generatePassword } from "../app/utils/password.server";
import { fail } from "./runtime";

// npm run user:create -- --email E --role R [--name N] [--password P | prompts, or generates one when not a TTY]
const { values } = parseArgs({
  options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
});
if (!process.env.CUTOVER_DATABASE_URL) fail("CUTOVER_DATABASE_URL is not set: it names the control-plane database.");
if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) fail("--email is required and must be an email address.");
if (!values.role || !(ROLES as readonly string[]).includes(values.role)) fail(`--role must be one of ${ROLES.join(", ")}.`);

let password = values.password;
let generated = false;
if (!password && process.stdin.isTTY) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = (await rl.question("Password (empty to generate one): ")).trim();
  rl.close();
}
if (!password) {
  password = generatePassword();
  generated = true;
}
if (password.length < 10) fail("The password must be at least 10 characters.");

// The script needs only the control store; the env module validates the rest lazily, so fill harmless defaults.
process.env.SOURCE_DATABASE_URL ??= process.env.CUTOVER_DATABASE_URL;
process.env.TARGET_DATABASE_URL ??= process.env.CUTOVER_DATABASE_URL;
process.env.SESSION_SECRET ??= "unused-by-user-create-0000";
try {
  const user = await createUser({ email: values.email, name: values.name, role: values.role as Role, password });
  await recordAudit(SYSTEM_ACTOR, {
    action: "user.create",
    entityType: "user",
    entityId: user.id,
    after: { email: user.email, role: user.role },
    reason: "npm run user:create",
  });
  process.stdout.write(`created ${user.email} (${user.role})${generated ? `\npassword: ${password}` : ""}\n`);
} catch (error) {
  const message = (error as Error).message;
  fail(/duplicate key|unique/i.test(message) ? `a user with the email ${values.email} exists already.` : message);
} finally {
  await closeControlDb();
}
