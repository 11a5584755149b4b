// Helpers for the hostile-peer tests: honest networks (createNetwork) whose validators are either a real
// Application + ConsensusDriver (the review harness) or recording stubs, and rogue raw libp2p nodes holding
// a genesis node key (so they pass the gater) or an unknown one.
import { createServer } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import { identify, type Identify } from '@libp2p/identify'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { hexToBytes, txGossipCount, type SyncRequest, type SyncResponse } from '../../client/wire.ts'
import { gossipTxsVerdict } from '../../node/mempool/tx-gossip.ts'
import type { ConsensusDriver } from '../../consensus/driver.ts'
import {
  createNetwork,
  generateNetworkKey,
  type Network,
  type NetworkHandlers,
  type NetworkKey,
  type NetworkLimits,
  type NetworkLogger,
  type ValidationResult,
} from '../../node/network/index.ts'
import { ManualClock, chainId, consensusApp, makeDriver, openApp } from '../review/helpers.ts'

export const CHAIN = chainId
export const TX_TOPIC = `${CHAIN}/txs/2`
export const CONSENSUS_TOPIC = `${CHAIN}/consensus/1`
export const SYNC_PROTOCOL = `/${CHAIN}/tonne/blocks/1`
export const DIRECT_PROTOCOL = `/${CHAIN}/tonne/consensus-direct/1`
/** gossipsub's protocol; a raw stream on it is read as length-prefixed RPC frames. */
export const MESHSUB_PROTOCOL = '/meshsub/1.1.0'
export const FAST: Partial<NetworkLimits> = { redialIntervalMs: 250, syncRequestTimeoutMs: 3_000 }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

export interface Identity {
  key: NetworkKey
  address: string
}

export async function identity(): Promise<Identity> {
  return { key: await generateNetworkKey(), address: `/ip4/127.0.0.1/tcp/${await freePort()}` }
}

export interface LogEntry {
  level: string
  object: Record<string, unknown>
  message: string
}

export interface HonestNode {
  id: Identity
  net: Network
  /** Bytes handed to onTx / onConsensus (only accepted messages reach them). */
  txs: Uint8Array[]
  consensus: Uint8Array[]
  /** Every message the validators were asked about, with their verdict. */
  verdicts: { topic: 'tx' | 'consensus'; bytes: Uint8Array; verdict: ValidationResult }[]
  logs: LogEntry[]
}

/** A real Application (mempool check) and an observing ConsensusDriver, as node.ts wires them. */
export interface RealValidators {
  validateTx: NetworkHandlers['validateTx']
  txMessageCost: NonNullable<NetworkHandlers['txMessageCost']>
  validateConsensus: NetworkHandlers['validateConsensus']
  driver: ConsensusDriver
}

export async function realValidators(): Promise<RealValidators> {
  const app = await openApp()
  const driver = makeDriver(consensusApp(app), null, new ManualClock())
  await driver.start()
  return {
    driver,
    // The same wiring as node/node.ts.
    validateTx: (bytes) => gossipTxsVerdict(bytes, (signedTx) => app.submit(signedTx)),
    txMessageCost: txGossipCount,
    validateConsensus: (bytes) => driver.receive(bytes),
  }
}

export function fakeBlocks(request: SyncRequest, latestHeight: number): SyncResponse {
  const blocks = []
  for (let height = request.fromHeight; height < request.fromHeight + request.count && height <= latestHeight; height++) {
    blocks.push({ block: new Uint8Array(16).fill(height % 256), certificate: new Uint8Array([height % 256]) })
  }
  return { latestHeight, blocks }
}

const running: Network[] = []
const rogues: Libp2p[] = []

export async function stopAll(): Promise<void> {
  await Promise.all(rogues.splice(0).map(async (node) => node.stop()))
  await Promise.all(running.splice(0).map((net) => net.stop()))
}

/**
 * Starts an honest node. `genesis` lists every validator's identity (this node's too): they are all
 * allowed and all dialled, as node.ts does. Validators default to accepting everything.
 */
export async function startHonest(
  me: Identity,
  genesis: Identity[],
  options: { validators?: Partial<Pick<NetworkHandlers, 'validateTx' | 'validateConsensus' | 'txMessageCost'>>; limits?: Partial<NetworkLimits>; peers?: Identity[] } = {},
): Promise<HonestNode> {
  const node: HonestNode = { id: me, net: undefined as unknown as Network, txs: [], consensus: [], verdicts: [], logs: [] }
  const record = (level: string) => (object: Record<string, unknown>, message: string) => void node.logs.push({ level, object, message })
  const logger: NetworkLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
  const validateTx = options.validators?.validateTx ?? (() => 'accept' as const)
  const validateConsensus = options.validators?.validateConsensus ?? (() => 'accept' as const)
  const handlers: NetworkHandlers = {
    validateTx: async (bytes, from) => {
      const verdict = await validateTx(bytes, from)
      node.verdicts.push({ topic: 'tx', bytes, verdict })
      return verdict
    },
    validateConsensus: async (bytes, from) => {
      const verdict = await validateConsensus(bytes, from)
      node.verdicts.push({ topic: 'consensus', bytes, verdict })
      return verdict
    },
    ...(options.validators?.txMessageCost === undefined ? {} : { txMessageCost: options.validators.txMessageCost }),
    onTx: (bytes) => void node.txs.push(bytes),
    onConsensus: (bytes) => void node.consensus.push(bytes),
    serveBlocks: async (request) => fakeBlocks(request, 100),
  }
  const peers = options.peers ?? genesis
  node.net = await createNetwork(
    {
      privateKeyHex: me.key.privateKeyHex,
      listenAddress: me.address,
      peers: peers.map((peer) => ({ peerId: peer.key.peerId, address: peer.address })),
      allowedPeerIds: genesis.map((peer) => peer.key.peerId),
      topicPrefix: CHAIN,
      limits: { ...FAST, ...options.limits },
      logger,
    },
    handlers,
  )
  running.push(node.net)
  return node
}

