import type { InputHTMLAttributes, TextareaHTMLAttributes } from "react";
import { CONTROL_CLASS } from "./control";

/** A bare <input> in the kit's look, for filters and inline forms that label it themselves (`Field` labels its own). */
export function Input({ className = "", ...props }: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={`${CONTROL_CLASS} ${className}`} />;
}

export function TextArea({ className = "", ...props }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea {...props} className={`${CONTROL_CLASS} ${className}`} />;
}
