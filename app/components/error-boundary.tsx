import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

const TITLES: Record<number, string> = {
  400: "That request was not valid",
  403: "You do not have access to this",
  404: "Not found",
  409: "Someone changed this first",
};

/** The one error view: expected failures are thrown Responses with a status; anything else is a bug. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const message = typeof error.data === "string" ? error.data : error.data?.error?.message ?? error.statusText;
    return (
      <div role="alert" className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-medium text-slate-500">{error.status}</p>
        <h1 className="mt-1 text-xl font-semibold">{TITLES[error.status] ?? "Something went wrong"}</h1>
        {message ? <p className="mt-2 text-sm text-slate-700">{message}</p> : null}
        <Link to="/" className="mt-4 inline-block text-sm text-sky-700 underline">
          Back to the overview
        </Link>
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
