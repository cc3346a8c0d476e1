import type { SelectHTMLAttributes } from "react";
import { CONTROL_CLASS } from "./control";

/** A native <select> in the kit's look; `className` adds layout (margin, width) and type size. */
export function Select({ className = "", ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...props} className={`${CONTROL_CLASS} ${className}`} />;
}
