import { Link } from "@remix-run/react";

/** The Settings page's way to the webhook destinations (their own page: forms, logs and a test button each). */
export function NotificationsLink() {
  return (
    <p className="mb-4 text-sm">
      <Link to="/settings/notifications" className="font-medium text-sky-700 underline">
        Notifications (webhooks)
      </Link>{" "}
      <span className="text-slate-600">: where Cutover posts closed gates, the emergency switch, failed jobs and other events.</span>
    </p>
  );
}
