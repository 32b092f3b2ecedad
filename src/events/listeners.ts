/** A set of listeners for one kind of event: `add` returns the unsubscribe function, `emit` calls each in turn. */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Removes every listener (after a one-time event, so none can fire again). */
  clear(): void {
    this.#listeners.clear();
  }

  /** Calls every listener with `value`. */
  emit(value: T): void {
    for (const listener of this.#listeners) listener(value);
  }
}
