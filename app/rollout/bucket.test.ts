import { describe, expect, it } from "vitest";
import { BUCKET_COUNT, bucketOf, loadKey, hashLoaded, murmur3_32, murmur3Utf8, saltSeed } from "./bucket";

// Published MurmurHash3 x86_32 vectors: our implementation is the reference algorithm, not a look-alike.
const VECTORS: [string, number, number][] = [
  ["", 0, 0],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  ["test", 0, 0xba6bd213],
  ["abc", 0, 0xb3dd93fa],
  ["aaaa", 0x9747b28c, 0x5a97808a],
  ["Hello, world!", 1234, 0xfaf6cdb3],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
  ["ππππππππ", 0x9747b28c, 0xd58063c1],
  ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
];

/**
 * Checked-in id -> bucket table. NEVER edit it to make a changed hash pass: a different bucket moves real users
 * to another database path. [user id, salt, bucket].
 */
const STABLE_BUCKETS: [string, string, number][] = [
  ["user-1", "", 1059],
  ["user-2", "", 6267],
  ["user-42", "", 2080],
  ["u", "", 9392],
  ["", "", 0],
  ["0", "", 207],
  ["1500", "", 494],
  ["alice@example.com", "", 1446],
  ["bob@example.org", "", 2899],
  ["550e8400-e29b-41d4-a716-446655440000", "", 2092],
  ["f47ac10b-58cc-4372-a567-0e02b2c3d479", "", 7945],
  ["student:123456", "", 2442],
  ["teacher:98765", "", 3495],
  ["école-élève", "", 9087],
  ["学生-7", "", 7889],
  ["🙂-emoji", "", 4326],
  ["x".repeat(256), "", 9234],
  ["user-30000000", "", 5582],
  ["USER-1", "", 547],
  ["user-1 ", "", 7325],
  ["user-1", "pilot", 6726],
  ["user-2", "pilot", 7833],
  ["user-42", "pilot", 8738],
  ["u", "pilot", 2461],
  ["", "pilot", 9103],
  ["0", "pilot", 3244],
  ["1500", "pilot", 1157],
  ["alice@example.com", "pilot", 6557],
  ["bob@example.org", "pilot", 6365],
  ["550e8400-e29b-41d4-a716-446655440000", "pilot", 2296],
  ["f47ac10b-58cc-4372-a567-0e02b2c3d479", "pilot", 5594],
  ["student:123456", "pilot", 5767],
  ["teacher:98765", "pilot", 8784],
  ["école-élève", "pilot", 9727],
  ["学生-7", "pilot", 9607],
  ["user-1", "eu-schools-2020", 1871],
  ["user-2", "eu-schools-2020", 6206],
  ["user-42", "eu-schools-2020", 1241],
  ["u", "eu-schools-2020", 7153],
  ["", "eu-schools-2020", 4916],
  ["0", "eu-schools-2020", 6977],
  ["1500", "eu-schools-2020", 115],
  ["alice@example.com", "eu-schools-2020", 8956],
  ["bob@example.org", "eu-schools-2020", 8102],
  ["550e8400-e29b-41d4-a716-446655440000", "eu-schools-2020", 8868],
  ["f47ac10b-58cc-4372-a567-0e02b2c3d479", "eu-schools-2020", 5287],
  ["student:123456", "eu-schools-2020", 3408],
  ["teacher:98765", "eu-schools-2020", 1535],
  ["école-élève", "eu-schools-2020", 674],
  ["学生-7", "eu-schools-2020", 8244],
];

describe("murmur3_x86_32", () => {
  it.each(VECTORS)("hashes %j with seed %d like the reference", (text, seed, expected) => {
    expect(murmur3_32(new TextEncoder().encode(text), seed)).toBe(expected);
    expect(murmur3Utf8(text, seed)).toBe(expected);
  });

  it("hashes the UTF-8 bytes, as TextEncoder encodes them (a lone surrogate becomes U+FFFD)", () => {
    for (const text of ["é", "学生", "🙂", "a\uD800b", "mixed ascii 和 中文 🙂"]) {
      expect(murmur3Utf8(text, 7)).toBe(murmur3_32(new TextEncoder().encode(text), 7));
    }
  });

  it("gives the same hash through loadKey/hashLoaded under several seeds", () => {
    const bytes = new TextEncoder().encode("student:123456");
    loadKey("student:123456");
    for (const seed of [0, 1, 99, 0xffffffff]) expect(hashLoaded(seed)).toBe(murmur3_32(bytes, seed));
  });

  it("returns the hash under the given seed from loadKey itself, for every tail length and for non-ASCII keys", () => {
    for (const text of ["", "a", "ab", "abc", "abcd", "student:123456", "user-12345678", "é", "学生🙂", "a\uD800b"]) {
      const bytes = new TextEncoder().encode(text);
      for (const seed of [0, 1, 99, 0xffffffff]) {
        expect(loadKey(text, seed) >>> 0).toBe(murmur3_32(bytes, seed));
        expect(hashLoaded(seed)).toBe(murmur3_32(bytes, seed));
      }
    }
  });
});

describe("bucketOf", () => {
  it("is murmur3(UTF-8 user id, seed = murmur3(UTF-8 salt, 0)) mod 10000", () => {
    const enc = new TextEncoder();
    const seed = murmur3_32(enc.encode("pilot"), 0);
    expect(saltSeed("pilot")).toBe(seed);
    expect(bucketOf("user-1", "pilot")).toBe(murmur3_32(enc.encode("user-1"), seed) % 10_000);
    expect(saltSeed("")).toBe(0);
  });

  it.each(STABLE_BUCKETS)("keeps %j under salt %j in bucket %d forever", (id, salt, bucket) => {
    expect(bucketOf(id, salt)).toBe(bucket);
  });

  it("spreads 100k ids uniformly over the 10,000 buckets (chi-square, p = 0.001 both tails)", () => {
    for (const salt of ["", "pilot"]) {
      const counts = new Uint32Array(BUCKET_COUNT);
      const n = 100_000;
      for (let i = 0; i < n; i++) counts[bucketOf(`user-${i}`, salt)]++;
      const expected = n / BUCKET_COUNT;
      let chi2 = 0;
      for (const c of counts) chi2 += (c - expected) ** 2 / expected;
      // df = 9999: mean 9999, sd sqrt(2 * 9999) = 141.4; z = 3.09 for p = 0.001.
      expect(chi2).toBeGreaterThan(9999 - 3.09 * 141.4);
      expect(chi2).toBeLessThan(9999 + 3.09 * 141.4);
    }
  });

  it("gives independent buckets under different salts", () => {
    // Under two salts, a quarter of users each: about 1/16 should be in both if the salts are independent.
    let both = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (bucketOf(`user-${i}`, "a") < 2500 && bucketOf(`user-${i}`, "b") < 2500) both++;
    // Binomial(100k, 1/16): sd ~ 76.5; 5 sd either side.
    expect(Math.abs(both - n / 16)).toBeLessThan(5 * 76.5);
  });
});
