import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useEffect, useState } from "react";

const TITLES: Record<number, string> = {
  400: "That request was not valid",
  403: "You do not have access to this",
  404: "Not found",
  405: "That is not something this page does",
  409: "Someone changed this first",
  413: "That request was too large",
  415: "That request was sent in a form this page does not read",
  503: "A database cannot be reached",
};

/** The one error view: expected failures are thrown Responses with a status; anything else is a bug. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const message = typeof error.data === "string" ? error.data : (error.data?.error?.message ?? error.statusText);
    return (
      <div role="alert" className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-medium text-slate-500">{error.status}</p>
        <h1 className="mt-1 text-xl font-semibold">{TITLES[error.status] ?? "Something went wrong"}</h1>
        {message ? <p className="mt-2 text-sm text-slate-700">{message}</p> : null}
        {error.status === 503 ? (
          <RetryCountdown />
        ) : (
          <Link to="/" className="mt-4 inline-block text-sm text-sky-700 underline">
            Back to the overview
          </Link>
        )}
      </div>
    );
  }
  const message = error instanceof Error ? error.message : "Unknown error";
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg border border-red-200 bg-white p-6 shadow-sm">
      <h1 className="text-xl font-semibold text-red-800">Unexpected error</h1>
      <p className="mt-2 text-sm text-slate-700">{message}</p>
    </div>
  );
}

const RETRY_SECONDS = 5;

/** An outage page reloads itself until the database is back (the server says Retry-After: 5 too). */
function RetryCountdown() {
  const [left, setLeft] = useState(RETRY_SECONDS);
  useEffect(() => {
    if (left <= 0) {
      window.location.reload();
      return;
    }
    const timer = setTimeout(() => setLeft(left - 1), 1_000);
    return () => clearTimeout(timer);
  }, [left]);
  return (
    <p className="mt-4 text-sm text-slate-600" aria-live="polite">
      Trying again in {left} s…{" "}
      <button type="button" className="text-sky-700 underline" onClick={() => window.location.reload()}>
        Try now
      </button>
    </p>
  );
}
