/**
 * A counting semaphore for the tick: at most `size` jobs talk to the table at once, and a job
 * gives its permit back the moment its handler starts, so a long run never holds one. Bounds
 * the requests in flight (and memory) of a tick over many jobs, and starts the first jobs early.
 */
export class Permits {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }

  /** Waits for a permit; resolves with its release, which is safe to call more than once. */
  async take(): Promise<() => void> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    };
  }
}
