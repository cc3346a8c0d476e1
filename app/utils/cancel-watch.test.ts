import { afterEach, describe, expect, it } from "vitest";
import { watchForCancel } from "./cancel-watch";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  unhandled.length = 0;
});

describe("watchForCancel", () => {
  it("aborts once the job is cancelled, and stops asking when told", async () => {
    let asked = 0;
    const abort = new AbortController();
    const stop = watchForCancel(async () => ++asked >= 3, abort, 10);
    while (!abort.signal.aborted) await tick(5);
    expect(asked).toBe(3);
    stop();
    await tick(50);
    expect(asked).toBe(3);
  });

  it("takes a failed question (the control DB is down) as no answer: no unhandled rejection, and it asks again", async () => {
    process.on("unhandledRejection", onUnhandled);
    let asked = 0;
    const abort = new AbortController();
    const stop = watchForCancel(
      async () => {
        asked++;
        if (asked <= 3) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        return true;
      },
      abort,
      10,
    );
    while (!abort.signal.aborted) await tick(5);
    stop();
    await tick(20);
    expect(asked).toBe(4);
    expect(unhandled).toEqual([]);
  });
});
