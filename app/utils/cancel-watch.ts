/**
 * Asks `requested` every `intervalMs` whether a long job was cancelled, and aborts `abort` when it was. Returns the
 * function that stops asking. A question that fails (the control DB is down or restarting) is not a cancel, and
 * must not end the process as an unhandled rejection: the next poll asks again, and the job's own queries report
 * the outage.
 */
export function watchForCancel(requested: () => Promise<boolean>, abort: AbortController, intervalMs: number): () => void {
  const timer = setInterval(() => {
    requested().then(
      (cancelled) => {
        if (cancelled) abort.abort(new Error("cancelled"));
      },
      () => {},
    );
  }, intervalMs);
  return () => clearInterval(timer);
}
