import { OpenFeature, ProviderEvents } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeControlPlane, waitFor, type FakeControlPlane } from "../test-support/fake-control-plane";
import { testRuleset } from "../test-support/rulesets";
import { createCutoverClient, type CutoverClient } from "./cutover-client";
import { CutoverOpenFeatureProvider } from "./openfeature-provider";

describe("CutoverOpenFeatureProvider", () => {
  let plane: FakeControlPlane;
  let cutover: CutoverClient;

  beforeAll(async () => {
    plane = await startFakeControlPlane();
    plane.setRuleset(testRuleset(1));
    cutover = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });
    await OpenFeature.setProviderAndWait("cutover-test", new CutoverOpenFeatureProvider(cutover));
  });
  afterAll(async () => {
    await OpenFeature.close();
    await cutover.close(100);
    await plane.close();
  });

  it("resolves the user's mode from targetingKey and attributes", async () => {
    const flags = OpenFeature.getClient("cutover-test");
    expect(await flags.getStringValue("cutover-mode", "source_only", { targetingKey: "user-target_only" })).toBe("target_only");
    const details = await flags.getStringDetails("cutover-mode", "source_only", { targetingKey: "x", region: "eu" });
    expect(details).toMatchObject({
      value: "shadow_read",
      variant: "shadow_read",
      reason: "TARGETING_MATCH",
      flagMetadata: { cohortId: "cohort-eu", cohortName: "EU schools", rulesetVersion: 1, assignmentReason: "cohort" },
    });
    const outside = await flags.getStringDetails("cutover-mode", "source_only", { targetingKey: "x", region: "us" });
    expect(outside).toMatchObject({ value: "source_only", reason: "DEFAULT" });
  });

  it("answers the caller's default with an error code when it cannot evaluate", async () => {
    const flags = OpenFeature.getClient("cutover-test");
    expect(await flags.getStringDetails("cutover-mode", "fallback", {})).toMatchObject({
      value: "fallback",
      errorCode: "TARGETING_KEY_MISSING",
    });
    expect(await flags.getStringDetails("other-flag", "fallback", { targetingKey: "u" })).toMatchObject({
      value: "fallback",
      errorCode: "FLAG_NOT_FOUND",
    });
    expect(await flags.getBooleanDetails("cutover-mode", false, { targetingKey: "u" })).toMatchObject({
      value: false,
      errorCode: "TYPE_MISMATCH",
    });
  });

  it("emits ConfigurationChanged when a new ruleset arrives", async () => {
    const flags = OpenFeature.getClient("cutover-test");
    let changed: string[] | undefined;
    flags.addHandler(ProviderEvents.ConfigurationChanged, (event) => {
      changed = event?.flagsChanged;
    });
    plane.setRuleset(testRuleset(2, { defaultMode: "dual_write" }));
    await cutover.refresh();
    await waitFor(() => changed !== undefined, 5_000, "the change event");
    expect(changed).toEqual(["cutover-mode"]);
    expect(await flags.getStringValue("cutover-mode", "source_only", { targetingKey: "nobody" })).toBe("dual_write");
  });
});
