import {
  FlagNotFoundError,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  TargetingKeyMissingError,
  TypeMismatchError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import type { AssignmentReason, UserAttributes } from "../../app/rollout/types";
import type { CutoverClient } from "./cutover-client";

export const DEFAULT_FLAG_KEY = "cutover-mode";

const REASONS: Record<AssignmentReason, string> = {
  emergency: StandardResolutionReasons.STATIC,
  pin: StandardResolutionReasons.TARGETING_MATCH,
  cohort: StandardResolutionReasons.TARGETING_MATCH,
  default: StandardResolutionReasons.DEFAULT,
};

/**
 * Exposes the user's migration mode as a string flag, so a team already on OpenFeature reads
 * `client.getStringValue("cutover-mode", "source_only", { targetingKey: userId, region, plan })`.
 * Evaluation is the client's local one: no network call per flag.
 */
export class CutoverOpenFeatureProvider implements Provider {
  readonly metadata = { name: "cutover" } as const;
  readonly runsOn = "server" as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly client: CutoverClient,
    private readonly flagKey: string = DEFAULT_FLAG_KEY,
  ) {
    this.unsubscribe = client.onRulesetChange(() => {
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [this.flagKey] });
    });
  }

  /** Ready once the first poll has finished; a failed poll still leaves the safe default (or the persisted ruleset). */
  async initialize(): Promise<void> {
    await this.client.ready();
  }

  async onClose(): Promise<void> {
    this.unsubscribe();
  }

  async resolveStringEvaluation(flagKey: string, _defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    if (flagKey !== this.flagKey) throw new FlagNotFoundError(`the cutover provider serves only "${this.flagKey}"`);
    const userId = context.targetingKey;
    if (!userId) throw new TargetingKeyMissingError("the user id goes in the evaluation context's targetingKey");
    const assignment = this.client.assignment(userId, attributesOf(context));
    const status = this.client.status();
    return {
      value: assignment.mode,
      variant: assignment.mode,
      // A stale ruleset still answers (fail static), but says so.
      reason: status.stale && status.rulesetVersion > 0 ? StandardResolutionReasons.STALE : REASONS[assignment.reason],
      flagMetadata: {
        rulesetVersion: assignment.rulesetVersion,
        assignmentReason: assignment.reason,
        bucket: assignment.bucket,
        cohortId: assignment.cohort?.id ?? "",
        cohortName: assignment.cohort?.name ?? "",
        explanation: assignment.explanation,
      },
    };
  }

  async resolveBooleanEvaluation(flagKey: string): Promise<ResolutionDetails<boolean>> {
    throw this.typeMismatch(flagKey);
  }

  async resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    throw this.typeMismatch(flagKey);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    throw this.typeMismatch(flagKey);
  }

  private typeMismatch(flagKey: string): Error {
    if (flagKey !== this.flagKey) return new FlagNotFoundError(`the cutover provider serves only "${this.flagKey}"`);
    return new TypeMismatchError(`"${this.flagKey}" is a string flag (the mode)`);
  }
}

function attributesOf(context: EvaluationContext): UserAttributes {
  const pick = (key: string) => (typeof context[key] === "string" ? (context[key] as string) : undefined);
  return { region: pick("region"), country: pick("country"), schoolId: pick("schoolId"), plan: pick("plan") };
}
