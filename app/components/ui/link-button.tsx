import { Link, type LinkProps } from "@remix-run/react";
import { BUTTON_CLASS, BUTTON_VARIANT } from "./button";

/**
 * A link that looks like a button: navigation (or a download, with `reloadDocument`) among actions. It stays a link
 * for screen readers and Playwright (`getByRole("link")`).
 */
export function LinkButton({ variant = "secondary", className = "", ...props }: LinkProps & { variant?: keyof typeof BUTTON_VARIANT }) {
  return <Link {...props} className={`${BUTTON_CLASS} ${BUTTON_VARIANT[variant]} ${className}`} />;
}
