import { describe, expect, it } from "vitest";
import { clientAddress, loginAddressKey } from "./login-address";

describe("loginAddressKey", () => {
  it("keeps an IPv4 address, also when IPv4-mapped", () => {
    expect(loginAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(loginAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts an IPv6 client by its /64, however the address is written", () => {
    expect(loginAddressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(loginAddressKey("2001:0DB8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(loginAddressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(loginAddressKey("::1")).toBe("0:0:0:0::/64");
    expect(loginAddressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("keeps what is not an address as it is", () => {
    expect(loginAddressKey("unknown")).toBe("unknown");
  });
});

describe("clientAddress", () => {
  it("takes the last X-Forwarded-For hop, the one the trusted proxy wrote", () => {
    expect(clientAddress(new Headers({ "x-forwarded-for": "1.1.1.1, 203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientAddress(new Headers({ "x-forwarded-for": "203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientAddress(new Headers())).toBe("unknown");
  });
});
