/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // postgres.js, pg-boss and node:crypto stay external; everything in app/ is bundled.
  serverDependenciesToBundle: [/^@tanstack\//],
  tailwind: true,
  postcss: true,
};
