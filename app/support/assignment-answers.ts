/**
 * Why the assignment API and the Users page can disagree about one user: the API evaluates only the attributes
 * the request carries, the page reads them from the source. Pure, for the Users page and its tests.
 */
import type { AssignmentTrace } from "../rollout/explain";
import { MODE_LABELS, MODES } from "../rollout/modes";
import type { AssignmentReason, UserAttributes } from "../rollout/types";

export const REASON_WORDS: Record<AssignmentReason, string> = {
  emergency: "the emergency switch",
  pin: "a pin on this user",
  cohort: "a cohort rule",
  default: "the default (no cohort covers this user)",
};

const ATTRIBUTE_WORDS: Record<keyof UserAttributes, string> = { region: "region", country: "country", schoolId: "school id", plan: "plan" };

/** "region eu, plan district": a user's attributes in words; "none" when the source holds none. */
export function attributesInWords(attributes: UserAttributes): string {
  const parts = (Object.keys(ATTRIBUTE_WORDS) as (keyof UserAttributes)[])
    .filter((k) => attributes[k] !== undefined && attributes[k] !== "")
    .map((k) => `${ATTRIBUTE_WORDS[k]} ${attributes[k]}`);
  return parts.length ? parts.join(", ") : "none";
}

/**
 * Why a request without attributes gets another answer than the page: the cohorts whose constraints the
 * source's attributes satisfy but an attribute-less request does not. null when both answers agree.
 */
export function whyAnswersDiffer(withoutAttributes: AssignmentTrace, withAttributes: AssignmentTrace, attributes: UserAttributes): string | null {
  const a = withoutAttributes.assignment;
  const b = withAttributes.assignment;
  if (a.mode === b.mode && a.cohort?.id === b.cohort?.id) return null;
  const constrained = withAttributes.cohorts
    .filter((c) => c.constraintsMatch && !withoutAttributes.cohorts.find((w) => w.cohort.id === c.cohort.id)?.constraintsMatch)
    .map((c) => `'${c.cohort.name}'`);
  const cohorts = constrained.length
    ? ` ${constrained.join(", ")} ${constrained.length === 1 ? "constrains" : "constrain"} on them, so a request without them does not match.`
    : "";
  return (
    `The API evaluates only the attributes a request carries (query parameters region, country, schoolId, plan); ` +
    `this page reads them from the source (${attributesInWords(attributes)}).${cohorts} ` +
    `Application servers that send the user's attributes get the page's answer.`
  );
}

const MODE_ID = new RegExp(`\\b(${MODES.join("|")})\\b`, "g");
const ISO_TIME = /\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})\b/g;

/**
 * The API's explanation ("no cohort covers this user: default mode source_only") as the page says it: modes by
 * name and times to the minute in UTC. The API keeps its machine words; only the page reads them out.
 */
export function explanationInWords(explanation: string): string {
  return explanation.replace(MODE_ID, (id) => MODE_LABELS[id as keyof typeof MODE_LABELS]).replace(ISO_TIME, (_m, day, minute) => `${day} ${minute} UTC`);
}
