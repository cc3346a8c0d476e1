import type { ChildMessage } from "./supervisor";

/** Whether this process runs under `npm start`'s supervisor (it has an IPC channel to it). */
export const supervised = typeof process.send === "function";

function tell(message: ChildMessage) {
  if (process.connected) process.send!(message);
}

/** Tells the supervisor this process is up (it prints the start-up summary once all are). */
export function reportReady(detail?: string) {
  tell({ type: "ready", detail });
}

/**
 * In a supervised process: an uncaught error is reported to the supervisor (which logs it and restarts this
 * process) and ends the process, as node would; and when the supervisor itself is gone (killed -9), this process
 * stops too instead of running on unsupervised.
 */
export function reportCrashesTo(name: string, stop: () => void) {
  if (!supervised) return;
  const crash = (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cutover ${name}: uncaught error: ${error instanceof Error ? error.stack : reason}\n`);
    tell({ type: "crashed", reason: reason.split("\n")[0].slice(0, 300) });
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  process.on("disconnect", stop);
}
