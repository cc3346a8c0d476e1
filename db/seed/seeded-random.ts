/**
 * mulberry32: a small deterministic generator of numbers in [0, 1). A fixed seed gives the same sequence on every
 * run, so every fresh demo tells the same story and benchmarks and tests replay the same workload.
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
