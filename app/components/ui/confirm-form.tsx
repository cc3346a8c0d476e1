import { Form } from "@remix-run/react";
import { useState, type ReactNode } from "react";
import { Button } from "./button";

/**
 * A destructive action in two steps: the first button only asks, naming what the action hits; the second
 * (`confirm=yes`, which the server requires) does it. Cancel steps back without posting anything.
 */
export function ConfirmForm({
  label,
  ariaLabel,
  question,
  confirmLabel,
  children,
}: {
  /** The first button's text ("Revoke"), and its accessible name naming the target ("Revoke token ci"). */
  label: string;
  ariaLabel: string;
  question: ReactNode;
  /** The confirming button's text, naming the target ("Yes, revoke ci"). */
  confirmLabel: string;
  /** Hidden inputs: the intent and the target's id. */
  children: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  return (
    <Form method="post" onSubmit={() => setAsking(false)} className="inline">
      {children}
      {asking ? (
        <span
          role="alertdialog"
          aria-label={ariaLabel}
          className="flex flex-wrap items-center gap-2 rounded border border-red-300 bg-red-50 p-2 text-sm text-red-900"
        >
          <span>{question}</span>
          <Button variant="danger" type="submit" name="confirm" value="yes">
            {confirmLabel}
          </Button>
          <Button variant="secondary" type="button" onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </span>
      ) : (
        <Button variant="secondary" type="button" aria-label={ariaLabel} onClick={() => setAsking(true)}>
          {label}
        </Button>
      )}
    </Form>
  );
}
