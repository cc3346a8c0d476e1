import type { Config } from "tailwindcss";

export default {
  content: ["./app/**/*.{ts,tsx}"],
  theme: {
    extend: {
      colors: {
        // One colour per rung of the migration ladder, used by every chart and badge.
        mode: {
          source: "#64748b",
          dual: "#0ea5e9",
          shadow: "#8b5cf6",
          primary: "#f59e0b",
          target: "#10b981",
        },
      },
      fontFamily: { mono: ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"] },
    },
  },
  plugins: [],
} satisfies Config;
