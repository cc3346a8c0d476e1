/** One instance per process, kept across dev rebuilds (which re-evaluate modules but keep globalThis). */
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __cutoverSingletons?: Map<string, unknown> };
  store.__cutoverSingletons ??= new Map();
  if (!store.__cutoverSingletons.has(name)) store.__cutoverSingletons.set(name, create());
  return store.__cutoverSingletons.get(name) as T;
}
