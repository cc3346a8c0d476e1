import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { Button } from "~/components/ui/button";
import { Field } from "~/components/ui/field";
import { clientAddress } from "~/auth/login-address";
import { clearLoginLimits, LOGIN_WINDOW_MINUTES, recordLoginFailure, reserveLoginAttempt } from "~/models/login-attempt.server";
import { findUserForLogin } from "~/models/user.server";
import { verifyPassword } from "~/utils/password.server";
import { createUserSession, getSessionUser, safeRedirect } from "~/utils/session.server";
import { getEnv } from "~/utils/env.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Cutover" }];

const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter an email address"),
  password: z.string().min(1, "Enter your password"),
  redirectTo: z.string().optional(),
});

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect("/");
  return json({ demo: getEnv().CUTOVER_DEMO });
}

export async function action({ request }: ActionFunctionArgs) {
  // A body that is not a form never gets here (the request gate and the route guard answer 415 or 400).
  const parsed = LoginSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return json({ errors: parsed.error.flatten().fieldErrors, formError: null }, { status: 400 });
  }
  const { email, password, redirectTo } = parsed.data;
  const address = clientAddress(request.headers);
  const reservation = await reserveLoginAttempt(email, address);
  if (!reservation.allowed) {
    return json({ errors: {}, formError: `Too many sign-in attempts from here. Wait ${LOGIN_WINDOW_MINUTES} minutes and try again.` }, { status: 429 });
  }
  if (reservation.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, reservation.delayMs));
  const user = await findUserForLogin(email);
  const ok = user && !user.disabled && (await verifyPassword(password, user.passwordHash));
  if (!ok) {
    await recordLoginFailure(email, address);
    return json({ errors: {}, formError: "Wrong email or password." }, { status: 401 });
  }
  await clearLoginLimits(email, address);
  return createUserSession(request, user.id, safeRedirect(redirectTo));
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const errors = (actionData?.errors ?? {}) as Record<string, string[] | undefined>;
  return (
    <div className="mx-auto mt-16 max-w-sm">
      <h1 className="mb-1 text-2xl font-bold">Cutover</h1>
      <p className="mb-6 text-sm text-slate-600">The control plane of the PostgreSQL → CockroachDB migration.</p>
      <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        {/* The page exists only to sign in: the cursor belongs in its first field. */}
        {/* eslint-disable-next-line jsx-a11y/no-autofocus */}
        <Field label="Email" name="email" type="email" autoComplete="username" autoFocus required error={errors.email?.[0]} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password?.[0]} />
        {actionData?.formError ? (
          <p role="alert" className="rounded bg-red-50 px-3 py-2 text-sm text-red-800">
            {actionData.formError}
          </p>
        ) : null}
        <Button type="submit" className="w-full" disabled={navigation.state !== "idle"}>
          {navigation.state !== "idle" ? "Signing in…" : "Sign in"}
        </Button>
      </Form>
    </div>
  );
}
