const store = () => {
  const holder = globalThis as unknown as { __cutoverSingletons?: Map<string, unknown> };
  holder.__cutoverSingletons ??= new Map();
  return holder.__cutoverSingletons;
};

/** One instance per process, kept across dev rebuilds (which re-evaluate modules but keep globalThis). */
export function singleton<T>(name: string, create: () => T): T {
  const instances = store();
  if (!instances.has(name)) instances.set(name, create());
  return instances.get(name) as T;
}

/** The instance if one was created, without creating it. */
export function existingSingleton<T>(name: string): T | undefined {
  return store().get(name) as T | undefined;
}

/** Forgets the instance (after closing it), so the next use creates a new one. */
export function dropSingleton(name: string) {
  store().delete(name);
}