export type RogueNode = Libp2p<{ identify: Identify; pubsub: GossipSub }>

/**
 * A rogue libp2p node with the given key, listening on its address, running gossipsub on both topics
 * (so it can publish validly signed messages of any content and size up to gossipsub's 4 MiB frame).
 * It runs no topic validator: it relays nothing useful and is not relied upon.
 */
export async function startRogue(me: Identity): Promise<RogueNode> {
  const node: RogueNode = await createLibp2p({
    privateKey: privateKeyFromProtobuf(hexToBytes(me.key.privateKeyHex)),
    addresses: { listen: [me.address] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, fallbackToFloodsub: false, floodPublish: true, allowedTopics: [TX_TOPIC, CONSENSUS_TOPIC] }),
    },
  })
  rogues.push(node)
  node.services.pubsub.subscribe(TX_TOPIC)
  node.services.pubsub.subscribe(CONSENSUS_TOPIC)
  return node
}

/** A rogue libp2p node without gossipsub: it speaks only raw protocol streams. */
export async function startRawRogue(me: Identity): Promise<Libp2p> {
  const node = await createLibp2p({
    privateKey: privateKeyFromProtobuf(hexToBytes(me.key.privateKeyHex)),
    addresses: { listen: [me.address] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  rogues.push(node)
  return node
}

export function addressOf(node: HonestNode): ReturnType<typeof multiaddr> {
  const address = node.net.addresses()[0]
  if (address === undefined) throw new Error('node has no address')
  return multiaddr(address)
}

/** One raw exchange on the sync protocol: a length-prefixed frame, then the raw response frame. */
export async function rawSyncExchange(rogue: Libp2p, server: HonestNode, frame: Uint8Array): Promise<Uint8Array> {
  const stream = await rogue.dialProtocol(addressOf(server), SYNC_PROTOCOL, { signal: AbortSignal.timeout(3_000) })
  const lp = lpStream(stream)
  await lp.write(frame)
  await stream.close()
  return (await lp.read({ signal: AbortSignal.timeout(3_000) })).subarray()
}

/** Sends raw bytes (no framing added) on a new stream of `protocol`, then closes it. */
export async function rawSend(rogue: Libp2p, server: HonestNode, protocol: string, bytes: Uint8Array): Promise<void> {
  const stream = await rogue.dialProtocol(addressOf(server), protocol, { signal: AbortSignal.timeout(3_000) })
  if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(3_000) })
  await stream.close({ signal: AbortSignal.timeout(3_000) }).catch(() => stream.abort(new Error('close failed')))
}

/** An unsigned-varint length prefix. */
export function varint(value: number): Uint8Array {
  const bytes: number[] = []
  let rest = value
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return new Uint8Array(bytes)
}

export function frame(payload: Uint8Array): Uint8Array {
  const prefix = varint(payload.length)
  const out = new Uint8Array(prefix.length + payload.length)
  out.set(prefix)
  out.set(payload, prefix.length)
  return out
}

/**
 * A gossipsub RPC frame carrying messages gossipsub itself must drop (StrictSign): `count` messages on
 * `topic` claiming to be from `fromPeerId`, with a garbage signature, or no signature at all.
 */
export function invalidSignatureRpc(fromPeerId: string, topic: string, count: number, unsigned: boolean): Uint8Array {
  const from = peerIdFromString(fromPeerId).toMultihash().bytes
  const messages: RPC.Message[] = []
  for (let i = 0; i < count; i++) {
    const seqno = new Uint8Array(8)
    new DataView(seqno.buffer).setBigUint64(0, BigInt(Date.now()) * 1000n + BigInt(i))
    messages.push(
      unsigned
        ? { topic, data: new TextEncoder().encode(`unsigned-${i}`) }
        : { topic, from, seqno, data: new TextEncoder().encode(`forged-${i}`), signature: new Uint8Array(64).fill(7) },
    )
  }
  return frame(RPC.encode({ subscriptions: [], messages }))
}

/**
 * Publishes consensus messages made by `message(i)` until `expected` peers receive one (gossipsub then
 * knows their subscriptions). With real validators the messages must be valid, or the warm-up itself
 * would be an offence.
 */
export async function warmUp(net: Network, expected: number, message: (i: number) => Uint8Array = (i) => new TextEncoder().encode(`warmup-${i}`)): Promise<void> {
  let i = 0
  await waitFor(`${expected} subscribed peers`, async () => (await net.publishConsensus(message(i++))) >= expected)
}
