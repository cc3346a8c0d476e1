import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** What a supervised process tells its supervisor over the IPC channel. */
export type ChildMessage = { type: "ready"; detail?: string } | { type: "crashed"; reason: string };

export interface SupervisedChild {
  name: string;
  /** Resolves when the child first says it is ready (rejects if it dies before, during start-up). */
  ready: Promise<string | undefined>;
  stop(): Promise<void>;
}

// A child that keeps crashing is restarted ever more slowly; one that stayed up this long starts over at 1 s.
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
const HEALTHY_AFTER_MS = 60_000;

/**
 * Runs `scripts/<script>` as a child process (node + tsx, same environment) and restarts it with backoff when it
 * dies, logging why: an uncaught error in the web server must not take the worker, the simulator or the embedded
 * database with it. A child that dies before it was ever ready fails `ready` instead (a start-up error, such as a
 * port in use, that restarting would only repeat), unless `failIfStartFails` is false. Stopping sends SIGTERM and
 * waits for the child's own shutdown.
 */
export function supervise(name: string, script: string, log: (line: string) => void, options: { failIfStartFails?: boolean } = {}): SupervisedChild {
  const failIfStartFails = options.failIfStartFails ?? true;
  let child: ChildProcess | null = null;
  let stopping = false;
  let failures = 0;
  let lastReason = "";
  let onFirstReady: ((detail: string | undefined) => void) | null = null;
  let onFirstFailure: ((error: Error) => void) | null = null;
  const ready = new Promise<string | undefined>((resolve, reject) => {
    onFirstReady = resolve;
    onFirstFailure = reject;
  });

  const start = () => {
    const startedAt = Date.now();
    lastReason = "";
    const proc = spawn(process.execPath, ["--import", "tsx", path.join("scripts", script)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: process.env,
    });
    child = proc;
    proc.on("message", (message: ChildMessage) => {
      if (message.type === "ready") {
        onFirstReady?.(message.detail);
        onFirstReady = onFirstFailure = null;
      } else if (message.type === "crashed") {
        lastReason = message.reason;
      }
    });
    proc.once("exit", (code, signal) => {
      child = null;
      if (stopping) return;
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const reason = lastReason ? `: ${lastReason}` : "";
      if (onFirstFailure && failIfStartFails) {
        // Dying before it was ever ready is a start-up error (a port in use, a bad build): restarting won't help.
        onFirstFailure(new Error(`the ${name} process ${how} while starting${reason}`));
        onFirstReady = onFirstFailure = null;
        return;
      }
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) failures = 0;
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
      failures++;
      log(`the ${name} process ${how}${reason}; restarting it in ${delay / 1000} s`);
      setTimeout(() => {
        if (!stopping) start();
      }, delay).unref();
    });
  };
  if (!failIfStartFails) ready.catch(() => {});
  start();

  return {
    name,
    ready,
    stop() {
      stopping = true;
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        running.kill("SIGTERM");
      });
    },
  };
}
