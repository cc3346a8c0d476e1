/**
 * Where a webhook may point. Cutover sits next to the control database and the source and target: a URL aimed at
 * loopback, link-local (cloud metadata at 169.254.169.254) or a private range would let whoever edits
 * destinations probe that network, so those need an admin's explicit permission on the destination.
 */
export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

function ipv4Parts(address: string): number[] | null {
  const parts = address.split(".").map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : null;
}

/** Why an address is not a public one, or null when it is. */
export function privateAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  // IPv4-mapped IPv6 (::ffff:127.0.0.1, which URL writes as ::ffff:7f00:1) reaches the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
  const v4 = ipv4Parts(
    mapped ? mapped[1] : mappedHex ? [mappedHex[1], mappedHex[2]].map((h) => [parseInt(h, 16) >> 8, parseInt(h, 16) & 255].join(".")).join(".") : bare,
  );
  if (v4) {
    const [a, b] = v4;
    if (a === 127) return "a loopback address";
    if (a === 169 && b === 254) return "a link-local address";
    if (a === 0) return "an unspecified address";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address";
    if (a === 100 && b >= 64 && b <= 127) return "a shared (carrier-grade NAT) address";
    return null;
  }
  // Hostnames never hold a colon: what does is an IPv6 literal (URL has already validated and normalised it).
  if (bare.includes(":")) {
    if (bare === "::1") return "a loopback address";
    if (bare === "::") return "an unspecified address";
    if (/^fe[89ab]/.test(bare)) return "a link-local address";
    if (/^f[cd]/.test(bare)) return "a private (unique local) address";
    return null;
  }
  return null;
}

/** The URL's own checks (scheme, credentials, literal addresses and local names); DNS is checked at delivery. */
export function checkWebhookUrl(text: string, allowPrivateAddresses: boolean): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: "not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, reason: `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, "")}` };
  if (url.username || url.password) return { ok: false, reason: "put credentials in the secret, not in the URL" };
  if (allowPrivateAddresses) return { ok: true, url };
  const host = url.hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost"))
    return { ok: false, reason: `${host} is a loopback address; an admin must allow private addresses for this destination` };
  const reason = privateAddressReason(host);
  if (reason) return { ok: false, reason: `${host} is ${reason}; an admin must allow private addresses for this destination` };
  return { ok: true, url };
}
