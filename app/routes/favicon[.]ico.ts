/**
 * GET /favicon.ico: browsers ask for it on every page, logged in or not. Without it the splat route sent them
 * to /login and then 404'd, a console error on every page. An SVG (every current browser reads one here).
 */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f172a"/><path d="M9 22 L16 10 L23 22" fill="none" stroke="#38bdf8" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export function loader() {
  return new Response(ICON, { headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" } });
}
