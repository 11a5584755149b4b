// How transactions travel between nodes: a node gathers the transactions it accepted from its clients for up to
// TX_GOSSIP_LINGER_MS and publishes them as one gossip message (client/wire.ts encodeTxGossip), at most
// TX_GOSSIP_TXS_MAX transactions and TX_GOSSIP_BYTES_MAX bytes each. A receiving node checks every transaction of
// the message as it checks a submitted one (signature once, nonce, mempool) and judges the message by them.
import { TX_GOSSIP_BYTES_MAX, TX_GOSSIP_TXS_MAX, decodeTxGossip, encodeTxGossip } from '../../client/wire.ts'
import type { SubmitOutcome } from '../app/application.ts'

/** How long the first transaction of a gossip message waits for others before the message is sent. */
export const TX_GOSSIP_LINGER_MS = 5

/** msgpack framing of the array and of each binary entry, counted against TX_GOSSIP_BYTES_MAX. */
const ARRAY_OVERHEAD_BYTES = 5
const ENTRY_OVERHEAD_BYTES = 5

export type GossipVerdict = 'accept' | 'ignore' | 'reject'

/** Gathers signed transactions into gossip messages and hands each message to `publish`. */
export class TxGossipBatcher {
  private pending: Uint8Array[] = []
  private pendingBytes = ARRAY_OVERHEAD_BYTES
  private timer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  /** Publications not yet settled, awaited by stop(). */
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(
    private readonly publish: (message: Uint8Array) => Promise<unknown> | void,
    private readonly lingerMs = TX_GOSSIP_LINGER_MS,
  ) {}

  add(signedTx: Uint8Array): void {
    if (this.stopped) return
    const bytes = signedTx.length + ENTRY_OVERHEAD_BYTES
    if (this.pending.length > 0 && (this.pending.length >= TX_GOSSIP_TXS_MAX || this.pendingBytes + bytes > TX_GOSSIP_BYTES_MAX)) this.flush()
    this.pending.push(signedTx)
    this.pendingBytes += bytes
    if (this.pending.length >= TX_GOSSIP_TXS_MAX) this.flush()
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.lingerMs)
  }

  /** Sends what is gathered now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.pending.length === 0) return
    const message = encodeTxGossip(this.pending)
    this.pending = []
    this.pendingBytes = ARRAY_OVERHEAD_BYTES
    const published = this.publish(message)
    if (published instanceof Promise) {
      const settled = published.catch(() => undefined).finally(() => this.inFlight.delete(settled))
      this.inFlight.add(settled)
    }
  }

  /** Sends what is gathered, takes no more, and resolves when every publication so far has settled. */
  async stop(): Promise<void> {
    this.flush()
    this.stopped = true
    await Promise.all([...this.inFlight])
  }
}

/**
 * The gossip verdict of one transaction the application checked: relay what is new and valid, penalise the peer
 * for what no honest node would relay (a bad signature, malformed bytes, another chain, oversize), ignore the rest
 * (already known, nonce already used, mempool full: an honest peer can relay those in a race).
 */
export function gossipTxVerdict(outcome: SubmitOutcome): GossipVerdict {
  if (outcome.ok) return outcome.alreadyPending ? 'ignore' : 'accept'
  return outcome.code === 'BAD_SIGNATURE' || outcome.code === 'MALFORMED_TX' || outcome.code === 'WRONG_CHAIN' || outcome.code === 'TX_TOO_LARGE' ? 'reject' : 'ignore'
}

/**
 * A gossip message of transactions: rejected (its sender charged) when it is malformed or holds a transaction that
 * no node could accept (bad signature, malformed, another chain, too large), which an honest node never relays;
 * accepted (and relayed) when it brought at least one new transaction; else ignored.
 */
export async function gossipTxsVerdict(message: Uint8Array, submit: (signedTx: Uint8Array) => Promise<SubmitOutcome>): Promise<GossipVerdict> {
  let txs: Uint8Array[]
  try {
    txs = decodeTxGossip(message)
  } catch {
    return 'reject'
  }
  let verdict: GossipVerdict = 'ignore'
  for (const tx of txs) {
    const one = gossipTxVerdict(await submit(tx))
    if (one === 'reject') return 'reject'
    if (one === 'accept') verdict = 'accept'
  }
  return verdict
}
