// The p2p layer: libp2p 3 with TCP + Noise + Yamux + identify + gossipsub, a connection gater that admits
// only genesis validators, a redial loop that keeps a connection to every genesis peer, two gossip topics
// and the block sync protocol (sync.ts).
//
// Gossip: the genesis peers are gossipsub *direct peers* (explicit peering, gossipsub v1.1): every message
// is sent to and forwarded to each of them without waiting for the mesh to form on a heartbeat, and they
// are never scored out. Messages are signed by their author's network key (StrictSign) and rejected when
// the author is not a genesis validator, before the application validator sees them. Consensus messages
// over GOSSIP_MESSAGE_BYTES_MAX (gossipsub cannot send them) go over the direct protocol (direct.ts).
//
// Hostile peers (peer-guard.ts): every gossip message, direct message and sync request is charged to the
// peer that handed it to us and rate-limited per peer (gossip: per peer and author); rejected messages and a
// peer's own over-limit messages are offences, and a peer with too many is disconnected and refused for
// peerBanDurationMs. gossipsub's own peer score counts
// invalid messages on both topics (including those it drops before our validator: bad signatures); a peer
// whose score falls under GOSSIP_SCORE_BAN_THRESHOLD is banned the same way.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { SyncRequest, SyncResponse } from '../../client/wire.ts'
import { privateKeyFromHex } from './keys.ts'
import { gossipFastMessageId } from './message-id.ts'
import { createDirectConsensusHandler, directConsensusProtocolId, sendDirect } from './direct.ts'
import {
  DIRECT_CONSENSUS_INBOUND_STREAMS_PER_CONNECTION_MAX,
  GOSSIP_MESSAGE_BYTES_MAX,
  GOSSIP_OUTBOUND_BUFFER_RPCS_MAX,
  GOSSIP_RPC_BYTES_MAX,
  INBOUND_CONNECTIONS_PER_HOST_PER_SECOND_MAX,
  SYNC_INBOUND_STREAMS_PER_CONNECTION_MAX,
  resolveLimits,
} from './limits.ts'
import { partitionSwitchFromEnv } from './partition.ts'
import { PeerGuard, type GossipKind } from './peer-guard.ts'
import { createSyncServer, requestBlocks as requestBlocksOverStream, syncProtocolId } from './sync.ts'
import {
  NetworkError,
  type Network,
  type NetworkHandlers,
  type NetworkLogger,
  type NetworkOptions,
  type ValidationResult,
} from './types.ts'

type Services = { identify: Identify; pubsub: GossipSub }

const silentLogger: NetworkLogger = { debug() {}, info() {}, warn() {}, error() {} }

/** gossipsub's heartbeat, which also drives its direct-peer reconnects. */
const GOSSIPSUB_HEARTBEAT_MS = 1_000
/** A connection that closes sooner than this after opening counts as flapping (logged once, then at debug). */
const FLAPPING_CONNECTION_MS = 2_000
/**
 * gossipsub peer score under which a peer is banned. The score only counts invalid messages (P4: minus the
 * square of the decayed count, halved every second), so this is about a hundred invalid messages at once.
 */
export const GOSSIP_SCORE_BAN_THRESHOLD = -10_000
/** How often the gossipsub scores of connected peers are compared with GOSSIP_SCORE_BAN_THRESHOLD, in milliseconds. */
const GOSSIP_SCORE_CHECK_INTERVAL_MS = 1_000
/** gossipsub topic score: only P4 (invalid messages) counts; every other component is off. */
const INVALID_MESSAGES_ONLY_TOPIC_SCORE = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 1,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 1,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 0,
  meshMessageDeliveriesActivation: 1_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -1,
  invalidMessageDeliveriesDecay: 0.5,
}

interface GenesisPeer {
  id: PeerId
  address: Multiaddr
}

