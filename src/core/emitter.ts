/** A small typed event fan-out for core services (no Node `EventEmitter` typing issues, no vscode). */
export class Emitter<T extends unknown[]> {
  private readonly listeners = new Set<(...args: T) => void>();
  on(listener: (...args: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(...args: T): void {
    for (const l of [...this.listeners]) l(...args);
  }
}
