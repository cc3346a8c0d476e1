import { describe, expect, it } from "vitest";
import { checkWebhookUrl, privateAddressReason } from "./webhook-url";

describe("webhook URLs", () => {
  it("accepts public http(s) URLs", () => {
    expect(checkWebhookUrl("https://hooks.slack.com/services/T0/B0/x", false).ok).toBe(true);
    expect(checkWebhookUrl("http://93.184.216.34:8080/hook", false).ok).toBe(true);
  });

  it("refuses other schemes, credentials and garbage", () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://x", "not a url", "https://user:pw@example.com/"]) {
      expect(checkWebhookUrl(url, true).ok, url).toBe(false);
    }
  });

  it("refuses loopback, link-local and private addresses unless allowed", () => {
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://localhost/x",
      "http://a.localhost/",
      "http://[::1]/",
      "http://169.254.169.254/latest/meta-data",
      "http://[fe80::1]/",
      "http://10.1.2.3/",
      "http://192.168.0.5/",
      "http://[::ffff:127.0.0.1]/",
      "http://0.0.0.0/",
    ]) {
      const check = checkWebhookUrl(url, false);
      expect(check.ok, url).toBe(false);
      expect(checkWebhookUrl(url, true).ok, url).toBe(true);
    }
    expect(privateAddressReason("169.254.1.1")).toMatch(/link-local/);
    expect(privateAddressReason("8.8.8.8")).toBeNull();
    expect(privateAddressReason("2606:4700::1111")).toBeNull();
  });
});
