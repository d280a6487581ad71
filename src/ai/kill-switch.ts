import { eq } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { settings } from "../store/schema.ts";

/** The `settings` key of the AI kill switch. */
export const AI_SETTING = "ai";
export type AiSwitch = "on" | "off";

/**
 * Whether the AI answers customers. Read from the database on every turn (a primary-key lookup),
 * so `npm run ai -- off` takes effect for the next message without a restart. Absent = on.
 */
export function getAiSwitch(db: Db): AiSwitch {
  const row = db.select().from(settings).where(eq(settings.key, AI_SETTING)).get();
  return row?.value === "off" ? "off" : "on";
}

export function setAiSwitch(db: Db, value: AiSwitch, now = Date.now()): void {
  db.insert(settings)
    .values({ key: AI_SETTING, value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
    .run();
}
