// Every domain's tables, one file each; drizzle-kit and the app read them all from here.
export * from "./auth";
export * from "./mismatches";
export * from "./health";
export * from "./simulator";
export * from "./rollout";
export * from "./reconciliations";
export * from "./security";
export * from "./backfills";
export * from "./notifications";
export * from "./schema-parity";
export * from "./runway";
export * from "./latency";
export * from "./metrics";
