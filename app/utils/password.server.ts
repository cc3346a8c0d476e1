import { hash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

// N=2^15, r=8, p=1 (OWASP's scrypt minimum is N=2^17 at 1 thread for high-value systems; 2^15 keeps a login
// around 50 ms on this class of machine). Parameters are stored in the hash so they can be raised later.
const N = 32768;
const r = 8;
const p = 1;
const KEY_LENGTH = 64;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 128 * N * r * 2 });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, rr, pp, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const cost = Number(n);
  const blockSize = Number(rr);
  const actual = await scrypt(password, Buffer.from(salt, "base64"), expected.length, {
    N: cost,
    r: blockSize,
    p: Number(pp),
    maxmem: 128 * cost * blockSize * 2,
  });
  return timingSafeEqual(actual, expected);
}

/** A random password for `user:create` when none is given. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/**
 * API tokens are long random secrets, so one SHA-256 suffices (no salt, no work factor) and lets a request find
 * its token by hash. Here, not in the token model, so the demo seed can store its token without the model.
 */
export function hashToken(token: string) {
  return hash("sha256", token, "hex");
}
