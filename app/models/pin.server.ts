import { eq } from "drizzle-orm";
import { pins } from "../../db/schema";
import type { Mode } from "../rollout/modes";
import { recordAudit, type Actor } from "./audit.server";
import { bumpRulesetVersion, changeRuleset } from "./ruleset.server";
import { controlDb } from "~/utils/db.server";

export async function getPin(userId: string) {
  const [row] = await controlDb().select().from(pins).where(eq(pins.userId, userId));
  return row ?? null;
}

/** Pins a user to a mode (support case), replacing any earlier pin; versioned and audited like cohort changes. */
export async function setPin(userId: string, mode: Mode, reason: string, expiresAt: Date | null, actor: Actor) {
  return changeRuleset(async (tx) => {
    const [before] = await tx.select().from(pins).where(eq(pins.userId, userId)).for("update");
    const values = { userId, mode, reason, expiresAt, createdBy: actor.label };
    await tx
      .insert(pins)
      .values(values)
      .onConflictDoUpdate({ target: pins.userId, set: { mode, reason, expiresAt, createdBy: actor.label } });
    const version = await bumpRulesetVersion(tx, actor, reason);
    await recordAudit(actor, { action: "pin.set", entityType: "pin", entityId: userId, before: before ?? null, after: values, reason }, tx);
    return version;
  });
}

export async function removePin(userId: string, reason: string, actor: Actor) {
  return changeRuleset(async (tx) => {
    const [before] = await tx.delete(pins).where(eq(pins.userId, userId)).returning();
    if (!before) return null;
    const version = await bumpRulesetVersion(tx, actor, reason);
    await recordAudit(actor, { action: "pin.remove", entityType: "pin", entityId: userId, before, after: null, reason }, tx);
    return version;
  });
}
