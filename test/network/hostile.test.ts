// Hostile peers against the p2p layer: a rogue libp2p node in this process that holds a genesis validator's
// node key (so it passes the connection gater) or an unknown key, sending oversize, malformed and forged
// messages on both gossip topics, garbage on the block sync and direct consensus protocols, raw invalid
// gossipsub RPCs, and floods. Each test checks that the bad input is rejected or dropped before the
// application handlers, that the offending peer (the one that handed the message over) is charged and, past
// the threshold, banned and refused, and that the honest nodes stay connected and keep exchanging messages.
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, sign, signTx } from '../../client/keys.ts'
import { bytesToHex, concatBytes, decode, encode, encodeConsensusMessage, encodeSignedTx, encodeTxGossip, decodeSignedTx, voteSignBytes } from '../../client/wire.ts'
import { CONSENSUS_MESSAGE_BYTES_MAX, GOSSIP_SCORE_BAN_THRESHOLD, PEER_OFFENCES_MAX, TX_MESSAGE_BYTES_MAX } from '../../node/network/index.ts'
import { cleanup as cleanupReview, registerProjectTx, voteMessage } from '../review/helpers.ts'
import {
  CHAIN,
  CONSENSUS_TOPIC,
  DIRECT_PROTOCOL,
  MESHSUB_PROTOCOL,
  SYNC_PROTOCOL,
  TX_TOPIC,
  addressOf,
  frame,
  identity,
  invalidSignatureRpc,
  rawSend,
  rawSyncExchange,
  realValidators,
  sleep,
  startHonest,
  startRawRogue,
  startRogue,
  stopAll,
  varint,
  waitFor,
  warmUp,
  type HonestNode,
  type Identity,
  type RealValidators,
  type RogueNode,
} from './hostile-helpers.ts'

const text = new TextEncoder()
const untext = new TextDecoder()
const hex = (bytes: Uint8Array): string => bytesToHex(bytes)

// No process crash and no unhandled rejection, whatever the rogue sends.
const processFailures: unknown[] = []
const onFailure = (error: unknown): void => void processFailures.push(error)
beforeAll(() => {
  process.on('unhandledRejection', onFailure)
  process.on('uncaughtException', onFailure)
})
afterAll(() => {
  process.off('unhandledRejection', onFailure)
  process.off('uncaughtException', onFailure)
})
const drivers: RealValidators[] = []
afterEach(async () => {
  await stopAll()
  for (const validators of drivers.splice(0)) validators.driver.stop()
  await cleanupReview()
  expect(processFailures).toEqual([])
})

async function validators(): Promise<RealValidators> {
  const real = await realValidators()
  drivers.push(real)
  return real
}

/** A valid prevote of genesis validator `index` (the review harness's keys), distinct per round. */
let voteRound = 0
const validVote = (index: number): Uint8Array => voteMessage('prevote', 1, voteRound++, null, index)

const outsider = generateKeyPair()
/** A well-formed vote claiming to be validator `validatorIndex`'s, signed by a key outside the validator set. */
function forgedVote(validatorIndex: number, round: number): Uint8Array {
  const fields = { type: 'prevote' as const, height: 1, round, blockHash: null }
  const signature = sign(voteSignBytes(CHAIN, fields), outsider.secretKey)
  return encodeConsensusMessage({ type: 'vote', vote: { ...fields, validatorIndex, signature } })
}

function connectedTo(node: HonestNode, ...others: Identity[]): boolean {
  const peers = new Set(node.net.connectedPeers())
  return others.every((other) => peers.has(other.key.peerId))
}

/** The rogue's open connections to `node`. */
function rogueConnectionsTo(rogue: { getConnections(): { remotePeer: { toString(): string } }[] }, node: HonestNode): number {
  return rogue.getConnections().filter((connection) => connection.remotePeer.toString() === node.id.key.peerId).length
}

function isBannedBy(node: HonestNode, peer: Identity): boolean {
  return node.net.bannedPeers().some((ban) => ban.peerId === peer.key.peerId)
}

function seen(node: HonestNode, payloads: Uint8Array[]): string[] {
  const wanted = new Set(payloads.map(hex))
  return [...node.txs, ...node.consensus].map(hex).filter((candidate) => wanted.has(candidate))
}

