// Shared by the schema, the server guards and the pages (which render role pickers and scope checkboxes),
// so it must stay free of server-only imports.
export const ROLES = ["viewer", "support", "engineer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const API_SCOPES = ["assignments:read", "mismatches:write", "reconciliations:write", "backfills:write", "metrics:read"] as const;
export type ApiScope = (typeof API_SCOPES)[number];
