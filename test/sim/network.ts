// The simulated network: every validator is linked to every other; a message on a link can be dropped, delayed,
// duplicated (and so reordered) by the current fault settings, and is lost when the link is cut by a partition or
// either end is down. Gossip is modelled as gossipsub does it: each published message has an id (author and
// sequence number), a node validates a message once per id, and relays it to its other peers only when its
// validator accepted it. Block sync is a request/response with a delay each way that fails when the link is cut.
import type { SyncRequest, SyncResponse } from '../../client/wire.ts'
import type { Verdict } from '../../consensus/driver.ts'
import type { Rng, Scheduler } from './scheduler.ts'

export type Topic = 'consensus' | 'tx'

export interface LinkFaults {
  dropProbability: number
  duplicateProbability: number
  delayMinMs: number
  delayMaxMs: number
}

export const STABLE_LINKS: LinkFaults = { dropProbability: 0, duplicateProbability: 0, delayMinMs: 1, delayMaxMs: 30 }

/** Gossip message ids a node remembers (gossipsub's seen cache); older ones are forgotten first. */
export const SEEN_MESSAGE_IDS_MAX = 50_000
/** How long a block-sync request waits before it fails, as libp2p's stream timeout would. */
export const SYNC_REQUEST_TIMEOUT_MS = 2_000

/** What the network needs from a node. */
export interface NetworkEndpoint {
  readonly index: number
  /** Changes at every crash and restart: what was sent to an earlier life of the node never reaches a later one. */
  readonly incarnation: number
  isUp(): boolean
  /** The gossip topic validator: returns at once (consensus) or later (transactions are checked asynchronously). */
  validate(topic: Topic, bytes: Uint8Array): Verdict | Promise<Verdict>
  serveBlocks(request: SyncRequest): Promise<SyncResponse>
}

export class SimNetwork {
  faults: LinkFaults = STABLE_LINKS
  /** Partition group of each node; nodes talk only within a group. */
  private groups: number[]
  private readonly endpoints: NetworkEndpoint[] = []
  private readonly seen: Map<string, true>[] = []
  private sequence = 0
  delivered = 0
  dropped = 0

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    readonly size: number,
  ) {
    this.groups = new Array<number>(size).fill(0)
  }

  attach(endpoint: NetworkEndpoint): void {
    this.endpoints[endpoint.index] = endpoint
    this.seen[endpoint.index] = new Map()
  }

  /** A restarted node has lost its seen cache with the rest of its memory. */
  forget(index: number): void {
    this.seen[index] = new Map()
  }

  partition(groups: number[]): void {
    this.groups = [...groups]
  }

  heal(): void {
    this.groups = new Array<number>(this.size).fill(0)
  }

  get partitioned(): boolean {
    return new Set(this.groups).size > 1
  }

  describePartition(): string {
    const byGroup = new Map<number, number[]>()
    this.groups.forEach((group, index) => byGroup.set(group, [...(byGroup.get(group) ?? []), index]))
    return [...byGroup.values()].map((members) => members.join(',')).join(' | ')
  }

  linked(from: number, to: number): boolean {
    return from !== to && this.groups[from] === this.groups[to]
  }

  /** Peers a node is connected to: up and on its side of any partition. */
  peersOf(index: number): number[] {
    const out: number[] = []
    for (let other = 0; other < this.size; other += 1) if (this.linked(index, other) && this.endpoints[other]?.isUp() === true) out.push(other)
    return out
  }

  /** Publishes a new gossip message authored by `from` to all its peers. */
  publish(from: number, topic: Topic, bytes: Uint8Array): void {
    const id = `${from}:${this.sequence++}`
    this.remember(from, id)
    for (let to = 0; to < this.size; to += 1) if (to !== from) this.transmit(from, to, topic, bytes, id)
  }

  /** Sends a gossip message to one peer only (what a Byzantine node does to show different peers different things). */
  sendTo(from: number, to: number, topic: Topic, bytes: Uint8Array): void {
    const id = `${from}:${this.sequence++}`
    this.remember(from, id)
    this.transmit(from, to, topic, bytes, id)
  }

  private transmit(from: number, to: number, topic: Topic, bytes: Uint8Array, id: string): void {
    if (!this.linked(from, to)) {
      this.dropped += 1
      return
    }
    const { dropProbability, duplicateProbability } = this.faults
    if (this.rng.chance(dropProbability)) {
      this.dropped += 1
      return
    }
    const copies = this.rng.chance(duplicateProbability) ? 2 : 1
    const incarnation = this.endpoints[to]?.incarnation
    for (let copy = 0; copy < copies; copy += 1) {
      this.scheduler.schedule(this.delay(), () => this.deliver(from, to, topic, bytes, id, incarnation))
    }
  }

  private delay(): number {
    return this.rng.between(this.faults.delayMinMs, this.faults.delayMaxMs)
  }

  private remember(index: number, id: string): boolean {
    const seen = this.seen[index] as Map<string, true>
    if (seen.has(id)) return false
    seen.set(id, true)
    if (seen.size > SEEN_MESSAGE_IDS_MAX) seen.delete(seen.keys().next().value as string)
    return true
  }

  private deliver(from: number, to: number, topic: Topic, bytes: Uint8Array, id: string, incarnation: number | undefined): void {
    const endpoint = this.endpoints[to]
    // A link cut or a node down while the message was in flight loses it, and so does a restart of the receiver since
    // it was sent (the connection it travelled on died with the old process).
    if (endpoint === undefined || !endpoint.isUp() || endpoint.incarnation !== incarnation || !this.linked(from, to)) {
      this.dropped += 1
      return
    }
    if (!this.remember(to, id)) return
    this.delivered += 1
    const relay = (verdict: Verdict): void => {
      if (verdict !== 'accept' || !endpoint.isUp()) return
      for (let next = 0; next < this.size; next += 1) if (next !== to && next !== from) this.transmit(to, next, topic, bytes, id)
    }
    const verdict = endpoint.validate(topic, bytes)
    if (verdict instanceof Promise) void verdict.then(relay, () => undefined)
    else relay(verdict)
  }

  /** A block-sync request from `from` to `to`: a delay to get there, the answer as of arrival, a delay back. */
  request(from: number, to: number, request: SyncRequest): Promise<SyncResponse> {
    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (reason: string): void => {
        if (settled) return
        settled = true
        reject(new Error(reason))
      }
      const timeout = this.scheduler.schedule(SYNC_REQUEST_TIMEOUT_MS, () => fail('sync request timed out'))
      const serverIncarnation = this.endpoints[to]?.incarnation
      const clientIncarnation = this.endpoints[from]?.incarnation
      this.scheduler.schedule(this.delay(), () => {
        const endpoint = this.endpoints[to]
        if (endpoint === undefined || !endpoint.isUp() || endpoint.incarnation !== serverIncarnation || !this.linked(from, to)) return
        void endpoint.serveBlocks(request).then((response) => {
          this.scheduler.schedule(this.delay(), () => {
            if (settled || !this.linked(from, to) || this.endpoints[from]?.isUp() !== true || this.endpoints[from]?.incarnation !== clientIncarnation) return
            settled = true
            this.scheduler.cancel(timeout)
            resolve(response)
          })
        })
      })
    })
  }
}
