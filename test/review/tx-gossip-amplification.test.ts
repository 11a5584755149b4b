// Found by review: a gossip message carries up to TX_GOSSIP_TXS_MAX transactions, but the network layer charged one
// message (and its bytes) per message. Transactions that are never valid yet draw only 'ignore' (an unknown sender,
// a nonce far ahead) cost their author nothing but the rate limit, which let in far more of them than before (each
// a signature check and store reads at the receiver). Fixed: the network charges a tx message as many messages as
// it carries (txMessageCost = txGossipCount, read from its header), and a committed transaction is answered before
// its signature is checked.
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto'
import { afterAll, afterEach, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { encodeSignedTx, encodeTx, encodeTxGossip, TX_GOSSIP_TXS_MAX, txGossipCount, txSignBytes } from '../../client/wire.ts'
import { gossipTxsVerdict } from '../../node/mempool/tx-gossip.ts'
import { DEFAULT_NETWORK_LIMITS, PEER_TX_BURST_MESSAGES_MAX } from '../../node/network/limits.ts'
import { PeerGuard } from '../../node/network/peer-guard.ts'
import { identity, sleep, startHonest, startRogue, stopAll, TX_TOPIC, waitFor } from '../network/hostile-helpers.ts'
import { chainId, cleanup, openApp } from './helpers.ts'

afterEach(stopAll)
afterAll(cleanup)

/** A signed transaction of a fresh, unknown sender with a nonce far ahead: BAD_NONCE at every node ('ignore'). */
function junkTx(): Uint8Array {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const sender = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'))
  const txBytes = encodeTx({ chainId, kind: 'cash.burn', sender, nonce: 1_000_000_000, body: build.cashBurn({ currency: 'USD', amount: 1 }) })
  const signature = new Uint8Array(nodeSign(null, txSignBytes(chainId, txBytes), privateKey as KeyObject))
  return encodeSignedTx({ txBytes, signature })
}

const junkMessage = (): Uint8Array => encodeTxGossip(Array.from({ length: TX_GOSSIP_TXS_MAX }, junkTx))

it('with the default limits, one peer gets no more transactions checked at once than one burst of messages did', () => {
  const message = junkMessage()
  let nowMs = 0
  const guard = new PeerGuard({ limits: { ...DEFAULT_NETWORK_LIMITS }, log: { debug() {}, info() {}, warn() {}, error() {} }, onBan: () => undefined, nowMs: () => nowMs })
  // A rogue genesis validator's own messages, all at once, then for one more second.
  let admittedTxs = 0
  while (guard.allowGossip('rogue', 'rogue', 'tx', message.length, txGossipCount(message))) admittedTxs += TX_GOSSIP_TXS_MAX
  const burstTxs = admittedTxs
  for (nowMs = 1; nowMs <= 1_000; nowMs += 1) while (guard.allowGossip('rogue', 'rogue', 'tx', message.length, txGossipCount(message))) admittedTxs += TX_GOSSIP_TXS_MAX
  expect(burstTxs).toBeLessThanOrEqual(PEER_TX_BURST_MESSAGES_MAX)
  // Before the change a message was one transaction: burst + one second of refill.
  expect(admittedTxs).toBeLessThanOrEqual(PEER_TX_BURST_MESSAGES_MAX + DEFAULT_NETWORK_LIMITS.peerTxMessagesPerSecondMax)
})

it('a rogue validator flooding never-valid transactions is held to the per-transaction budget, over a real network', async () => {
  const app = await openApp()
  let checked = 0
  const [ih, ir] = [await identity(), await identity()]
  // Scaled-down message buckets (as the hostile tests do): 20 at once, 10 a second.
  const limits = { peerTxMessagesPerSecondMax: 10, peerTxBurstMessagesMax: 20 }
  const honest = await startHonest(ih, [ih, ir], {
    limits,
    validators: {
      validateTx: (bytes) =>
        gossipTxsVerdict(bytes, (signedTx) => {
          checked += 1
          return app.submit(signedTx)
        }),
      txMessageCost: txGossipCount,
    },
  })
  const rogue = await startRogue(ir)
  await rogue.dial((await import('@multiformats/multiaddr')).multiaddr(`${ih.address}/p2p/${ih.key.peerId}`))
  await waitFor('the rogue sees the honest subscription', () => rogue.services.pubsub.getSubscribers(TX_TOPIC).length >= 1)
  const MESSAGES = 40
  const messages = Array.from({ length: MESSAGES }, junkMessage)
  const startedMs = Date.now()
  for (const message of messages) await rogue.services.pubsub.publish(TX_TOPIC, message)
  await waitFor('every message judged or dropped', () => honest.verdicts.length + (honest.net.peerOffences(ir.key.peerId)['gossip-rate-limited'] ?? 0) >= MESSAGES, 120_000)
  await sleep(200)
  const elapsedS = (Date.now() - startedMs) / 1000
  // Everything it sent was 'ignore': no offence for the transactions themselves, no ban.
  expect(honest.verdicts.every((entry) => entry.verdict === 'ignore')).toBe(true)
  // Before the change a message was one transaction: at most the burst plus the refill were checked.
  expect(checked).toBeLessThanOrEqual(limits.peerTxBurstMessagesMax + Math.ceil(limits.peerTxMessagesPerSecondMax * elapsedS) + 1)
}, 180_000)

it('committed transactions replayed in a gossip message are no free junk: each costs the receiver a signature check again', async () => {
  const { commitBlock, registerProjectTx } = await import('./helpers.ts')
  const app = await openApp()
  const txs = Array.from({ length: TX_GOSSIP_TXS_MAX }, (_, nonce) => registerProjectTx(nonce, `R-${nonce}`))
  for (const tx of txs) expect((await app.submit(tx.bytes)).ok).toBe(true)
  await commitBlock(app, Date.now())
  expect(app.mempool.size).toBe(0)
  // Anyone can copy them out of a block: no signing needed. Count the signature checks their replay costs.
  let verifications = 0
  const verify = (app.verifier as unknown as { verifySignature: (...args: unknown[]) => boolean }).verifySignature
  ;(app.verifier as unknown as { verifySignature: (...args: unknown[]) => boolean }).verifySignature = (...args) => {
    verifications += 1
    return verify(...args)
  }
  const message = encodeTxGossip(txs.map((tx) => tx.bytes))
  expect(await gossipTxsVerdict(message, (signedTx) => app.submit(signedTx))).toBe('ignore')
  // A committed id is known from txBytes alone: it needs no signature check to be ignored.
  expect(verifications).toBe(0)
})
