/**
 * Who made a change: a dashboard user, an API token, or Cutover itself (a scheduled ramp, a job).
 * Pure: the schema (the backfill job's actor column), the guards and the models all name it.
 */
export interface Actor {
  type: "user" | "token" | "system";
  id: string | null;
  label: string;
}
