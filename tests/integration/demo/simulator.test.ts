import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCutoverClient, type CutoverClient } from "../../../client/src";
import { startFakeControlPlane, type FakeControlPlane } from "../../../client/test-support/fake-control-plane";
import type { Mode } from "../../../app/rollout/modes";
import type { Ruleset } from "../../../app/rollout/types";
import { addSimulatorCounts, readSimulatorSwitch, SIMULATOR_ID } from "../../../app/simulator/simulator-store";
import { startTrafficSimulator, type TrafficSimulator } from "../../../app/simulator/traffic-simulator.server";
import { seedDemoApplication } from "../../../db/demo/seed";
import { primaryKeyLabel } from "../../../app/normalization";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { createControlDatabase } from "../../support/control-db";
import { seededRandom } from "../../../db/seed/seeded-random";

const everyone = (version: number, mode: Mode): Ruleset => ({ version, defaultMode: mode, emergency: null, cohorts: [], pins: [] });
const WAIT = { timeout: 45_000, interval: 20 };

describe("demo traffic simulator", () => {
  let control: ScratchDatabase;
  let source: ScratchDatabase;
  let target: ScratchDatabase;
  let plane: FakeControlPlane;
  let client: CutoverClient;
  let version = 1;

  const setMode = async (mode: Mode) => {
    plane.setRuleset(everyone(++version, mode));
    expect(await client.refresh()).toBe(true);
    expect(client.assignment("u_000001").mode).toBe(mode);
  };
  const setSwitch = (status: "running" | "paused", rate = 200) => control.sql`
    insert into simulator_state (id, status, operations_per_second) values (${SIMULATOR_ID}, ${status}, ${rate})
    on conflict (id) do update set status = excluded.status, operations_per_second = excluded.operations_per_second`;
  /** Ids of annotations written since `since` (the seed's are all from 2020). */
  const newAnnotations = async (db: ScratchDatabase, since: Date) =>
    new Set((await db.sql<{ id: string }[]>`select id from annotations where created_at >= ${since}`).map((r) => r.id));
  const start = (options: { divergenceRate: number; seed: number }) =>
    startTrafficSimulator({
      source: source.sql,
      target: target.sql,
      control: control.sql,
      client,
      random: seededRandom(options.seed),
      divergenceRate: options.divergenceRate,
      stateRefreshMs: 50,
      flushIntervalMs: 200,
    });

  beforeAll(async () => {
    [control, source, target] = await Promise.all([createControlDatabase("sim_ctl"), createScratchDatabase("sim_src"), createScratchDatabase("sim_tgt")]);
    await seedDemoApplication({ source: source.sql, target: target.sql });
    plane = await startFakeControlPlane();
    plane.setRuleset(everyone(version, "shadow_read"));
    client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });
    await client.ready();
    await setSwitch("running");
  });
  afterAll(async () => {
    await client?.close(1_000);
    await plane?.close();
    await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
  });

  it("mirrors every write of a shadow_read user, compares reads and counts them per minute", async () => {
    await setMode("shadow_read");
    const since = new Date();
    const before = client.counters();
    const simulator = await start({ divergenceRate: 0, seed: 1 });
    await vi.waitFor(() => {
      expect(simulator.stats().writes).toBeGreaterThanOrEqual(30);
      expect(client.counters().comparisons - before.comparisons).toBeGreaterThanOrEqual(10);
    }, WAIT);
    await simulator.stop();
    const stats = simulator.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.mirroredWrites).toBe(stats.writes);

    const [onSource, onTarget] = await Promise.all([newAnnotations(source, since), newAnnotations(target, since)]);
    expect(onSource.size).toBeGreaterThan(0);
    expect([...onTarget].sort()).toEqual([...onSource].sort());
    // No read raced a mirrored write: nothing the simulator wrote was ever reported as a mismatch.
    await vi.waitFor(() => expect(client.reporter.stats().pending).toBe(0), WAIT);
    const reported = plane.processed.flatMap((batch) => batch.mismatches.map((m) => primaryKeyLabel(m.primaryKey)));
    expect(reported.filter((key) => onSource.has(key))).toEqual([]);

    const [sum] = await control.sql`
      select sum(writes)::int as writes, sum(mirrored_writes)::int as mirrored, sum(reads)::int as reads,
             sum(comparisons)::int as comparisons, sum(divergences_injected)::int as injected
      from simulator_minutes`;
    expect(sum).toMatchObject({ writes: stats.writes, mirrored: stats.writes, reads: stats.reads, injected: 0 });
    expect(sum.comparisons).toBe(stats.comparisons);
    expect(sum.comparisons).toBeGreaterThan(0);
  });

  it("lets a write reach one side only as a genuine divergence, which the shadow reads then find", async () => {
    await setMode("shadow_read");
    const since = new Date();
    const before = client.counters();
    // Every mirrored write loses its secondary (target) side: the rarest event of the demo, made certain.
    const simulator = await start({ divergenceRate: 1, seed: 2 });
    await vi.waitFor(() => {
      expect(simulator.stats().divergencesInjected).toBeGreaterThanOrEqual(5);
      expect(client.counters().mismatchesFound - before.mismatchesFound).toBeGreaterThan(0);
    }, WAIT);
    await simulator.stop();
    const [onSource, onTarget] = await Promise.all([newAnnotations(source, since), newAnnotations(target, since)]);
    expect(onSource.size).toBeGreaterThan(0);
    expect(onTarget.size).toBe(0);
    expect(simulator.stats().divergencesInjected).toBe(simulator.stats().mirroredWrites);
  });

  it("routes a source_only user to the source alone: nothing mirrored, nothing compared", async () => {
    await setMode("source_only");
    const since = new Date();
    const before = client.counters();
    const simulator = await start({ divergenceRate: 1, seed: 3 });
    await vi.waitFor(() => expect(simulator.stats().writes).toBeGreaterThanOrEqual(20), WAIT);
    await simulator.stop();
    expect(simulator.stats()).toMatchObject({ mirroredWrites: 0, divergencesInjected: 0, comparisons: 0 });
    expect(client.counters().shadowReads).toBe(before.shadowReads);
    expect((await newAnnotations(source, since)).size).toBeGreaterThan(0);
    expect((await newAnnotations(target, since)).size).toBe(0);
  });

  it("pauses and resumes from the switch row, and stop() waits for the operations in flight", async () => {
    await setMode("dual_write");
    let simulator: TrafficSimulator | undefined;
    try {
      simulator = await start({ divergenceRate: 0, seed: 4 });
      const s = simulator;
      await vi.waitFor(() => expect(s.stats().writes + s.stats().reads).toBeGreaterThan(5), WAIT);

      await setSwitch("paused");
      await vi.waitFor(() => expect(s.stats()).toMatchObject({ status: "paused", inFlight: 0 }), WAIT);
      const paused = s.stats();
      // Several more reads of the switch while paused: still no new operation.
      await vi.waitFor(() => expect(s.stats().stateRefreshes).toBeGreaterThanOrEqual(paused.stateRefreshes + 3), WAIT);
      expect(s.stats().writes + s.stats().reads).toBe(paused.writes + paused.reads);

      await setSwitch("running");
      await vi.waitFor(() => expect(s.stats().writes + s.stats().reads).toBeGreaterThan(paused.writes + paused.reads + 5), WAIT);
      // Stop while operations are in flight: stop() resolves only once each of them has finished and counted.
      await vi.waitFor(() => expect(s.stats().inFlight).toBeGreaterThan(0), WAIT);
      const atStop = s.stats();
      await s.stop();
      const done = s.stats();
      expect(done.inFlight).toBe(0);
      expect(done.writes + done.reads + done.errors).toBe(atStop.writes + atStop.reads + atStop.errors + atStop.inFlight);
    } finally {
      await simulator?.stop();
      await setSwitch("running");
    }
  });

  it("reads the switch as running at the default rate when nobody set it, and clamps the rate", async () => {
    await control.sql`delete from simulator_state`;
    expect(await readSimulatorSwitch(control.sql)).toEqual({ status: "running", operationsPerSecond: 20 });
    await setSwitch("paused", 10_000);
    expect(await readSimulatorSwitch(control.sql)).toEqual({ status: "paused", operationsPerSecond: 200 });
    await setSwitch("running");
  });

  it("adds the counts of several processes to the same minute", async () => {
    const minute = new Date("2030-01-01T10:00:00Z");
    const counts = { writes: 3, mirroredWrites: 2, reads: 5, comparisons: 4, mismatchesFound: 1, divergencesInjected: 0, errors: 0 };
    await addSimulatorCounts(control.sql, minute, counts);
    await addSimulatorCounts(control.sql, minute, counts);
    const [row] = await control.sql`select writes, reads, mismatches_found from simulator_minutes where minute = ${minute}`;
    expect(row).toEqual({ writes: 6, reads: 10, mismatches_found: 2 });
    await control.sql`delete from simulator_minutes where minute = ${minute}`;
  });
});
