/** A map that keeps at most `max` entries, dropping the least recently used. */
export class Lru<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(
    private readonly max: number,
    private readonly onEvict?: (value: V) => void,
  ) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    if (this.max <= 0) {
      this.onEvict?.(value);
      return;
    }
    const old = this.#entries.get(key);
    this.#entries.delete(key);
    if (old !== undefined && old !== value) this.onEvict?.(old);
    this.#entries.set(key, value);
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next().value as K;
      const evicted = this.#entries.get(oldest)!;
      this.#entries.delete(oldest);
      this.onEvict?.(evicted);
    }
  }

  delete(key: K): void {
    const value = this.#entries.get(key);
    this.#entries.delete(key);
    if (value !== undefined) this.onEvict?.(value);
  }

  get size(): number {
    return this.#entries.size;
  }

  keys(): K[] {
    return [...this.#entries.keys()];
  }
}

/** Runs one call per key at a time; concurrent callers share its promise. */
export class SingleFlight {
  readonly #running = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running as Promise<T>;
    const promise = fn().finally(() => this.#running.delete(key));
    this.#running.set(key, promise);
    return promise;
  }
}
