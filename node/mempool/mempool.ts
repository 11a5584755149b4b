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
    if (this.byId.size >= this.limits.txsMax || this.bytes + checked.bytes.length > this.limits.bytesMax) {
      return { ok: false, code: 'MEMPOOL_FULL', message: `mempool full (${this.byId.size} transactions, ${this.bytes} bytes; limits ${this.limits.txsMax} and ${this.limits.bytesMax}): retry later` }
    }
    const senderQueue = queue ?? { byNonce: new Map<number, CheckedTx>(), firstSeen: this.arrivals++ }
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

  /** After a commit: drops included transactions and every transaction whose nonce is now used. */
  update(committedIds: Iterable<string>, nextNonce: (senderHex: string) => number): void {
    for (const id of committedIds) {
      const checked = this.byId.get(id)
      if (checked !== undefined) this.remove(checked)
    }
    for (const [senderHex, queue] of [...this.senders.entries()]) {
      const next = nextNonce(senderHex)
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
