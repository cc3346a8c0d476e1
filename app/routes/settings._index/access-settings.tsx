import { Form } from "@remix-run/react";
import { Select } from "~/components/ui/select";
import { API_SCOPES, ROLES } from "~/auth/permissions";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { ConfirmForm } from "~/components/ui/confirm-form";
import { Field } from "~/components/ui/field";

/** The admins' cards of API tokens and dashboard users, as the settings loader serialises them. */
export function AccessSettings({
  tokens,
  users,
  errors,
  shownOnce,
  busy,
}: {
  tokens: { id: string; name: string; prefix: string; scopes: string[]; revokedAt: string | null }[];
  users: { id: string; email: string; role: string; disabled: boolean }[];
  errors: Record<string, string[] | undefined>;
  shownOnce: { secret: string } | null;
  busy: boolean;
}) {
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="API tokens">
        <ul className="mb-4 divide-y divide-slate-100 text-sm">
          {tokens.map((t) => (
            <li key={t.id} className="flex items-center justify-between gap-2 py-2">
              <div>
                <div className="font-medium">
                  {t.name} <span className="font-mono text-xs text-slate-500">{t.prefix}…</span>
                </div>
                <div className="text-xs text-slate-500">{t.scopes.join(", ")}</div>
              </div>
              {t.revokedAt ? (
                <Badge>revoked</Badge>
              ) : (
                <ConfirmForm
                  label="Revoke"
                  ariaLabel={`Revoke token ${t.name}`}
                  question={
                    <>
                      Revoke token “{t.name}” ({t.prefix}…)? Every application server using it is refused within seconds.
                    </>
                  }
                  confirmLabel={`Yes, revoke ${t.name}`}
                >
                  <input type="hidden" name="intent" value="revoke-token" />
                  <input type="hidden" name="tokenId" value={t.id} />
                </ConfirmForm>
              )}
            </li>
          ))}
        </ul>
        {/* A new key after each creation empties the form: the secret shown once is unique to it. */}
        <Form method="post" className="space-y-3" key={`token-${shownOnce?.secret ?? ""}`}>
          <input type="hidden" name="intent" value="create-token" />
          <Field label="Token name" name="name" required error={errors.name?.[0]} />
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Scopes</legend>
            <div className="mt-1 flex flex-wrap gap-3 text-sm">
              {API_SCOPES.map((scope) => (
                <label key={scope} className="flex items-center gap-1">
                  <input type="checkbox" name="scopes" value={scope} /> {scope}
                </label>
              ))}
            </div>
            {errors.scopes ? <p className="text-xs text-red-700">{errors.scopes[0]}</p> : null}
          </fieldset>
          <Button type="submit" disabled={busy}>
            Create token
          </Button>
        </Form>
      </Card>
      <Card title="Users">
        <ul className="mb-4 divide-y divide-slate-100 text-sm">
          {users.map((u) => (
            <li key={u.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="font-medium">
                {u.email} {u.disabled ? <Badge>disabled</Badge> : null}
              </span>
              <span className="flex flex-wrap items-center gap-2">
                <Form method="post" className="flex items-center gap-2">
                  <input type="hidden" name="intent" value="update-user" />
                  <input type="hidden" name="userId" value={u.id} />
                  <input type="hidden" name="disabled" value={String(u.disabled)} />
                  <Select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </Select>
                  <Button variant="secondary" type="submit" aria-label={`Save the role of ${u.email}`}>
                    Save role
                  </Button>
                </Form>
                {u.disabled ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="update-user" />
                    <input type="hidden" name="userId" value={u.id} />
                    <input type="hidden" name="role" value={u.role} />
                    <input type="hidden" name="disabled" value="false" />
                    <Button variant="secondary" type="submit" aria-label={`Enable ${u.email}`}>
                      Enable
                    </Button>
                  </Form>
                ) : (
                  <ConfirmForm
                    label="Disable"
                    ariaLabel={`Disable ${u.email}`}
                    question={<>Disable {u.email}? They are signed out and cannot sign in until enabled again.</>}
                    confirmLabel={`Yes, disable ${u.email}`}
                  >
                    <input type="hidden" name="intent" value="update-user" />
                    <input type="hidden" name="userId" value={u.id} />
                    <input type="hidden" name="role" value={u.role} />
                    <input type="hidden" name="disabled" value="true" />
                  </ConfirmForm>
                )}
              </span>
            </li>
          ))}
        </ul>
        <Form method="post" className="flex flex-wrap items-end gap-3" key={`user-${shownOnce?.secret ?? ""}`}>
          <input type="hidden" name="intent" value="create-user" />
          <div className="flex-1">
            <Field label="New user's email" name="email" type="email" required error={errors.email?.[0]} />
          </div>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Role
            <Select name="role" defaultValue="viewer" className="py-1.5 font-normal">
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </Select>
          </label>
          <Button type="submit">Create user</Button>
        </Form>
        {errors.role ? <p className="mt-2 text-xs text-red-700">{errors.role[0]}</p> : null}
      </Card>
    </div>
  );
}
