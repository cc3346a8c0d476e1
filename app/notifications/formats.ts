/** Generic JSON (signed) or a Slack-compatible body (signed too; Slack ignores the headers). */
export const WEBHOOK_FORMATS = ["json", "slack"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
