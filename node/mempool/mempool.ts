// Pending transactions, bounded by count and bytes. Per sender they are kept by nonce, so a proposer takes each
// sender's transactions in nonce order, starting at the sender's next committed nonce.
import type { CheckedTx } from '../app/verified.ts'

export const MEMPOOL_TXS_MAX = 20_000
export const MEMPOOL_BYTES_MAX = 64 * 1024 * 1024
/** How far ahead of a sender's committed nonce the mempool accepts a transaction. */
export const MEMPOOL_NONCE_AHEAD_MAX = 5_000

export type AddOutcome =
  | { ok: true; id: string; alreadyPending: boolean }
  | { ok: false; code: 'MEMPOOL_FULL' | 'BAD_NONCE' | 'NONCE_TAKEN'; message: string }

interface SenderQueue {
  byNonce: Map<number, CheckedTx>
  firstSeen: number
  /** The sender's next committed nonce, as last learned (add, update). */
  committedNonce: number
}

export class Mempool {
  private readonly byId = new Map<string, CheckedTx>()
  private readonly senders = new Map<string, SenderQueue>()
  private bytes = 0
  private arrivals = 0

  constructor(
    private readonly limits: { txsMax: number; bytesMax: number } = { txsMax: MEMPOOL_TXS_MAX, bytesMax: MEMPOOL_BYTES_MAX },
  ) {}

  get size(): number {
    return this.byId.size
  }

  get sizeBytes(): number {
    return this.bytes
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  /** committedNonce: the sender's next nonce in committed state. */
  add(checked: CheckedTx, committedNonce: number): AddOutcome {
    if (this.byId.has(checked.id)) return { ok: true, id: checked.id, alreadyPending: true }
    const nonce = checked.tx.nonce
    if (nonce < committedNonce) return { ok: false, code: 'BAD_NONCE', message: `nonce ${nonce} already used: the sender's next nonce is ${committedNonce}` }
    if (nonce > committedNonce + MEMPOOL_NONCE_AHEAD_MAX) {
      return { ok: false, code: 'BAD_NONCE', message: `nonce ${nonce} is more than ${MEMPOOL_NONCE_AHEAD_MAX} ahead of the sender's next nonce ${committedNonce}` }
    }
    const queue = this.senders.get(checked.senderHex)
    if (queue?.byNonce.has(nonce) === true) {
      return { ok: false, code: 'NONCE_TAKEN', message: `another pending transaction of this sender already uses nonce ${nonce}` }
    }
    if (queue !== undefined) queue.committedNonce = committedNonce
    while (this.byId.size >= this.limits.txsMax || this.bytes + checked.bytes.length > this.limits.bytesMax) {
      // A transaction that could be proposed now displaces one that cannot (its sender has a nonce gap before it),
      // so nonce gaps can never fill the pool for good.
      const victim = this.isReady(checked, queue, committedNonce) ? this.newestUnready() : undefined
      if (victim === undefined) {
        const which =
          this.byId.size >= this.limits.txsMax
            ? `it holds ${this.byId.size} transactions, the count limit is ${this.limits.txsMax}`
            : `it holds ${this.bytes} bytes and this transaction is ${checked.bytes.length} bytes, the byte limit is ${this.limits.bytesMax}`
        return { ok: false, code: 'MEMPOOL_FULL', message: `mempool full: ${which}; retry later` }
      }
      this.remove(victim)
    }
    const senderQueue = this.senders.get(checked.senderHex) ?? { byNonce: new Map<number, CheckedTx>(), firstSeen: this.arrivals++, committedNonce }
    senderQueue.byNonce.set(nonce, checked)
    this.senders.set(checked.senderHex, senderQueue)
    this.byId.set(checked.id, checked)
    this.bytes += checked.bytes.length
    return { ok: true, id: checked.id, alreadyPending: false }
  }

  /**
   * Transactions for a proposal: for each sender (oldest first), its consecutive run of nonces starting at its
   * next committed nonce, until txsMax or bytesMax would be exceeded.
   */
  reap(txsMax: number, bytesMax: number, nextNonce: (senderHex: string) => number): CheckedTx[] {
    const out: CheckedTx[] = []
    let bytes = 0
    const queues = [...this.senders.entries()].sort(([, a], [, b]) => a.firstSeen - b.firstSeen)
    for (const [senderHex, queue] of queues) {
      let nonce = nextNonce(senderHex)
      for (;;) {
        const checked = queue.byNonce.get(nonce)
        if (checked === undefined) break
        if (out.length >= txsMax || bytes + checked.bytes.length > bytesMax) return out
        out.push(checked)
        bytes += checked.bytes.length
        nonce += 1
      }
    }
    return out
  }

  /** Ready: the sender's pending nonces run without a gap from its committed nonce up to this transaction's. */
  private isReady(checked: CheckedTx, queue: SenderQueue | undefined, committedNonce: number): boolean {
    for (let nonce = committedNonce; nonce < checked.tx.nonce; nonce += 1) if (queue?.byNonce.has(nonce) !== true) return false
    return true
  }

  /** The highest-nonce transaction of the most recently seen sender that has a nonce gap, if any. */
  private newestUnready(): CheckedTx | undefined {
    let victim: CheckedTx | undefined
    let victimSeen = -1
    for (const queue of this.senders.values()) {
      if (queue.firstSeen < victimSeen) continue
      let nonce = queue.committedNonce
      while (queue.byNonce.has(nonce)) nonce += 1
      let highest: CheckedTx | undefined
      for (const [pendingNonce, pending] of queue.byNonce) if (pendingNonce > nonce && (highest === undefined || pendingNonce > highest.tx.nonce)) highest = pending
      if (highest !== undefined) {
        victim = highest
        victimSeen = queue.firstSeen
      }
    }
    return victim
  }

  /** After a commit: drops included transactions and every transaction whose nonce is now used. */
  update(committedIds: Iterable<string>, nextNonce: (senderHex: string) => number): void {
    for (const id of committedIds) {
      const checked = this.byId.get(id)
      if (checked !== undefined) this.remove(checked)
    }
    for (const [senderHex, queue] of [...this.senders.entries()]) {
      const next = nextNonce(senderHex)
      queue.committedNonce = next
      for (const [nonce, checked] of [...queue.byNonce.entries()]) if (nonce < next) this.remove(checked)
    }
  }

  senderHexes(): string[] {
    return [...this.senders.keys()]
  }

  private remove(checked: CheckedTx): void {
    this.byId.delete(checked.id)
    this.bytes -= checked.bytes.length
    const queue = this.senders.get(checked.senderHex)
    if (queue === undefined) return
    queue.byNonce.delete(checked.tx.nonce)
    if (queue.byNonce.size === 0) this.senders.delete(checked.senderHex)
  }
}
