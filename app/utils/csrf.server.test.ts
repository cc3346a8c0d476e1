import { describe, expect, it } from "vitest";
import { crossSiteReason, crossSiteRefusal, expectedOrigin, isBearerApiRequest, type IncomingRequestFacts } from "./csrf.server";

const post = (headers: IncomingRequestFacts["headers"], facts: Partial<IncomingRequestFacts> = {}): IncomingRequestFacts => ({
  method: "POST",
  url: "/cohorts/abc",
  headers: { host: "127.0.0.1:3000", ...headers },
  encrypted: false,
  trustProxy: false,
  ...facts,
});

describe("crossSiteReason", () => {
  it("lets a post from the server's own origin through, by Origin or else by Referer", () => {
    expect(crossSiteReason(post({ origin: "http://127.0.0.1:3000" }))).toBeNull();
    expect(crossSiteReason(post({ referer: "http://127.0.0.1:3000/cohorts/abc?x=1" }))).toBeNull();
  });

  it("refuses another origin, another port of the same host, an opaque origin and a post with neither header", () => {
    expect(crossSiteReason(post({ origin: "http://evil.example" }))).toMatch(/evil\.example/);
    expect(crossSiteReason(post({ origin: "http://127.0.0.1:3001" }))).toMatch(/3001/);
    expect(crossSiteReason(post({ origin: "null" }))).toMatch(/opaque/);
    expect(crossSiteReason(post({}))).toMatch(/neither an Origin nor a Referer/);
    // Origin wins over a matching Referer.
    expect(crossSiteReason(post({ origin: "http://evil.example", referer: "http://127.0.0.1:3000/" }))).not.toBeNull();
  });

  it("checks every method that runs an action, whatever the URL, and leaves reads and the bearer API alone", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) expect(crossSiteReason(post({}, { method }))).not.toBeNull();
    expect(crossSiteReason(post({}, { url: "/cohorts/abc?_data=routes%2Fcohorts.%24cohortId" }))).not.toBeNull();
    expect(crossSiteReason(post({}, { method: "GET" }))).toBeNull();
    expect(crossSiteReason(post({}, { url: "/api/v1/mismatches" }))).toBeNull();
    // Remix routes the normalised path, so the exemption must be decided on it too.
    expect(crossSiteReason(post({}, { url: "/api/v1/../settings" }))).not.toBeNull();
    expect(isBearerApiRequest("/api/v1/%2e%2e/settings")).toBe(false);
  });

  it("takes the origin from the forwarded headers only behind a trusted proxy", () => {
    const headers = { host: "10.0.0.5:3000", "x-forwarded-host": "cutover.example.com", "x-forwarded-proto": "https" };
    expect(expectedOrigin({ headers, encrypted: false, trustProxy: true })).toBe("https://cutover.example.com");
    expect(expectedOrigin({ headers, encrypted: false, trustProxy: false })).toBe("http://10.0.0.5:3000");
    expect(expectedOrigin({ headers: { host: "cutover.example.com:443" }, encrypted: true, trustProxy: false })).toBe("https://cutover.example.com");
    expect(expectedOrigin({ headers: {}, encrypted: false, trustProxy: false })).toBeNull();
  });
});

describe("crossSiteRefusal", () => {
  it("answers 403 in plain text for a page and in the JSON error shape for a data request", () => {
    const page = crossSiteRefusal("/cohorts/abc", "it comes from http://evil.example");
    expect(page).toMatchObject({ status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    const data = crossSiteRefusal("/cohorts/abc?_data=routes%2Fcohorts.%24cohortId", "it comes from http://evil.example");
    expect(data.status).toBe(403);
    expect(data.headers["X-Remix-Catch"]).toBe("yes");
    expect(JSON.parse(data.body ?? "")).toEqual({ error: { status: 403, message: expect.stringContaining("evil.example") } });
  });
});
