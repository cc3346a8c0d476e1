/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // postgres.js, pg-boss and node:crypto stay external; everything in app/ is bundled.
  serverDependenciesToBundle: [/^@tanstack\//],
  tailwind: true,
  postcss: true,
  future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true },
};
