import { z } from "zod";
import { WEBHOOK_FORMATS } from "./formats";
import { checkWebhookUrl } from "./webhook-url";

/** The new-destination form of the Notifications settings; the URL rule is webhook-url's, so API and form agree. */
export const createDestinationSchema = z
  .object({
    intent: z.literal("create"),
    name: z.string().trim().min(1, "Name the destination").max(100),
    url: z.string().trim().min(1, "Enter the receiver's URL").max(2000),
    format: z.enum(WEBHOOK_FORMATS),
    allowPrivateAddresses: z
      .enum(["true"])
      .optional()
      .transform((v) => v === "true"),
  })
  .superRefine((value, ctx) => {
    const check = checkWebhookUrl(value.url, value.allowPrivateAddresses);
    if (!check.ok) ctx.addIssue({ code: "custom", path: ["url"], message: check.reason });
  });

/** The buttons beside each destination. */
export const destinationActionSchema = z.object({
  intent: z.enum(["enable", "disable", "delete", "test"]),
  id: z.string().uuid(),
});
