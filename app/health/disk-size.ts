import { z } from "zod";

const GIB = 2 ** 30;

/**
 * The source disk size form, in GiB (people know their volume's size in GiB, not bytes). Blank clears it, which
 * makes the source's capacity runway unknown again.
 */
export const diskSizeFormSchema = z.object({
  sourceDiskGiB: z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (v === "") return null;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 1_048_576) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a size in GiB greater than 0 (at most 1,048,576), or blank for unknown" });
        return z.NEVER;
      }
      return Math.round(n * GIB);
    }),
  reason: z.string().trim().min(1, "a reason is required").max(500),
});

export function bytesToGiB(bytes: number | null): string {
  return bytes === null ? "" : String(Math.round((bytes / GIB) * 100) / 100);
}
