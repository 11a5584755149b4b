// Transaction gossip (node/mempool/tx-gossip.ts): a node gathers accepted transactions into gossip messages within
// the wire bounds, and judges a received message by checking each of its transactions as a submitted one.
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as build from '../../client/builders.ts'
import { signTx } from '../../client/keys.ts'
import { TX_GOSSIP_BYTES_MAX, TX_GOSSIP_TXS_MAX, decodeTxGossip, encode, encodeTxGossip } from '../../client/wire.ts'
import { TX_GOSSIP_LINGER_MS, TxGossipBatcher, gossipTxsVerdict } from '../../node/mempool/tx-gossip.ts'
import { chainId, cleanup, openApp, registry } from '../review/helpers.ts'

const register = (nonce: number) => signTx(registry, chainId, 'project.register', nonce, build.projectRegister({ registry: 'VCS', projectId: `G-${nonce}`, name: 'gossip' }))

describe('the transaction gossip batcher', () => {
  it('sends what arrives within the linger time as one message, in arrival order', async () => {
    vi.useFakeTimers()
    try {
      const sent: Uint8Array[][] = []
      const batcher = new TxGossipBatcher((message) => void sent.push(decodeTxGossip(message)))
      const txs = [1, 2, 3].map((n) => new Uint8Array([n]))
      for (const tx of txs) batcher.add(tx)
      expect(sent).toEqual([])
      vi.advanceTimersByTime(TX_GOSSIP_LINGER_MS)
      expect(sent).toEqual([txs])
      batcher.add(new Uint8Array([4]))
      vi.advanceTimersByTime(TX_GOSSIP_LINGER_MS)
      expect(sent).toEqual([txs, [new Uint8Array([4])]])
    } finally {
      vi.useRealTimers()
    }
  })

  it('never builds a message over TX_GOSSIP_TXS_MAX transactions or TX_GOSSIP_BYTES_MAX bytes, and loses none', async () => {
    const messages: Uint8Array[] = []
    const batcher = new TxGossipBatcher((message) => void messages.push(message), 60_000)
    // Many small ones, then large ones (the largest signed transaction is about 64 KiB).
    const txs = [...Array.from({ length: 3 * TX_GOSSIP_TXS_MAX + 7 }, (_, i) => new Uint8Array(20).fill(i % 256)), ...Array.from({ length: 30 }, (_, i) => new Uint8Array(64 * 1024 + 100).fill(i))]
    for (const tx of txs) batcher.add(tx)
    await batcher.stop()
    batcher.add(new Uint8Array([9])) // after stop: taken no more
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(TX_GOSSIP_BYTES_MAX)
      expect(decodeTxGossip(message).length).toBeLessThanOrEqual(TX_GOSSIP_TXS_MAX)
    }
    const received = messages.flatMap((message) => decodeTxGossip(message))
    expect(received.length).toBe(txs.length)
    expect(received.every((tx, i) => Buffer.from(tx).equals(txs[i] as Uint8Array))).toBe(true)
    expect(messages.length).toBeGreaterThan(3)
  })
})

describe('the transaction gossip batcher on stop', () => {
  it('sends what it gathered and resolves only when that publication has settled', async () => {
    let release: () => void = () => undefined
    const published: Uint8Array[] = []
    const batcher = new TxGossipBatcher((message) => {
      published.push(message)
      return new Promise<void>((resolve) => (release = resolve))
    }, 60_000)
    batcher.add(new Uint8Array([1]))
    let stopped = false
    const stopping = batcher.stop().then(() => (stopped = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(published).toHaveLength(1)
    expect(stopped).toBe(false)
    release()
    await stopping
    expect(stopped).toBe(true)
  })
})

describe('the verdict on a received transaction gossip message', () => {
  afterAll(cleanup)

  it('accepts a message with a new transaction, ignores one of known transactions, rejects malformed ones and bad signatures', async () => {
    const app = await openApp()
    const submit = (tx: Uint8Array) => app.submit(tx)
    const [first, second] = [register(0), register(1)]
    expect(await gossipTxsVerdict(encodeTxGossip([first.bytes]), submit)).toBe('accept')
    expect(app.mempool.has(first.id)).toBe(true)
    expect(await gossipTxsVerdict(encodeTxGossip([first.bytes]), submit)).toBe('ignore')
    // One known and one new: accepted (relayed), the new one is in the mempool.
    expect(await gossipTxsVerdict(encodeTxGossip([first.bytes, second.bytes]), submit)).toBe('accept')
    expect(app.mempool.has(second.id)).toBe(true)
    // A transaction whose signature does not verify, even next to a good one: no honest node relays that.
    const forged = register(2).bytes.slice()
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1
    const third = register(3)
    expect(await gossipTxsVerdict(encodeTxGossip([third.bytes, forged]), submit)).toBe('reject')
    // Not a gossip message at all, an empty one, one with something else than bytes in it.
    expect(await gossipTxsVerdict(new Uint8Array([0xc1]), submit)).toBe('reject')
    expect(await gossipTxsVerdict(encode([]), submit)).toBe('reject')
    expect(await gossipTxsVerdict(encode(['x']), submit)).toBe('reject')
    // A bare signed transaction (the format before messages carried several) is no gossip message of transactions.
    expect(await gossipTxsVerdict(register(4).bytes, submit)).toBe('reject')
    expect(app.mempool.size).toBe(3)
  })
})