async function rogueSeesSubscribers(rogue: RogueNode, count: number): Promise<void> {
  await waitFor('the rogue to see the honest subscriptions', () =>
    rogue.services.pubsub.getSubscribers(TX_TOPIC).length >= count && rogue.services.pubsub.getSubscribers(CONSENSUS_TOPIC).length >= count,
  )
}

describe('a rogue genesis peer on gossip', () => {
  it('has its oversize, malformed and forged messages rejected before the handlers, is charged for each, then banned and refused', async () => {
    const [ia, ib, ir] = [await identity(), await identity(), await identity()]
    const genesis = [ia, ib, ir]
    const a = await startHonest(ia, genesis, { validators: await validators() })
    const b = await startHonest(ib, genesis, { validators: await validators() })
    const rogue = await startRogue(ir)
    await waitFor('everyone connected', () => connectedTo(a, ib, ir) && connectedTo(b, ia, ir))
    await warmUp(a.net, 2, () => validVote(0))
    await warmUp(b.net, 2, () => validVote(1))
    await rogueSeesSubscribers(rogue, 2)

    const valid = registerProjectTx(0, 'valid-from-a')
    const badSignature = decodeSignedTx(registerProjectTx(1, 'bad-signature').bytes)
    badSignature.signature[0] = (badSignature.signature[0] ?? 0) ^ 0xff
    const bad: { topic: string; bytes: Uint8Array; why: string }[] = [
      { topic: TX_TOPIC, bytes: new Uint8Array(TX_MESSAGE_BYTES_MAX + 1).fill(0x61), why: 'oversize tx' },
      { topic: TX_TOPIC, bytes: randomBytes(300), why: 'random bytes on the txs topic' },
      { topic: TX_TOPIC, bytes: encode({ not: 'a transaction' }), why: 'msgpack of the wrong shape' },
      { topic: TX_TOPIC, bytes: encodeTxGossip([encodeSignedTx(badSignature)]), why: 'transaction with a bad signature' },
      { topic: TX_TOPIC, bytes: encodeSignedTx(badSignature), why: 'a bare signed transaction (not a gossip message of transactions)' },
      { topic: TX_TOPIC, bytes: encodeTxGossip([signTx(outsider, 'another-chain', 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: 'p', name: 'p' })).bytes]), why: 'wrong chain' },
      { topic: CONSENSUS_TOPIC, bytes: randomBytes(300), why: 'random bytes on the consensus topic' },
      { topic: CONSENSUS_TOPIC, bytes: encode(['vote', 1, 2, 3]), why: 'msgpack of the wrong shape' },
      { topic: CONSENSUS_TOPIC, bytes: forgedVote(1, 0), why: 'vote of validator 1 signed by a non-validator key' },
      { topic: CONSENSUS_TOPIC, bytes: forgedVote(1, 1), why: 'another forged vote' },
      { topic: CONSENSUS_TOPIC, bytes: forgedVote(9, 0), why: 'vote of a validator index outside the set' },
    ]
    for (const message of bad) await rogue.services.pubsub.publish(message.topic, message.bytes)
    // A valid message from the rogue after them: it is delivered, so the rogue's stream was read through.
    const rogueValid = validVote(2)
    await rogue.services.pubsub.publish(CONSENSUS_TOPIC, rogueValid)

    for (const node of [a, b]) {
      await waitFor('every bad message charged', () => (node.net.peerOffences(ir.key.peerId)['gossip-rejected'] ?? 0) >= bad.length)
      await waitFor('the valid rogue message', () => node.consensus.some((bytes) => hex(bytes) === hex(rogueValid)))
      // Each bad message was charged to the rogue exactly once (b does not relay what it rejects to a).
      expect(node.net.peerOffences(ir.key.peerId)).toEqual({ 'gossip-rejected': bad.length })
      expect(seen(node, bad.map((message) => message.bytes))).toEqual([])
      // The validators rejected everything under the size limit (the oversize one never reached them).
      for (const message of bad.slice(1)) {
        expect(node.verdicts.find((verdict) => hex(verdict.bytes) === hex(message.bytes))?.verdict, message.why).toBe('reject')
      }
      expect(node.verdicts.some((verdict) => verdict.bytes.length > TX_MESSAGE_BYTES_MAX)).toBe(false)
      // gossipsub caches scores for up to its decay interval (1 s).
      await waitFor('the rogue gossipsub score negative', () => node.net.peerScore(ir.key.peerId) < 0, 3_000)
      // Under the threshold: still connected.
      expect(node.net.bannedPeers()).toEqual([])
      expect(connectedTo(node, ir)).toBe(true)
    }

    // Past the threshold the rogue is banned by both honest nodes and disconnected.
    // (The offence bucket refills PEER_OFFENCES_MAX per window, so it takes a few more than that.)
    for (let i = 0; i < 3 * PEER_OFFENCES_MAX && !(isBannedBy(a, ir) && isBannedBy(b, ir)); i++) {
      await rogue.services.pubsub.publish(TX_TOPIC, text.encode(`garbage-${i}`)).catch(() => undefined)
    }
    await waitFor('the rogue banned', () => isBannedBy(a, ir) && isBannedBy(b, ir))
    await waitFor('the rogue disconnected', () => rogue.getConnections().length === 0 && !connectedTo(a, ir) && !connectedTo(b, ir))
    for (const node of [a, b]) {
      expect(node.net.bannedPeers()).toEqual([{ peerId: ir.key.peerId, untilMs: expect.any(Number), reason: 'gossip-rejected' }])
      expect(node.logs.some((log) => log.level === 'warn' && log.object.peer === ir.key.peerId && /banned a misbehaving peer/.test(log.message))).toBe(true)
      // The ban keeps gossipsub's (negative) score of the peer while it is away.
      expect(node.net.peerScore(ir.key.peerId)).toBeLessThan(0)
    }
    const garbageSeen = [...a.txs, ...b.txs].filter((bytes) => untext.decode(bytes).startsWith('garbage-'))
    expect(garbageSeen).toEqual([])

    // Refused: the rogue cannot come back, and nothing it publishes reaches anyone.
    await expect(rogue.dialProtocol(addressOf(a), SYNC_PROTOCOL, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow()
    expect((await rogue.services.pubsub.publish(CONSENSUS_TOPIC, validVote(2))).recipients).toEqual([])
    await expect(b.net.requestBlocks(ir.key.peerId, { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'PEER_BANNED' })
    // Several of a's and b's redial rounds (250 ms) pass without them dialling the banned peer.
    const connectedLogs = (node: HonestNode): number => node.logs.filter((log) => log.message === 'peer connected' && log.object.peer === ir.key.peerId).length
    const before = [connectedLogs(a), connectedLogs(b)]
    await sleep(1_000)
    expect([connectedLogs(a), connectedLogs(b)]).toEqual(before)
    expect(rogue.getConnections()).toEqual([])

    // The honest nodes still talk.
    const after = validVote(0)
    expect(await a.net.publishConsensus(after)).toBe(1)
    await waitFor('a message after the ban', () => b.consensus.some((bytes) => hex(bytes) === hex(after)))
    expect(a.net.connectedPeers()).toEqual([ib.key.peerId])

    // An honest validator that misbehaves once by accident (here b, now that the rogue cannot relay its
    // message first) is charged once and not banned.
    await b.net.publishTx(text.encode('one stale message'))
    await waitFor('the slip charged', () => a.net.peerOffences(ib.key.peerId)['gossip-rejected'] === 1)
    const validMessage = encodeTxGossip([valid.bytes])
    await a.net.publishTx(validMessage)
    await waitFor('a valid tx from a at b', () => b.txs.some((bytes) => hex(bytes) === hex(validMessage)))
    expect(a.net.bannedPeers().map((ban) => ban.peerId)).toEqual([ir.key.peerId])
    expect(connectedTo(a, ib)).toBe(true)
  })

  it('rate-limits a flood from one peer, bans it, and keeps delivering honest messages during and after it', async () => {
    const ids = await Promise.all([identity(), identity(), identity(), identity()])
    const [ia, ib, ic, ir] = ids as [Identity, Identity, Identity, Identity]
    // Limits low enough for a flood of a few thousand messages to cross them (the defaults are sized for
    // honest traffic of several thousand transactions per second).
    const limits = { peerTxMessagesPerSecondMax: 200, peerTxBurstMessagesMax: 400 }
    const [a, b, c] = (await Promise.all([ia, ib, ic].map((me) => startHonest(me, ids, { limits })))) as [HonestNode, HonestNode, HonestNode]
    const honest = [a, b, c]
    const rogue = await startRogue(ir)
    await waitFor('everyone connected', () => connectedTo(a, ib, ic, ir) && connectedTo(b, ia, ic, ir) && connectedTo(c, ia, ib, ir))
    for (const node of honest) await warmUp(node.net, 3)
    await rogueSeesSubscribers(rogue, 3)

    const FLOOD_MESSAGES = 4_000
    const startedMs = Date.now()
    const bannedAtMs = new Map<HonestNode, number>()
    const watchBans = setInterval(() => {
      for (const node of honest) if (!bannedAtMs.has(node) && isBannedBy(node, ir)) bannedAtMs.set(node, Date.now())
    }, 10)
    const flood = (async () => {
      for (let i = 0; i < FLOOD_MESSAGES; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => rogue.services.pubsub.publish(TX_TOPIC, text.encode(`flood-${i + j}`)).catch(() => undefined)))
      }
    })()
    // Honest traffic during the flood: a publishes transactions, b consensus messages.
    const honestTxs: string[] = []
    const honestVotes: string[] = []
    for (let i = 0; i < 20; i++) {
      honestTxs.push(`honest-tx-${i}`)
      honestVotes.push(`honest-vote-${i}`)
      await a.net.publishTx(text.encode(`honest-tx-${i}`))
      await b.net.publishConsensus(text.encode(`honest-vote-${i}`))
      await sleep(10)
    }
    await flood
    await waitFor('the flooder banned by every honest node', () => honest.every((node) => isBannedBy(node, ir)))
    clearInterval(watchBans)
    for (const node of honest) if (!bannedAtMs.has(node)) bannedAtMs.set(node, Date.now())

    const texts = (messages: Uint8Array[]): string[] => messages.map((bytes) => untext.decode(bytes))
    await waitFor('honest txs at b and c', () => [b, c].every((node) => honestTxs.every((message) => texts(node.txs).includes(message))))
    await waitFor('honest votes at a and c', () => [a, c].every((node) => honestVotes.every((message) => texts(node.consensus).includes(message))))
    // Bounded by the buckets. A flood message reaches a node either from the rogue itself (its bucket for the
    // rogue) or relayed by an honest node that accepted it from the rogue first (that relay's bucket for the
    // author rogue, at this node). So no node delivers more distinct flood messages than the honest nodes let in
    // from the rogue directly: at each, the burst plus the refill until its ban (plus one in flight).
    const letInMax = honest.reduce((sum, node) => {
      const elapsedS = ((bannedAtMs.get(node) ?? Date.now()) - startedMs) / 1000
      return sum + Math.ceil(limits.peerTxBurstMessagesMax + limits.peerTxMessagesPerSecondMax * elapsedS) + 1
    }, 0)
    const floodAnywhere = new Set(honest.flatMap((node) => texts(node.txs).filter((message) => message.startsWith('flood-'))))
    expect(floodAnywhere.size).toBeLessThanOrEqual(letInMax)
    expect(floodAnywhere.size).toBeLessThan(FLOOD_MESSAGES)
    for (const node of honest) {
      const floodDelivered = texts(node.txs).filter((message) => message.startsWith('flood-'))
      expect(new Set(floodDelivered).size).toBe(floodDelivered.length)
      expect(node.net.peerOffences(ir.key.peerId)['gossip-rate-limited']).toBeGreaterThan(PEER_OFFENCES_MAX)
      expect(node.net.bannedPeers().map((ban) => [ban.peerId, ban.reason])).toEqual([[ir.key.peerId, 'gossip-rate-limited']])
      expect(node.logs.some((log) => log.level === 'error')).toBe(false)
    }
    // Honest messages were delivered once each, and the honest nodes are still fully connected.
    for (const message of honestTxs) expect(texts(b.txs).filter((candidate) => candidate === message)).toHaveLength(1)
    expect(connectedTo(a, ib, ic) && connectedTo(b, ia, ic) && connectedTo(c, ia, ib)).toBe(true)
    expect(rogue.getConnections()).toEqual([])

    // And after the flood.
    expect(await c.net.publishTx(text.encode('after-flood'))).toBe(2)
    await waitFor('after-flood', () => texts(a.txs).includes('after-flood') && texts(b.txs).includes('after-flood'))
  })

  it('charges the peer that relayed a message (the propagation source), and penalises only its own excess', async () => {
    // A line a - b - c: everything c receives from a is relayed by b. c's tx buckets hold 50 messages.
    const [ia, ib, ic] = [await identity(), await identity(), await identity()]
    const all = [ia, ib, ic]
    const b = await startHonest(ib, all, { peers: [ia, ic] })
    const a = await startHonest(ia, all, { peers: [ib] })
    const c = await startHonest(ic, all, { peers: [ib], limits: { peerTxMessagesPerSecondMax: 1, peerTxBurstMessagesMax: 50 } })
    await waitFor('the line', () => connectedTo(b, ia, ic) && connectedTo(a, ib) && connectedTo(c, ib))
    expect(connectedTo(a, ic)).toBe(false)
    await warmUp(b.net, 2)
    let i = 0
    await waitFor('relaying through b', async () => {
      await a.net.publishConsensus(text.encode(`warmup-a${i++}`))
      return c.consensus.some((bytes) => untext.decode(bytes).startsWith('warmup-a'))
    })

    const SENT = 60
    for (let n = 0; n < SENT; n++) {
      await a.net.publishTx(text.encode(`from-a-${n}`))
      await b.net.publishTx(text.encode(`from-b-${n}`))
    }
    const delivered = (prefix: string): number => c.txs.filter((bytes) => untext.decode(bytes).startsWith(prefix)).length
    const charged = (): Partial<Record<string, number>> => c.net.peerOffences(ib.key.peerId)
    await waitFor('every tx delivered or charged to b', () => {
      const counts = charged()
      return delivered('from-a-') + (counts['gossip-relay-rate-limited'] ?? 0) === SENT && delivered('from-b-') + (counts['gossip-rate-limited'] ?? 0) === SENT
    })
    // b's excess of its own messages is an offence; the excess it relayed for a is dropped, not penalised;
    // a, which c never talked to, is charged nothing.
    expect(charged()['gossip-rate-limited']).toBeGreaterThan(0)
    expect(charged()['gossip-relay-rate-limited']).toBeGreaterThan(0)
    expect(Object.keys(charged()).sort()).toEqual(['gossip-rate-limited', 'gossip-relay-rate-limited'])
    expect(c.net.peerOffences(ia.key.peerId)).toEqual({})
    // Each (relay, author) pair has its own bucket: both authors got about a burst through.
    expect(delivered('from-a-')).toBeGreaterThanOrEqual(50)
    expect(delivered('from-b-')).toBeGreaterThanOrEqual(50)
    // Under PEER_OFFENCES_MAX offences: the relay is not banned and still connected.
    expect(c.net.bannedPeers()).toEqual([])
    expect(connectedTo(c, ib)).toBe(true)
  })

  it('bans a peer that sends gossipsub RPCs with forged or missing signatures, and survives undecodable and oversize RPC frames', async () => {
    const [ia, ib, ir] = [await identity(), await identity(), await identity()]
    const genesis = [ia, ib, ir]
    const a = await startHonest(ia, genesis)
    const b = await startHonest(ib, genesis)
    const rogue = await startRawRogue(ir)
    await waitFor('a-b connected and the rogue connected to a', () => connectedTo(a, ib, ir) && connectedTo(b, ia))
    await warmUp(a.net, 1)

    // Undecodable frames: dropped by gossipsub, nothing delivered, no offence (our validator never ran).
    const stream = await rogue.dialProtocol(addressOf(a), MESHSUB_PROTOCOL, { signal: AbortSignal.timeout(3_000) })
    for (let i = 0; i < 20; i++) stream.send(frame(randomBytes(100)))
    // Messages with garbage signatures and unsigned ones, claiming to come from the rogue and from b.
    stream.send(invalidSignatureRpc(ir.key.peerId, TX_TOPIC, 100, false))
    stream.send(invalidSignatureRpc(ib.key.peerId, CONSENSUS_TOPIC, 100, false))
    stream.send(invalidSignatureRpc(ir.key.peerId, TX_TOPIC, 100, true))
    await waitFor('the rogue banned on its gossipsub score', () => isBannedBy(a, ir), 10_000)
    expect(a.net.bannedPeers()).toEqual([{ peerId: ir.key.peerId, untilMs: expect.any(Number), reason: 'gossip-score' }])
    expect(a.net.peerScore(ir.key.peerId)).toBeLessThan(GOSSIP_SCORE_BAN_THRESHOLD)
    const forged = [...a.txs, ...a.consensus].map((bytes) => untext.decode(bytes)).filter((message) => /^(forged|unsigned)-/.test(message))
    expect(forged).toEqual([])
    expect(a.verdicts.filter((verdict) => /^(forged|unsigned)-/.test(untext.decode(verdict.bytes)))).toEqual([])
    await waitFor('the rogue disconnected from a', () => rogueConnectionsTo(rogue, a) === 0)

    // A second rogue session is impossible while banned; b, never attacked, still has nothing against it.
    await expect(rogue.dialProtocol(addressOf(a), MESHSUB_PROTOCOL, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow()
    expect(b.net.bannedPeers()).toEqual([])

    // An oversize RPC frame (a length prefix over gossipsub's 4 MiB cap) to b: b drops that stream only.
    const big = await rogue.dialProtocol(addressOf(b), MESHSUB_PROTOCOL, { signal: AbortSignal.timeout(3_000) })
    big.send(concatBytes(varint(5 * 1024 * 1024), randomBytes(1024)))
    await big.close().catch(() => undefined)
    expect(await a.net.publishConsensus(text.encode('still-flowing'))).toBe(1)
    await waitFor('a message after the rogue frames', () => b.consensus.some((bytes) => untext.decode(bytes) === 'still-flowing'))
    expect(connectedTo(a, ib) && connectedTo(b, ia)).toBe(true)
  })
})

describe('a rogue genesis peer on the block sync and direct consensus protocols', () => {
  it('answers garbage and oversize requests with errors, rate-limits request floods, charges and bans the sender, and keeps serving honest peers', async () => {
    const [ia, ib, ir] = [await identity(), await identity(), await identity()]
    const genesis = [ia, ib, ir]
    const consensusRejects: Uint8Array[] = []
    const limits = { peerSyncRequestsPerSecondMax: 1, peerSyncBurstRequestsMax: 5, peerDirectMessagesPerSecondMax: 1, peerDirectBurstMessagesMax: 5 }
    const a = await startHonest(ia, genesis, {
      limits,
      validators: {
        validateConsensus: (bytes) => {
          if (untext.decode(bytes).startsWith('ok-')) return 'accept'
          consensusRejects.push(bytes)
          return 'reject'
        },
      },
    })
    const b = await startHonest(ib, genesis)
    const rogue = await startRawRogue(ir)
    await waitFor('connected', () => connectedTo(a, ib, ir))

    // Garbage, wrong-shape and oversize requests: error frames, each an offence.
    const errorOf = (response: Uint8Array): unknown => (response[0] === 1 ? decode(response.subarray(1)) : ['OK'])
    expect(errorOf(await rawSyncExchange(rogue, a, new Uint8Array([0xc1, 0xff, 0x00])))).toEqual(['MALFORMED_REQUEST', expect.any(String)])
    expect(errorOf(await rawSyncExchange(rogue, a, encode({ fromHeight: 'one' })))).toEqual(['MALFORMED_REQUEST', expect.any(String)])
    expect(errorOf(await rawSyncExchange(rogue, a, new Uint8Array(10_000)))).toEqual(['MALFORMED_REQUEST', expect.stringMatching(/at most/)])
    expect(a.net.peerOffences(ir.key.peerId)).toEqual({ 'sync-malformed': 3 })
    // A flood of requests: past the 5-request burst, BUSY, each an offence.
    const answers: unknown[] = []
    for (let i = 0; i < 20; i++) answers.push(errorOf(await rawSyncExchange(rogue, a, encode([1, 1]))))
    expect(answers.slice(0, 2)).toEqual([['OK'], ['OK']])
    const busy = answers.filter((answer) => Array.isArray(answer) && answer[0] === 'BUSY').length
    expect(busy).toBeGreaterThanOrEqual(10)
    expect(a.net.peerOffences(ir.key.peerId)['sync-rate-limited']).toBe(busy)
    // b's requests are b's: a still serves it.
    expect((await b.net.requestBlocks(ia.key.peerId, { fromHeight: 5, count: 2 })).blocks).toHaveLength(2)

    // Direct consensus protocol: a message the validator rejects, and a frame over consensusMessageBytesMax.
    await rawSend(rogue, a, DIRECT_PROTOCOL, frame(text.encode('forged-proposal')))
    await waitFor('the direct message rejected', () => a.net.peerOffences(ir.key.peerId)['direct-rejected'] === 1)
    await rawSend(rogue, a, DIRECT_PROTOCOL, concatBytes(varint(CONSENSUS_MESSAGE_BYTES_MAX + 1), randomBytes(1024))).catch(() => undefined)
    await waitFor('the oversize direct frame charged', () => a.net.peerOffences(ir.key.peerId)['direct-malformed'] === 1)
    expect(a.consensus).toEqual([])
    expect(untext.decode(consensusRejects[0]!)).toBe('forged-proposal')

    // Keep going until banned; then every protocol refuses the rogue.
    // (The offence bucket refills PEER_OFFENCES_MAX per window, so it takes somewhat more than that.)
    for (let i = 0; i < 3 * PEER_OFFENCES_MAX && !isBannedBy(a, ir); i++) await rawSyncExchange(rogue, a, new Uint8Array([0xc1])).catch(() => undefined)
    await waitFor('the rogue banned', () => isBannedBy(a, ir))
    await waitFor('the rogue disconnected from a', () => rogueConnectionsTo(rogue, a) === 0)
    await expect(rawSyncExchange(rogue, a, encode([1, 1]))).rejects.toThrow()
    await expect(rawSend(rogue, a, DIRECT_PROTOCOL, frame(text.encode('ok-after-ban')))).rejects.toThrow()
    expect(a.consensus).toEqual([])
    expect((await b.net.requestBlocks(ia.key.peerId, { fromHeight: 1, count: 3 })).blocks).toHaveLength(3)
    expect(a.net.bannedPeers().map((ban) => ban.peerId)).toEqual([ir.key.peerId])
    expect(connectedTo(a, ib)).toBe(true)
  })
})

describe('a peer outside the genesis', () => {
  it('is refused in both directions and never gets a message, request or stream through', async () => {
    const [ia, ib, outsiderId] = [await identity(), await identity(), await identity()]
    const genesis = [ia, ib]
    const a = await startHonest(ia, genesis, { validators: await validators() })
    const b = await startHonest(ib, genesis, { validators: await validators() })
    // The outsider knows the honest nodes' addresses and runs gossipsub on the same topics.
    const rogue = await startRogue(outsiderId)
    await waitFor('a-b connected', () => connectedTo(a, ib) && connectedTo(b, ia))
    await warmUp(a.net, 1, () => validVote(0))

    for (const node of [a, b]) {
      await rogue.dial(addressOf(node), { signal: AbortSignal.timeout(3_000) }).catch(() => undefined)
      await expect(rogue.dialProtocol(addressOf(node), SYNC_PROTOCOL, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow()
      await expect(rogue.dialProtocol(addressOf(node), DIRECT_PROTOCOL, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow()
    }
    // Validly signed by its own key and well-formed: still nobody receives them.
    const attempts = [validVote(1), registerProjectTx(0, 'from-outsider').bytes]
    expect((await rogue.services.pubsub.publish(CONSENSUS_TOPIC, attempts[0]!)).recipients).toEqual([])
    expect((await rogue.services.pubsub.publish(TX_TOPIC, attempts[1]!)).recipients).toEqual([])
    const after = validVote(0)
    await a.net.publishConsensus(after)
    await waitFor('honest traffic', () => b.consensus.some((bytes) => hex(bytes) === hex(after)))
    for (const node of [a, b]) {
      expect(node.net.connectedPeers()).toEqual([node === a ? ib.key.peerId : ia.key.peerId])
      expect(seen(node, attempts)).toEqual([])
      expect(node.verdicts.some((verdict) => attempts.some((attempt) => hex(attempt) === hex(verdict.bytes)))).toBe(false)
      expect(node.logs.some((log) => log.level === 'debug' && /outside the validator set/.test(log.message))).toBe(true)
      // Refused by the gater, not banned: nothing to remember about it.
      expect(node.net.bannedPeers()).toEqual([])
    }
    await expect(a.net.requestBlocks(outsiderId.key.peerId, { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'PEER_NOT_ALLOWED' })
    expect(rogue.getConnections()).toEqual([])
  })
})