export async function createNetwork(options: NetworkOptions, handlers: NetworkHandlers): Promise<Network> {
  const log = options.logger ?? silentLogger
  const limits = resolveLimits(options.limits)
  const privateKey = privateKeyFromHex(options.privateKeyHex)
  const selfId = peerIdFromPrivateKey(privateKey)
  const self = selfId.toString()

  if (typeof options.topicPrefix !== 'string' || options.topicPrefix.length === 0 || /\s/.test(options.topicPrefix)) {
    throw new Error('topicPrefix must be a non-empty string without whitespace')
  }
  let listenAddress: Multiaddr
  try {
    listenAddress = multiaddr(options.listenAddress)
  } catch (error) {
    throw new Error(`listenAddress ${JSON.stringify(options.listenAddress)} is not a multiaddr: ${(error as Error).message}`)
  }
  const allowed = new Set<string>()
  for (const id of options.allowedPeerIds) allowed.add(parsePeerId(id, 'allowedPeerIds').toString())
  // Messages this node publishes are authored by it, whether or not genesis lists it.
  const allowedAuthors = new Set([...allowed, self])
  const peers = parsePeers(options, self, allowed)

  // Version 2: a message carries several transactions (client/wire.ts encodeTxGossip); version 1 carried one.
  const txTopic = `${options.topicPrefix}/txs/2`
  const consensusTopic = `${options.topicPrefix}/consensus/1`
  const syncProtocol = syncProtocolId(options.topicPrefix)
  const directConsensusProtocol = directConsensusProtocolId(options.topicPrefix)

  // Closes a banned peer's connections; the gater (through admits) then refuses it both ways.
  let hangUp: (peerId: string) => void = () => undefined
  const guard = new PeerGuard({ limits, log, onBan: (ban) => hangUp(ban.peerId) })
  // Test-only partition switch (partition.ts): null unless TONNE_TEST_PARTITION_FILE is set.
  const partition = partitionSwitchFromEnv(process.env, log)
  const admits = (peerId: string): boolean => allowed.has(peerId) && !guard.isBanned(peerId) && !(partition?.isBlocked(peerId) ?? false)
  const libp2p: Libp2p<Services> = await createLibp2p<Services>({
    start: false,
    privateKey,
    addresses: { listen: [listenAddress.toString()] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // The peer id is known before dialling and right after the Noise handshake; nothing earlier.
      denyDialPeer: (peerId) => !admits(peerId.toString()),
      denyDialMultiaddr: (address) => {
        const peerId = address.getComponents().find((component) => component.name === 'p2p')?.value
        return peerId !== undefined && !admits(peerId)
      },
      denyInboundEncryptedConnection: (peerId) => {
        const deny = !admits(peerId.toString())
        if (deny) log.debug({ peer: peerId.toString() }, 'denied an inbound connection from a peer outside the validator set (or cut off by the test partition switch)')
        return deny
      },
      denyOutboundEncryptedConnection: (peerId) => !admits(peerId.toString()),
      denyInboundUpgradedConnection: (peerId) => !admits(peerId.toString()),
      denyOutboundUpgradedConnection: (peerId) => !admits(peerId.toString()),
    },
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_SECOND_MAX,
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        floodPublish: true,
        directPeers: peers.map((peer) => ({ id: peer.id, addrs: [peer.address] })),
        directConnectTicks: Math.max(1, Math.round(limits.redialIntervalMs / GOSSIPSUB_HEARTBEAT_MS)),
        heartbeatInterval: GOSSIPSUB_HEARTBEAT_MS,
        allowedTopics: [txTopic, consensusTopic],
        // Drops copies of a message already seen before their signature check (message-id.ts).
        fastMsgIdFn: gossipFastMessageId as (message: { from?: Uint8Array; seqno?: Uint8Array }) => string,
        // gossipsub drops (and then forgets the peer for) an RPC frame over this, before decoding it.
        maxInboundDataLength: GOSSIP_RPC_BYTES_MAX,
        maxOutboundBufferSize: GOSSIP_OUTBOUND_BUFFER_RPCS_MAX * GOSSIP_RPC_BYTES_MAX,
        scoreParams: {
          topics: { [txTopic]: INVALID_MESSAGES_ONLY_TOPIC_SCORE, [consensusTopic]: INVALID_MESSAGES_ONLY_TOPIC_SCORE },
          // Every validator of a local testnet shares 127.0.0.1; in a permissioned network that is no signal.
          IPColocationFactorWeight: 0,
        },
      }),
    },
  })
  const pubsub = libp2p.services.pubsub
  // The GossipSub class has getScore; the interface @libp2p/gossipsub exports does not declare it.
  const scored = pubsub as unknown as { getScore?: (peerId: string) => number }
  const gossipScore = (peerId: string): number => (typeof scored.getScore === 'function' ? scored.getScore.call(pubsub, peerId) : 0)
  hangUp = (peerId) => {
    libp2p.hangUp(peerIdFromString(peerId)).catch((error: unknown) => log.debug({ peer: peerId, err: errorMessage(error) }, 'closing a banned peer failed'))
  }

  // --- gossip validation and delivery -------------------------------------------------------------
  // The propagation source (the peer that handed us the message; for a relayed message not its author) is
  // who is rate-limited and charged for a rejected message.
  function validator(topic: string, kind: GossipKind, maxBytes: number, validate: NetworkHandlers['validateTx'], cost: (bytes: Uint8Array) => number = () => 1) {
    const reject = (source: string, detail: Record<string, unknown>): TopicValidatorResult => {
      guard.offence(source, 'gossip-rejected', { topic, ...detail })
      return TopicValidatorResult.Reject
    }
    return async (propagationSource: PeerId, message: Message): Promise<TopicValidatorResult> => {
      const source = propagationSource.toString()
      // Whatever a banned peer still had in flight when its connection was closed.
      if (guard.isBanned(source)) return TopicValidatorResult.Ignore
      if (message.type !== 'signed') return reject(source, { why: 'unsigned' })
      const author = message.from.toString()
      if (!allowedAuthors.has(author)) {
        log.debug({ topic, author }, 'rejected a gossip message authored outside the validator set')
        return reject(source, { author, why: 'author outside the validator set' })
      }
      if (!guard.allowGossip(source, author, kind, message.data.length, cost(message.data))) {
        // Over the limit for its own messages: an offence. For messages it relays: dropped, not penalised.
        if (author === source) guard.offence(source, 'gossip-rate-limited', { topic })
        else guard.drop(source, 'gossip-relay-rate-limited')
        return TopicValidatorResult.Ignore
      }
      if (message.data.length > maxBytes) {
        log.debug({ topic, author, bytes: message.data.length, maxBytes }, 'rejected an oversized gossip message')
        return reject(source, { author, why: 'oversized', bytes: message.data.length })
      }
      let result: ValidationResult
      try {
        result = await validate(message.data, author)
      } catch (error) {
        log.warn({ topic, author, err: errorMessage(error) }, 'gossip validator threw; ignoring the message')
        return TopicValidatorResult.Ignore
      }
      if (result === 'accept') return TopicValidatorResult.Accept
      if (result === 'reject') return reject(source, { author, why: 'validator' })
      if (result !== 'ignore') log.warn({ topic, result: String(result) }, 'gossip validator returned an unknown result; ignoring the message')
      return TopicValidatorResult.Ignore
    }
  }
  pubsub.topicValidators.set(txTopic, validator(txTopic, 'tx', limits.txMessageBytesMax, handlers.validateTx, (bytes) => Math.max(1, handlers.txMessageCost?.(bytes) ?? 1)))
  pubsub.topicValidators.set(consensusTopic, validator(consensusTopic, 'consensus', limits.consensusMessageBytesMax, handlers.validateConsensus))

  function deliver(topic: string, handler: NetworkHandlers['onTx'], data: Uint8Array, author: string): void {
    try {
      const result = handler(data, author)
      if (result instanceof Promise) {
        result.catch((error: unknown) => log.error({ topic, author, err: errorMessage(error) }, 'gossip handler rejected'))
      }
    } catch (error) {
      log.error({ topic, author, err: errorMessage(error) }, 'gossip handler threw')
    }
  }
  // 'message' fires once per message id, only after the topic validator accepted it.
  pubsub.addEventListener('message', (event) => {
    const message = event.detail
    if (message.type !== 'signed') return
    const author = message.from.toString()
    if (message.topic === txTopic) deliver(txTopic, handlers.onTx, message.data, author)
    else if (message.topic === consensusTopic) deliver(consensusTopic, handlers.onConsensus, message.data, author)
  })

  await libp2p.handle(
    directConsensusProtocol,
    createDirectConsensusHandler(handlers, limits, (author, bytes) => deliver(consensusTopic, handlers.onConsensus, bytes, author), log, guard),
    { maxInboundStreams: DIRECT_CONSENSUS_INBOUND_STREAMS_PER_CONNECTION_MAX },
  )

  // --- block sync -----------------------------------------------------------------------------------
  const syncServer = createSyncServer(handlers.serveBlocks, limits, log, guard)
  await libp2p.handle(syncProtocol, (stream, connection) => syncServer.handle(stream, connection), {
    maxInboundStreams: SYNC_INBOUND_STREAMS_PER_CONNECTION_MAX,
  })

  // --- start ----------------------------------------------------------------------------------------
  try {
    await libp2p.start()
  } catch (error) {
    throw new Error(`cannot start the p2p network on ${listenAddress.toString()}: ${errorMessage(error)}`)
  }
  pubsub.subscribe(txTopic)
  pubsub.subscribe(consensusTopic)
  let stopped = false
  partition?.onBlock((newlyBlocked) => {
    for (const id of newlyBlocked) {
      for (const connection of libp2p.getConnections().filter((open) => open.remotePeer.toString() === id)) {
        connection.abort(new Error('peer cut off by the test partition switch'))
      }
    }
  })
  log.info({ peerId: self, addresses: libp2p.getMultiaddrs().map(String), peers: peers.length }, 'p2p network started')

  // --- keep a connection to every genesis peer ------------------------------------------------------
  const dialing = new Set<string>()
  function dial(peer: GenesisPeer): void {
    const id = peer.id.toString()
    if (stopped || dialing.has(id) || guard.isBanned(id) || libp2p.getConnections(peer.id).length > 0) return
    dialing.add(id)
    libp2p
      .dial(peer.address.encapsulate(`/p2p/${id}`), { signal: AbortSignal.timeout(Math.max(limits.redialIntervalMs, 5_000)) })
      .then(() => log.debug({ peer: id }, 'connected to a genesis peer'))
      .catch((error: unknown) => log.debug({ peer: id, address: peer.address.toString(), err: errorMessage(error) }, 'dial failed; will retry'))
      .finally(() => dialing.delete(id))
  }
  const dialAll = (): void => {
    for (const peer of peers) dial(peer)
  }
  const redialTimer = setInterval(dialAll, limits.redialIntervalMs)
  redialTimer.unref()
  // gossipsub drops some invalid messages (bad signatures, unsigned) before our validator sees them; its
  // score counts them, and a peer sending enough of them is banned like any other offender.
  const scoreTimer = setInterval(() => {
    for (const peer of libp2p.getPeers()) {
      const id = peer.toString()
      const score = gossipScore(id)
      if (score < GOSSIP_SCORE_BAN_THRESHOLD && !guard.isBanned(id)) guard.ban(id, 'gossip-score', { score })
    }
  }, GOSSIP_SCORE_CHECK_INTERVAL_MS)
  scoreTimer.unref()
  // Connect/disconnect are logged at info, except for a peer that keeps closing connections right after
  // they open (typically: this node is not in that peer's allowedPeerIds): warned once, then debug.
  const connectedAt = new Map<string, number>()
  const flapping = new Set<string>()
  libp2p.addEventListener('peer:connect', (event) => {
    const id = event.detail.toString()
    connectedAt.set(id, Date.now())
    ;(flapping.has(id) ? log.debug : log.info).call(log, { peer: id }, 'peer connected')
  })
  libp2p.addEventListener('peer:disconnect', (event) => {
    const id = event.detail.toString()
    const lastedMs = Date.now() - (connectedAt.get(id) ?? 0)
    connectedAt.delete(id)
    if (lastedMs >= FLAPPING_CONNECTION_MS) {
      flapping.delete(id)
      log.info({ peer: id, lastedMs }, 'peer disconnected')
    } else if (!flapping.has(id)) {
      flapping.add(id)
      log.warn({ peer: id, lastedMs }, 'peer closed the connection right after it opened; is this node in its allowedPeerIds?')
    } else {
      log.debug({ peer: id, lastedMs }, 'peer disconnected')
    }
  })
  dialAll()

  // --- the Network ----------------------------------------------------------------------------------
  async function publish(topic: string, bytes: Uint8Array, maxBytes: number): Promise<number> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a gossip message must be a Uint8Array')
    if (bytes.length > maxBytes) throw new NetworkError('MESSAGE_TOO_LARGE', `message of ${bytes.length} bytes is over the ${maxBytes}-byte limit of ${topic}`)
    if (stopped) {
      log.debug({ topic }, 'publish after stop dropped')
      return 0
    }
    try {
      const result = await pubsub.publish(topic, bytes)
      if (result.recipients.length === 0) log.debug({ topic }, 'published to no peer (none connected)')
      return result.recipients.length
    } catch (error) {
      log.warn({ topic, err: errorMessage(error) }, 'publish failed')
      return 0
    }
  }

  /** Sends a consensus message too large for gossipsub to every connected peer. */
  async function publishDirect(bytes: Uint8Array): Promise<number> {
    if (bytes.length > limits.consensusMessageBytesMax) {
      throw new NetworkError('MESSAGE_TOO_LARGE', `message of ${bytes.length} bytes is over the ${limits.consensusMessageBytesMax}-byte limit of ${consensusTopic}`)
    }
    if (stopped) return 0
    const connections = libp2p.getPeers().flatMap((peer) => libp2p.getConnections(peer).filter((connection) => connection.status === 'open').slice(0, 1))
    const sent = await Promise.all(connections.map((connection) => sendDirect(connection, directConsensusProtocol, bytes, log)))
    const recipients = sent.filter(Boolean).length
    if (recipients === 0) log.debug({ topic: consensusTopic }, 'direct consensus message sent to no peer (none connected)')
    return recipients
  }

  return {
    peerId: self,
    addresses: () => libp2p.getMultiaddrs().map(String),
    connectedPeers: () => libp2p.getPeers().map(String),
    bannedPeers: () => guard.banned().map((ban) => ({ ...ban })),
    peerScore: (peerId) => gossipScore(peerId),
    peerOffences: (peerId) => guard.offenceCounts(peerId),
    publishTx: (bytes) => publish(txTopic, bytes, limits.txMessageBytesMax),
    publishConsensus: async (bytes) => {
      if (!(bytes instanceof Uint8Array) || bytes.length <= GOSSIP_MESSAGE_BYTES_MAX) {
        return publish(consensusTopic, bytes, limits.consensusMessageBytesMax)
      }
      return publishDirect(bytes)
    },
    async requestBlocks(peerId: string, request: SyncRequest, requestOptions?: { signal?: AbortSignal }): Promise<SyncResponse> {
      if (stopped) throw new NetworkError('STOPPED', 'the network is stopped')
      let peer: PeerId
      try {
        peer = peerIdFromString(peerId)
      } catch {
        throw new NetworkError('PEER_NOT_ALLOWED', `${JSON.stringify(peerId)} is not a peer id`)
      }
      if (!allowed.has(peer.toString())) throw new NetworkError('PEER_NOT_ALLOWED', `peer ${peerId} is not in allowedPeerIds`)
      if (guard.isBanned(peer.toString())) throw new NetworkError('PEER_BANNED', `peer ${peerId} is banned for misbehaving`)
      return requestBlocksOverStream(libp2p, peer, syncProtocol, request, limits, requestOptions?.signal)
    },
    async stop(): Promise<void> {
      if (stopped) return
      stopped = true
      clearInterval(redialTimer)
      clearInterval(scoreTimer)
      partition?.stop()
      await libp2p.stop()
      log.info({ peerId: self }, 'p2p network stopped')
    },
  }
}

