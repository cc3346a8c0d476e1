import { isIPv6 } from "node:net";

/**
 * The address a login limit is kept for. An IPv4 address counts on its own; an IPv6 client usually holds a whole
 * /64 (one per home or VM), so counting single IPv6 addresses would let it rotate past the limit: it counts by /64.
 */
export function loginAddressKey(address: string): string {
  const bare = address.replace(/%.*$/, "").toLowerCase();
  const mappedIpv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mappedIpv4) return mappedIpv4[1];
  if (!isIPv6(bare)) return bare;
  return `${ipv6Groups(bare).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, "::" expanded; a trailing dotted IPv4 counts as two groups. */
function ipv6Groups(address: string): string[] {
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").flatMap((group) => (group.includes(".") ? ["0", "0"] : [Number.parseInt(group, 16).toString(16)]));
  const [head, tail] = address.split("::");
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<string>(8 - front.length - back.length).fill("0"), ...back];
}

/**
 * The client's address as the web server hands it over: without CUTOVER_TRUST_PROXY the express layer replaces
 * X-Forwarded-For by the socket's address; behind a trusted proxy the last hop is the one that proxy added (the
 * hops before it are whatever the client sent, so counting them would let a client pick its own limit).
 */
export function clientAddress(headers: Headers): string {
  const hops = headers.get("x-forwarded-for")?.split(",") ?? [];
  return hops.at(-1)?.trim() || "unknown";
}
