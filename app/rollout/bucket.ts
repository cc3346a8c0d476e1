/**
 * The bucket function: which of the 10,000 buckets (0.01% each) a user falls into under a cohort's salt.
 *
 * Definition (stable forever — a change moves users between databases, so the test table in bucket.test.ts
 * must never be edited to make a new hash pass):
 *
 *   seed   = murmur3_x86_32(UTF-8 bytes of salt, seed 0)          (the empty salt gives seed 0)
 *   bucket = murmur3_x86_32(UTF-8 bytes of userId, seed) mod 10000  (hash read as an unsigned 32-bit integer)
 *
 * The salt becomes the seed rather than a prefix of the hashed string so that a ruleset's seeds are computed
 * once (compileRuleset) and an evaluation hashes only the user id. The modulo bias (2^32 is not a multiple of
 * 10,000) is below 3 in a million per bucket. Strings are UTF-8 encoded as TextEncoder does (a lone surrogate
 * becomes U+FFFD), so every runtime computes the same bytes.
 */

export const BUCKET_COUNT = 10_000;

/** The salt used for the bucket reported when no cohort decides (default mode, pin, emergency). */
export const DEFAULT_SALT = "";

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit over bytes[0..length), as an unsigned integer. */
export function murmur3_32(bytes: Uint8Array, seed: number, length: number = bytes.length): number {
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= bytes[blocks + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[blocks];
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
  }
  h ^= length;
  return fmix(h);
}

function fmix(h: number): number {
  return fmixInt32(h) >>> 0;
}

function fmixInt32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const encoder = new TextEncoder();
// Reused so that hashing allocates nothing; grown on demand.
let scratch = new Uint8Array(1024);
let loadedBlocks = new Int32Array(256);
let loadedBlockCount = 0;
let loadedTail = 0;
let loadedLength = 0;

/**
 * Loads a string as the key of the next hashLoaded() calls. murmur3 mixes each 4-byte block (k * C1, rotl 15,
 * * C2) independently of the seed, so one user id is mixed once and then hashed under every cohort's seed at the
 * cost of the seed-dependent steps only. Not re-entrant: load and hash within one synchronous call.
 * Returns the key's hash under `seed` (as hashLoadedInt32 would), computed in the same pass over the key.
 */
export function loadKey(text: string, seed = 0): number {
  const n = text.length;
  // Optimistically ASCII (the usual user id): the char codes are the UTF-8 bytes, read without encoding; the OR
  // of every char code tells at the end whether that held.
  const blockCount = n >>> 2;
  if (loadedBlocks.length < blockCount) loadedBlocks = new Int32Array(blockCount);
  let seen = 0;
  let h = seed | 0;
  for (let b = 0, i = 0; b < blockCount; b++, i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    seen |= c0 | c1 | c2 | c3;
    let k = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    loadedBlocks[b] = k;
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const at = blockCount << 2;
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= text.charCodeAt(at + 2) << 16;
      seen |= text.charCodeAt(at + 2);
    // falls through
    case 2:
      k ^= text.charCodeAt(at + 1) << 8;
      seen |= text.charCodeAt(at + 1);
    // falls through
    case 1:
      k ^= text.charCodeAt(at);
      seen |= text.charCodeAt(at);
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
  }
  if (seen > 0x7f) {
    // Not ASCII: hash the UTF-8 bytes instead.
    if (scratch.length < n * 3) scratch = new Uint8Array(n * 3);
    loadBytes(scratch, encoder.encodeInto(text, scratch).written);
    return hashLoadedInt32(seed);
  }
  loadedBlockCount = blockCount;
  loadedTail = k;
  loadedLength = n;
  return fmixInt32(h ^ k ^ n);
}

