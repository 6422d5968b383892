// A stand-in for the anywidget model: records sent messages and lets a test deliver messages.
type Handler = (...args: unknown[]) => void;

export class FakeModel<T extends Record<string, unknown>> {
  sent: unknown[] = [];
  private handlers = new Map<string, Set<Handler>>();
  constructor(private state: T) {}
  get<K extends keyof T>(key: K): T[K] {
    return this.state[key];
  }
  set<K extends keyof T>(key: K, value: T[K]): void {
    this.state[key] = value;
    this.emit(`change:${String(key)}`);
  }
  save_changes(): void {}
  send(msg: unknown): void {
    this.sent.push(msg);
  }
  on(event: string, handler: Handler): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)?.add(handler);
  }
  off(event: string, handler: Handler): void {
    this.handlers.get(event)?.delete(handler);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  deliver(msg: unknown): void {
    this.emit("msg:custom", msg, []);
  }
}