function parsePeerId(value: string, where: string): PeerId {
  try {
    return peerIdFromString(value)
  } catch (error) {
    throw new Error(`${where}: ${JSON.stringify(value)} is not a libp2p peer id: ${errorMessage(error)}`)
  }
}

function parsePeers(options: NetworkOptions, self: string, allowed: Set<string>): GenesisPeer[] {
  const peers: GenesisPeer[] = []
  const seen = new Set<string>()
  for (const entry of options.peers) {
    const id = parsePeerId(entry.peerId, 'peers')
    const key = id.toString()
    if (key === self || seen.has(key)) continue
    if (!allowed.has(key)) throw new Error(`peers: ${key} is not in allowedPeerIds, so the connection gater would deny it`)
    let address: Multiaddr
    try {
      address = multiaddr(entry.address)
    } catch (error) {
      throw new Error(`peers: address ${JSON.stringify(entry.address)} of ${key} is not a multiaddr: ${errorMessage(error)}`)
    }
    const p2p = address.getComponents().find((component) => component.name === 'p2p')?.value
    if (p2p !== undefined) {
      if (p2p !== key) throw new Error(`peers: address ${entry.address} names peer ${p2p}, not ${key}`)
      address = address.decapsulateCode(CODE_P2P)
    }
    seen.add(key)
    peers.push({ id, address })
  }
  return peers
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