function loadBytes(bytes: Uint8Array, length: number): void {
  const blockCount = length >>> 2;
  if (loadedBlocks.length < blockCount) loadedBlocks = new Int32Array(blockCount);
  for (let b = 0, i = 0; b < blockCount; b++, i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    loadedBlocks[b] = Math.imul(k, C2);
  }
  const at = blockCount << 2;
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= bytes[at + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[at + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[at];
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
  }
  loadedBlockCount = blockCount;
  loadedTail = k;
  loadedLength = length;
}

/** murmur3_x86_32 of the key last given to loadKey(), under `seed`. */
export function hashLoaded(seed: number): number {
  return hashLoadedInt32(seed) >>> 0;
}

/** hashLoaded() as a signed 32-bit integer (the same bits), so callers can stay in integer arithmetic. */
export function hashLoadedInt32(seed: number): number {
  let h = seed | 0;
  // module bindings copied to locals: read in the loop, each would be re-loaded and re-checked every round
  const blocks = loadedBlocks;
  const count = loadedBlockCount;
  for (let b = 0; b < count; b++) {
    h ^= blocks[b];
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // A zero tail is indistinguishable from no tail here, and XOR with 0 changes nothing, so this is exact.
  h ^= loadedTail;
  h ^= loadedLength;
  return fmixInt32(h);
}

/**
 * The bucket of a hash from hashLoadedInt32(): (unsigned hash) mod 10,000, computed in int32 arithmetic as
 * (hi * 65536 + lo) mod 10000 = (hi * 5536 + lo) mod 10000 (65536 mod 10000 = 5536; the sum stays below 2^31),
 * because a uint32 above 2^31 is a double to V8 and a double modulo costs more than the whole hash.
 */
export function bucketOfHash(h: number): number {
  // 10000 is BUCKET_COUNT, as a literal: the module binding would be re-read (with a hole check) on every call
  return ((h >>> 16) * 5536 + (h & 0xffff)) % 10000;
}

/**
 * The buckets of the loaded key under four seeds at once (s0..s3 -> out[0..3]). Each murmur3 round depends
 * on the previous one, so one hash leaves the CPU mostly waiting; four independent chains interleaved run side by
 * side for little more than the time of one.
 */
export function loadedBuckets4(s0: number, s1: number, s2: number, s3: number, out: Int32Array): void {
  let h0 = s0 | 0;
  let h1 = s1 | 0;
  let h2 = s2 | 0;
  let h3 = s3 | 0;
  // module bindings copied to locals: read in the loop, each would be re-loaded and re-checked every round
  const blocks = loadedBlocks;
  const count = loadedBlockCount;
  for (let b = 0; b < count; b++) {
    const k = blocks[b];
    h0 ^= k;
    h1 ^= k;
    h2 ^= k;
    h3 ^= k;
    h0 = (h0 << 13) | (h0 >>> 19);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = (h2 << 13) | (h2 >>> 19);
    h3 = (h3 << 13) | (h3 >>> 19);
    h0 = (Math.imul(h0, 5) + 0xe6546b64) | 0;
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
    h3 = (Math.imul(h3, 5) + 0xe6546b64) | 0;
  }
  const last = loadedTail ^ loadedLength;
  out[0] = bucketOfHash(fmixInt32(h0 ^ last));
  out[1] = bucketOfHash(fmixInt32(h1 ^ last));
  out[2] = bucketOfHash(fmixInt32(h2 ^ last));
  out[3] = bucketOfHash(fmixInt32(h3 ^ last));
}

/** murmur3_x86_32 of the UTF-8 bytes of `text`. */
export function murmur3Utf8(text: string, seed: number): number {
  loadKey(text);
  return hashLoaded(seed);
}

/** The hash seed a salt stands for (computed once per cohort by compileRuleset). */
export function saltSeed(salt: string): number {
  return murmur3Utf8(salt, 0);
}

/** The bucket of a user under a precomputed salt seed. */
export function bucketWithSeed(userId: string, seed: number): number {
  return murmur3Utf8(userId, seed) % BUCKET_COUNT;
}

/** The bucket (0..9999) of a user under a salt. */
export function bucketOf(userId: string, salt: string = DEFAULT_SALT): number {
  return bucketWithSeed(userId, saltSeed(salt));
}
