import postgres from "postgres";
import { hashPassword, hashToken } from "../../app/utils/password.server";
import { API_SCOPES } from "../schema";

export const DEMO_PASSWORD = "cutover-demo";
export const DEMO_TOKEN = "cutover-demo-token";
export const DEMO_USERS = [
  { email: "cto@demo.local", name: "Dana (CTO)", role: "viewer" },
  { email: "support@demo.local", name: "Sam (support)", role: "support" },
  { email: "engineer@demo.local", name: "Eli (engineer)", role: "engineer" },
  { email: "admin@demo.local", name: "Ada (admin)", role: "admin" },
] as const;

/** Demo logins and the all-scopes demo token. Only ever called in demo mode; safe to run twice. */
export async function seedDemoControl(controlUrl: string) {
  const sql = postgres(controlUrl, { max: 1, onnotice: () => {} });
  try {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    for (const user of DEMO_USERS) {
      await sql`
        insert into users (email, name, role, password_hash)
        values (${user.email}, ${user.name}, ${user.role}, ${passwordHash})
        on conflict (email) do nothing`;
    }
    await sql`
      insert into api_tokens (name, token_hash, prefix, scopes)
      values ('demo', ${hashToken(DEMO_TOKEN)}, ${DEMO_TOKEN.slice(0, 8)}, ${sql.array([...API_SCOPES])})
      on conflict (token_hash) do nothing`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
