import { asc, eq } from "drizzle-orm";
import { users } from "../../db/schema";
import type { Role } from "~/auth/permissions";
import { controlDb } from "~/utils/db.server";
import { hashPassword } from "~/utils/password.server";

export type { Role };
export type User = Pick<typeof users.$inferSelect, "id" | "email" | "name" | "role" | "disabled" | "createdAt">;

const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

export async function listUsers(): Promise<User[]> {
  return controlDb().select(publicColumns).from(users).orderBy(asc(users.email));
}

export async function findUserForLogin(email: string) {
  const [user] = await controlDb()
    .select({ ...publicColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()));
  return user;
}

export async function createUser(input: { email: string; name?: string; role: Role; password: string }): Promise<User> {
  const email = input.email.trim().toLowerCase();
  const [user] = await controlDb()
    .insert(users)
    .values({ email, name: input.name ?? email.split("@")[0], role: input.role, passwordHash: await hashPassword(input.password) })
    .returning(publicColumns);
  return user;
}

export async function updateUserRole(id: string, role: Role, disabled: boolean) {
  const [user] = await controlDb().update(users).set({ role, disabled }).where(eq(users.id, id)).returning(publicColumns);
  return user;
}
