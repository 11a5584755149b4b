// The simulation's only sources of time and randomness: a seeded generator and a discrete-event scheduler. Every
// event (a timer, a message delivery, a fault) runs at a simulated time, in (time, insertion order), so one seed
// gives one run.
import type { Clock } from '../../consensus/driver.ts'

/** mulberry32: a small 32-bit generator; plenty for choosing faults and delays, and reproducible from one seed. */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(items.length)] as T
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let index = 0; index < length; index += 1) out[index] = this.int(256)
    return out
  }

  /** A generator for a sub-stream (e.g. one per node), so adding draws in one place does not shift the others. */
  fork(): Rng {
    return new Rng(this.int(2 ** 32))
  }
}

export interface ScheduledEvent {
  atMs: number
  seq: number
  run: () => void
  cancelled: boolean
}

/** A binary min-heap of events ordered by (atMs, seq). */
export class Scheduler {
  nowMs: number
  private heap: ScheduledEvent[] = []
  private seq = 0
  executed = 0

  constructor(startMs: number) {
    this.nowMs = startMs
  }

  schedule(delayMs: number, run: () => void): ScheduledEvent {
    const event: ScheduledEvent = { atMs: this.nowMs + Math.max(0, delayMs), seq: this.seq++, run, cancelled: false }
    this.heap.push(event)
    this.siftUp(this.heap.length - 1)
    return event
  }

  cancel(event: ScheduledEvent): void {
    event.cancelled = true
  }

  /** The next live event at or before `untilMs`, removed from the queue, with the clock moved to its time. */
  next(untilMs: number): ScheduledEvent | undefined {
    for (;;) {
      const top = this.heap[0]
      if (top === undefined || top.atMs > untilMs) return undefined
      this.pop()
      if (top.cancelled) continue
      this.nowMs = Math.max(this.nowMs, top.atMs)
      this.executed += 1
      return top
    }
  }

  get pending(): number {
    return this.heap.length
  }

  private pop(): void {
    const last = this.heap.pop() as ScheduledEvent
    if (this.heap.length === 0) return
    this.heap[0] = last
    this.siftDown(0)
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)
  }

  private siftUp(index: number): void {
    const heap = this.heap
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.less(heap[index] as ScheduledEvent, heap[parent] as ScheduledEvent)) return
      ;[heap[index], heap[parent]] = [heap[parent] as ScheduledEvent, heap[index] as ScheduledEvent]
      index = parent
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap
    for (;;) {
      const left = 2 * index + 1
      const right = left + 1
      let smallest = index
      if (left < heap.length && this.less(heap[left] as ScheduledEvent, heap[smallest] as ScheduledEvent)) smallest = left
      if (right < heap.length && this.less(heap[right] as ScheduledEvent, heap[smallest] as ScheduledEvent)) smallest = right
      if (smallest === index) return
      ;[heap[index], heap[smallest]] = [heap[smallest] as ScheduledEvent, heap[index] as ScheduledEvent]
      index = smallest
    }
  }
}

/**
 * A node's clock: simulated time plus the node's own skew. Its timers belong to one life of the node: after a crash
 * (a new generation) they never fire, as a killed process's timers would not.
 */
export class NodeClock implements Clock {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly skewMs: number,
    private readonly generation: () => number,
  ) {}

  nowMs(): number {
    return this.scheduler.nowMs + this.skewMs
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const born = this.generation()
    return this.scheduler.schedule(delayMs, () => {
      if (this.generation() === born) callback()
    })
  }

  clearTimeout(handle: unknown): void {
    if (handle !== null && typeof handle === 'object') this.scheduler.cancel(handle as ScheduledEvent)
  }
}
