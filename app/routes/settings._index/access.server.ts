import { json } from "@remix-run/node";
import { z } from "zod";
import { API_SCOPES, ROLES, type ApiScope } from "~/auth/permissions";
import { createApiToken, listApiTokens, revokeApiToken } from "~/models/api-token.server";
import { recordAudit } from "~/models/audit.server";
import { createUser, listUsers, updateUserRole } from "~/models/user.server";
import { userActor, type requireRole } from "~/utils/auth.server";
import { generatePassword } from "~/utils/password.server";

/* Settings, access: the dashboard's users and the API tokens application servers use (admins only). */

type SettingsUser = Awaited<ReturnType<typeof requireRole>>;

export async function loadAccess() {
  const [users, tokens] = await Promise.all([listUsers(), listApiTokens()]);
  return { users, tokens };
}

const accessFormSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create-token"),
    name: z.string().trim().min(1, "Name the token").max(100),
    scopes: z.array(z.enum(API_SCOPES)).min(1, "Pick at least one scope"),
  }),
  // Destructive: only the confirming button sends confirm=yes.
  z.object({
    intent: z.literal("revoke-token"),
    tokenId: z.string().uuid(),
    confirm: z.literal("yes", { errorMap: () => ({ message: "Confirm the revocation" }) }),
  }),
  z.object({
    intent: z.literal("create-user"),
    email: z.string().trim().toLowerCase().email("Enter an email address"),
    role: z.enum(ROLES),
  }),
  z.object({
    intent: z.literal("update-user"),
    userId: z.string().uuid(),
    role: z.enum(ROLES),
    disabled: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    confirm: z.string().optional(),
  }),
]);

/** Creates or revokes a token, creates or updates a user; the secret created is shown once. */
export async function saveAccess(admin: SettingsUser, form: FormData) {
  const parsed = accessFormSchema.safeParse({ ...Object.fromEntries(form), scopes: form.getAll("scopes") });
  if (!parsed.success) return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors as Record<string, string[]> }, { status: 400 });
  const input = parsed.data;
  const actor = userActor(admin);
  switch (input.intent) {
    case "create-token": {
      const token = await createApiToken({ name: input.name, scopes: input.scopes as ApiScope[], createdBy: admin.id });
      await recordAudit(actor, {
        action: "api_token.create",
        entityType: "api_token",
        entityId: token.id,
        after: { name: token.name, scopes: token.scopes, prefix: token.prefix },
      });
      return json({ ok: true as const, shownOnce: { kind: "token", label: token.name, secret: token.token } });
    }
    case "revoke-token": {
      const token = await revokeApiToken(input.tokenId);
      if (!token) throw new Response("That token does not exist or is already revoked.", { status: 404 });
      await recordAudit(actor, { action: "api_token.revoke", entityType: "api_token", entityId: token.id, before: { name: token.name, prefix: token.prefix } });
      return json({ ok: true as const, shownOnce: null });
    }
    case "create-user": {
      const password = generatePassword();
      try {
        const user = await createUser({ email: input.email, role: input.role, password });
        await recordAudit(actor, { action: "user.create", entityType: "user", entityId: user.id, after: { email: user.email, role: user.role } });
        return json({ ok: true as const, shownOnce: { kind: "password", label: user.email, secret: password } });
      } catch (error) {
        if (/duplicate key|unique/i.test((error as Error).message)) {
          return json({ ok: false as const, errors: { email: ["A user with this email exists already"] } as Record<string, string[]> }, { status: 409 });
        }
        throw error;
      }
    }
    case "update-user": {
      if (input.userId === admin.id && (input.role !== "admin" || input.disabled)) {
        return json(
          { ok: false as const, errors: { role: ["You cannot remove your own admin role or disable yourself"] } as Record<string, string[]> },
          { status: 400 },
        );
      }
      const before = (await listUsers()).find((u) => u.id === input.userId);
      if (!before) throw new Response("No such user.", { status: 404 });
      if (input.disabled && !before.disabled && input.confirm !== "yes") {
        return json({ ok: false as const, errors: { role: [`Confirm disabling ${before.email}`] } as Record<string, string[]> }, { status: 400 });
      }
      const after = await updateUserRole(input.userId, input.role, input.disabled);
      await recordAudit(actor, {
        action: "user.update",
        entityType: "user",
        entityId: input.userId,
        before: { role: before.role, disabled: before.disabled },
        after: { role: after.role, disabled: after.disabled },
      });
      return json({ ok: true as const, shownOnce: null });
    }
  }
}
