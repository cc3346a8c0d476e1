import postgres from "postgres";
import { getEnv } from "./env.server";
import { reconnectBackoff } from "./reconnect-backoff.server";
import { dropSingleton, existingSingleton, singleton } from "./singleton.server";

/**
 * One LISTEN connection per process on the control DB, for the caches that must hear at once of changes made by
 * other processes (a new ruleset version, a revoked API token). A change's NOTIFY is sent by its transaction and
 * delivered at commit. postgres.js does not reconnect an idle connection by itself, so after a drop this module
 * retries every RECONNECT_MS; each (re)subscription calls `onListen`, because notifications sent while the
 * connection was down are lost and the cache must re-read. While `notificationsUp()` is false, callers poll.
 *
 * No request may wait on this connection for long: a subscription waits for an attempt under way at most
 * SUBSCRIBE_WAIT_MS, and the attempts use the pools' short reconnect backoff. postgres.js's own backoff grows to
 * 20 s after a few failed attempts, which after a 30-s outage made the first page that subscribed hang that long.
 */
const RECONNECT_MS = 1000;
const SUBSCRIBE_WAIT_MS = 1000;

export type ControlChannel = "cutover_ruleset" | "cutover_api_tokens";

interface Subscription {
  onNotify(payload: string): void;
  onListen(): void;
}

interface Listener {
  client: postgres.Sql;
  channels: Map<ControlChannel, Subscription[]>;
  up: boolean;
  connecting: Promise<void> | null;
  retry: NodeJS.Timeout | null;
  closed: boolean;
}

function createListener(): Listener {
  const listener: Listener = { client: null as unknown as postgres.Sql, channels: new Map(), up: false, connecting: null, retry: null, closed: false };
  const onnotify = (channel: string, payload: string) => {
    for (const subscription of listener.channels.get(channel as ControlChannel) ?? []) subscription.onNotify(payload);
  };
  listener.client = postgres(getEnv().CUTOVER_DATABASE_URL, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 10,
    backoff: reconnectBackoff,
    onnotice: () => {},
    connection: { application_name: "cutover-listen" },
    onclose() {
      listener.up = false;
      scheduleRetry(listener);
    },
    // postgres.js calls onnotify for every NOTIFY on its connections; its types only list it for sql.listen, whose
    // own connection reconnects silently and would leave this module unable to tell when to poll.
    ...({ onnotify } as object),
  });
  return listener;
}

function scheduleRetry(listener: Listener) {
  if (listener.closed || listener.retry) return;
  listener.retry = setTimeout(() => {
    listener.retry = null;
    void connect(listener);
  }, RECONNECT_MS);
  listener.retry.unref(); // a lost notification connection must not keep a finished process alive
}

function connect(listener: Listener): Promise<void> {
  listener.connecting ??= (async () => {
    try {
      for (const channel of listener.channels.keys()) await listener.client.unsafe(`listen "${channel}"`);
      if (listener.closed) return;
      listener.up = true;
      for (const subscriptions of listener.channels.values()) for (const s of subscriptions) s.onListen();
    } catch {
      // The control DB is unreachable: callers poll meanwhile; onclose (or this) schedules the next attempt.
      listener.up = false;
      scheduleRetry(listener);
    } finally {
      listener.connecting = null;
    }
  })();
  return listener.connecting;
}

function listener() {
  return singleton("control-notifications", createListener);
}

/** Resolves when `attempt` settles or after `ms`, whichever is first; the attempt goes on either way. */
function atMost(attempt: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([attempt, wait]).finally(() => clearTimeout(timer));
}

/**
 * Subscribes to a channel; resolves once the subscription is live, or once the attempt failed or has taken
 * SUBSCRIBE_WAIT_MS, in which case `notificationsUp()` stays false, the caller polls, and `onListen` tells it
 * when the subscription is live. `onListen` runs after every (re)subscription.
 */
export async function listenControl(channel: ControlChannel, subscription: Subscription): Promise<void> {
  const l = listener();
  const list = l.channels.get(channel) ?? [];
  l.channels.set(channel, [...list, subscription]);
  if (l.connecting) await atMost(l.connecting, SUBSCRIBE_WAIT_MS);
  // Still trying: that attempt (or the next) subscribes every channel, this one too, and calls onListen.
  if (l.connecting) return;
  if (l.up && list.length === 0) {
    try {
      await l.client.unsafe(`listen "${channel}"`);
      subscription.onListen();
    } catch {
      // onclose marks the connection down and retries, subscribing every channel again
    }
    return;
  }
  if (l.up) subscription.onListen();
  else await atMost(connect(l), SUBSCRIBE_WAIT_MS);
}

/** Whether changes made by other processes reach this one by notification (else: poll). */
export function notificationsUp(): boolean {
  return existingSingleton<Listener>("control-notifications")?.up ?? false;
}

/** Closes the LISTEN connection (shutdown, tests); a later subscription opens a new one. */
export async function closeControlNotifications() {
  const l = existingSingleton<Listener>("control-notifications");
  if (!l) return;
  dropSingleton("control-notifications");
  l.closed = true;
  l.up = false;
  if (l.retry) clearTimeout(l.retry);
  await l.client.end({ timeout: 1 });
}
