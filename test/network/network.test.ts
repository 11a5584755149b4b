import { createServer } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { decode, encode, hexToBytes, type SyncRequest, type SyncResponse } from '../../client/wire.ts'
import {
  CONSENSUS_MESSAGE_BYTES_MAX,
  NetworkError,
  TX_MESSAGE_BYTES_MAX,
  createNetwork,
  generateNetworkKey,
  peerIdFromPrivateKeyHex,
  type Network,
  type NetworkHandlers,
  type NetworkKey,
  type NetworkLimits,
  type NetworkLogger,
  type ValidationResult,
} from '../../node/network/index.ts'

const CHAIN = 'tonne-test-1'
const SYNC_PROTOCOL = `/${CHAIN}/tonne/blocks/1`
const FAST: Partial<NetworkLimits> = { redialIntervalMs: 250, syncRequestTimeoutMs: 3_000 }
const text = new TextEncoder()
const untext = new TextDecoder()

// ---------------------------------------------------------------------------------------------------------
// Helpers.

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Identity {
  key: NetworkKey
  address: string
}

async function identity(): Promise<Identity> {
  return { key: await generateNetworkKey(), address: `/ip4/127.0.0.1/tcp/${await freePort()}` }
}

interface TestNode {
  net: Network
  txs: string[]
  consensus: string[]
  logs: { level: string; message: string }[]
}

const running: Network[] = []
const rawNodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((net) => net.stop()))
  await Promise.all(rawNodes.splice(0).map((node) => node.stop()))
})

async function start(
  me: Identity,
  options: { peers: Identity[]; allowed: Identity[]; handlers?: Partial<NetworkHandlers>; limits?: Partial<NetworkLimits> },
): Promise<TestNode> {
  const txs: string[] = []
  const consensus: string[] = []
  const logs: TestNode['logs'] = []
  const record = (level: string) => (_object: Record<string, unknown>, message: string) => void logs.push({ level, message })
  const logger: NetworkLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
  const handlers: NetworkHandlers = {
    validateTx: () => 'accept',
    validateConsensus: () => 'accept',
    onTx: (bytes) => void txs.push(untext.decode(bytes)),
    onConsensus: (bytes) => void consensus.push(untext.decode(bytes)),
    serveBlocks: async (request) => fakeBlocks(request, 100),
    ...options.handlers,
  }
  const net = await createNetwork(
    {
      privateKeyHex: me.key.privateKeyHex,
      listenAddress: me.address,
      peers: options.peers.map((peer) => ({ peerId: peer.key.peerId, address: peer.address })),
      allowedPeerIds: [me, ...options.allowed].map((peer) => peer.key.peerId),
      topicPrefix: CHAIN,
      limits: { ...FAST, ...options.limits },
      logger,
    },
    handlers,
  )
  running.push(net)
  return { net, txs, consensus, logs }
}

function fakeBlocks(request: SyncRequest, latestHeight: number, blockBytes = 16): SyncResponse {
  const blocks = []
  for (let height = request.fromHeight; height < request.fromHeight + request.count && height <= latestHeight; height++) {
    blocks.push({ block: new Uint8Array(blockBytes).fill(height % 256), certificate: encode([height]) })
  }
  return { latestHeight, blocks }
}

/** Publishes throwaway messages until `expected` peers receive them: gossipsub knows their subscriptions. */
async function warmUp(node: TestNode, expected: number): Promise<void> {
  let i = 0
  await waitFor(`${expected} subscribed peers`, async () => (await node.net.publishTx(text.encode(`warmup-${i++}`))) >= expected)
}

const real = (messages: string[]): string[] => messages.filter((message) => !message.startsWith('warmup-'))

function count(messages: string[], message: string): number {
  return messages.filter((candidate) => candidate === message).length
}

async function fullMesh(n: number, handlers: (index: number) => Partial<NetworkHandlers> = () => ({})): Promise<{ ids: Identity[]; nodes: TestNode[] }> {
  const ids = await Promise.all(Array.from({ length: n }, () => identity()))
  const nodes = await Promise.all(ids.map((me, index) => start(me, { peers: ids, allowed: ids, handlers: handlers(index) })))
  await waitFor('full mesh', () => nodes.every((node) => node.net.connectedPeers().length === n - 1))
  return { ids, nodes }
}

async function rawNode(): Promise<{ node: Libp2p; key: NetworkKey }> {
  const key = await generateNetworkKey()
  const node = await createLibp2p({
    privateKey: privateKeyFromProtobuf(hexToBytes(key.privateKeyHex)),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  rawNodes.push(node)
  return { node, key }
}

/** Sends raw bytes as one length-prefixed frame on the sync protocol and returns the raw response frame. */
async function rawSyncExchange(node: Libp2p, server: Network, frame: Uint8Array): Promise<Uint8Array> {
  const address = server.addresses()[0]
  if (address === undefined) throw new Error('server has no address')
  const stream = await node.dialProtocol(multiaddr(address), SYNC_PROTOCOL, { signal: AbortSignal.timeout(3_000) })
  const lp = lpStream(stream)
  await lp.write(frame)
  await stream.close()
  return (await lp.read({ signal: AbortSignal.timeout(3_000) })).subarray()
}

function errorFrame(frame: Uint8Array): unknown {
  expect(frame[0]).toBe(1)
  return decode(frame.subarray(1))
}

// ---------------------------------------------------------------------------------------------------------

describe('network keys', () => {
  it('generates Ed25519 keys whose peer id round-trips through the hex', async () => {
    const key = await generateNetworkKey()
    expect(key.peerId).toMatch(/^12D3KooW/)
    expect(peerIdFromPrivateKeyHex(key.privateKeyHex)).toBe(key.peerId)
    expect(() => peerIdFromPrivateKeyHex('zz')).toThrow(/hex/)
    expect(() => peerIdFromPrivateKeyHex('0801')).toThrow(/protobuf/)
  })

  it('accepts a pino logger', () => {
    const logger: NetworkLogger = pino({ level: 'silent' })
    expect(typeof logger.info).toBe('function')
  })
})

describe('gossip', () => {
  it('starts with no peer up and publishing alone neither throws nor delivers', async () => {
    const [me, absent] = [await identity(), await identity()]
    const node = await start(me, { peers: [absent], allowed: [absent] })
    expect(node.net.peerId).toBe(me.key.peerId)
    expect(node.net.addresses()[0]).toBe(`${me.address}/p2p/${me.key.peerId}`)
    expect(await node.net.publishTx(text.encode('alone'))).toBe(0)
    expect(await node.net.publishConsensus(text.encode('alone'))).toBe(0)
    await expect(node.net.publishTx(new Uint8Array(TX_MESSAGE_BYTES_MAX + 1))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' })
    expect(node.net.connectedPeers()).toEqual([])
  })

  it('delivers a tx published by one of three nodes exactly once to each other node', async () => {
    // The third node's handlers throw and reject: that must be logged, never crash anything.
    const seenByThrowingHandler: string[] = []
    const { nodes } = await fullMesh(3, (index) =>
      index !== 2
        ? {}
        : {
            validateTx: async (bytes): Promise<ValidationResult> => {
              if (untext.decode(bytes) === 'validator-throws') throw new Error('boom')
              return 'accept'
            },
            onTx: (bytes) => {
              seenByThrowingHandler.push(untext.decode(bytes))
              throw new Error('handler bug')
            },
            onConsensus: async () => {
              throw new Error('async handler bug')
            },
          },
    )
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    await warmUp(a, 2)

    expect(await a.net.publishTx(text.encode('tx-1'))).toBe(2)
    await waitFor('tx-1 everywhere', () => b.txs.includes('tx-1') && seenByThrowingHandler.includes('tx-1'))
    expect(await c.net.publishConsensus(text.encode('vote-1'))).toBe(2)
    expect(await a.net.publishTx(text.encode('validator-throws'))).toBe(2)
    await a.net.publishConsensus(text.encode('vote-2'))
    await waitFor('votes', () => a.consensus.includes('vote-1') && b.consensus.includes('vote-1') && b.consensus.includes('vote-2'))
    await waitFor('validator-throws at b', () => b.txs.includes('validator-throws'))
    await waitFor('the async handler failure logged', () => c.logs.some((log) => log.message === 'gossip handler rejected'))
    // b also receives tx-1 from c (a direct peer forwarding it); any duplicate would arrive within milliseconds.
    await sleep(300)

    expect(count(b.txs, 'tx-1')).toBe(1)
    expect(count(seenByThrowingHandler, 'tx-1')).toBe(1)
    expect(real(a.txs)).toEqual([]) // a node is not handed its own messages
    expect(count(a.consensus, 'vote-1')).toBe(1)
    expect(count(b.consensus, 'vote-1')).toBe(1)
    expect(seenByThrowingHandler).not.toContain('validator-throws') // a validator that throws means 'ignore'
    expect(c.logs.some((log) => log.message === 'gossip handler threw')).toBe(true)
    expect(c.logs.some((log) => log.message === 'gossip validator threw; ignoring the message')).toBe(true)
    expect(a.logs.some((log) => log.level === 'error')).toBe(false)
  })

  it('does not deliver or forward a message the validator rejects', async () => {
    // A line: a - b - c. a and c know only b, so everything c receives from a is forwarded by b.
    const [ia, ib, ic] = [await identity(), await identity(), await identity()]
    const all = [ia, ib, ic]
    const b = await start(ib, {
      peers: [ia, ic],
      allowed: all,
      handlers: { validateTx: (bytes) => (untext.decode(bytes).startsWith('bad') ? 'reject' : 'accept') },
    })
    const a = await start(ia, { peers: [ib], allowed: all })
    const c = await start(ic, { peers: [ib], allowed: all })
    await waitFor('line', () => b.net.connectedPeers().length === 2 && a.net.connectedPeers().length === 1 && c.net.connectedPeers().length === 1)
    await warmUp(b, 2)
    // Warm up until a's messages reach c through b.
    let i = 0
    await waitFor('forwarding through b', async () => {
      await a.net.publishTx(text.encode(`warmup-a${i++}`))
      return c.txs.some((message) => message.startsWith('warmup-a'))
    })

    await a.net.publishTx(text.encode('bad-1'))
    await a.net.publishTx(text.encode('good-1'))
    await waitFor('good-1 at c', () => c.txs.includes('good-1'))
    await sleep(200)
    expect(a.net.connectedPeers()).toEqual([ib.key.peerId])
    expect(b.txs).not.toContain('bad-1')
    expect(c.txs).not.toContain('bad-1')
    expect(count(c.txs, 'good-1')).toBe(1)
  })

  it('enforces message size limits on receipt and carries consensus messages too large for gossipsub', async () => {
    const [ia, ib] = [await identity(), await identity()]
    // a's own limits are loose; b enforces the defaults and rejects consensus messages starting with 'c'.
    const a = await start(ia, { peers: [ib], allowed: [ib], limits: { txMessageBytesMax: 2 * TX_MESSAGE_BYTES_MAX, peerTxBurstBytesMax: 64 * 1024 * 1024, consensusMessageBytesMax: 10 * 1024 * 1024 } })
    const b = await start(ib, {
      peers: [ia],
      allowed: [ia],
      handlers: { validateConsensus: (bytes) => (bytes[0] === 0x63 ? 'reject' : 'accept') },
    })
    await waitFor('connected', () => a.net.connectedPeers().length === 1)
    await warmUp(a, 1)

    await a.net.publishTx(new Uint8Array(TX_MESSAGE_BYTES_MAX + 1).fill(0x61))
    await a.net.publishTx(text.encode('after-oversized'))
    await waitFor('after-oversized', () => b.txs.includes('after-oversized'))
    expect(b.txs.every((message) => message.length <= TX_MESSAGE_BYTES_MAX)).toBe(true)

    // 5 MiB and 8.5 MiB proposals exceed what gossipsub 17 can send: they go over the direct protocol.
    expect(await a.net.publishConsensus(new Uint8Array(5 * 1024 * 1024).fill(0x63))).toBe(1) // sent, b rejects it
    expect(await a.net.publishConsensus(new Uint8Array(CONSENSUS_MESSAGE_BYTES_MAX + 1).fill(0x62))).toBe(1) // over b's limit
    expect(await a.net.publishConsensus(new Uint8Array(8.5 * 1024 * 1024).fill(0x62))).toBe(1)
    await a.net.publishConsensus(text.encode('small-after-big'))
    await waitFor('big proposal', () => b.consensus.length === 2, 15_000)
    expect(b.consensus.map((message) => message.length).sort()).toEqual([15, 8.5 * 1024 * 1024].sort())
    expect(b.consensus.map((message) => message[0])).not.toContain('c')
    await expect(b.net.publishConsensus(new Uint8Array(CONSENSUS_MESSAGE_BYTES_MAX + 1))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' })
  })
})

describe('connection gater', () => {
  it('keeps out a peer whose id is not allowed, inbound and outbound, and never delivers its messages', async () => {
    const [ia, ib, intruder] = [await identity(), await identity(), await identity()]
    const a = await start(ia, { peers: [ib], allowed: [ib] })
    const b = await start(ib, { peers: [ia], allowed: [ia] })
    // The intruder believes it belongs: it dials a and b every 250 ms and publishes.
    const x = await start(intruder, { peers: [ia, ib], allowed: [ia, ib] })
    await waitFor('a-b connected', () => a.net.connectedPeers().length === 1)
    await warmUp(a, 1)

    // The intruder's dials complete the Noise handshake before a and b deny them, so it sees connections
    // open and close at once; a and b never list it, and nothing it publishes arrives.
    for (let i = 0; i < 10; i++) {
      expect(a.net.connectedPeers()).toEqual([ib.key.peerId])
      expect(b.net.connectedPeers()).toEqual([ia.key.peerId])
      await x.net.publishTx(text.encode(`intruder-${i}`))
      await x.net.publishConsensus(text.encode(`intruder-${i}`))
      await sleep(100)
    }
    expect([...a.txs, ...b.txs, ...a.consensus, ...b.consensus].some((message) => message.startsWith('intruder'))).toBe(false)
    expect(x.logs.filter((log) => log.level === 'warn' && /allowedPeerIds/.test(log.message)).length).toBeGreaterThan(0)
    expect(x.logs.filter((log) => log.level === 'info' && log.message === 'peer connected').length).toBeLessThanOrEqual(2)

    // A raw libp2p node with an unknown key is refused as well, and nobody will dial or sync with it.
    const raw = await rawNode()
    await expect(raw.node.dialProtocol(multiaddr(a.net.addresses()[0]!), SYNC_PROTOCOL, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow()
    expect(a.net.connectedPeers()).toEqual([ib.key.peerId])
    await expect(a.net.requestBlocks(intruder.key.peerId, { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'PEER_NOT_ALLOWED' })
    await expect(a.net.requestBlocks('not-a-peer-id', { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'PEER_NOT_ALLOWED' })
  })
})

describe('block sync', () => {
  it('round-trips requestBlocks, rejects malformed requests with an error and keeps serving', async () => {
    const [ia, ib] = [await identity(), await identity()]
    const raw = await rawNode()
    const rawIdentity: Identity = { key: raw.key, address: '/ip4/127.0.0.1/tcp/1' }
    let served = 0
    const a = await start(ia, {
      peers: [ib],
      allowed: [ib, rawIdentity],
      limits: { syncRequestTimeoutMs: 1_500 },
      handlers: {
        serveBlocks: async (request, from) => {
          served++
          expect(from).not.toBe(ia.key.peerId)
          if (request.fromHeight === 13) throw new Error('disk on fire')
          if (request.fromHeight === 14) return new Promise<SyncResponse>(() => {}) // never answers
          return fakeBlocks(request, 100)
        },
      },
    })
    const b = await start(ib, { peers: [ia], allowed: [ia], limits: { syncRequestTimeoutMs: 1_000 } })

    const response = await b.net.requestBlocks(ia.key.peerId, { fromHeight: 5, count: 3 })
    expect(response.latestHeight).toBe(100)
    expect(response.blocks.map((entry) => entry.block[0])).toEqual([5, 6, 7])
    expect(decode(response.blocks[2]!.certificate)).toEqual([7])
    // count is capped at SYNC_BLOCKS_PER_RESPONSE_MAX by the server
    expect((await b.net.requestBlocks(ia.key.peerId, { fromHeight: 1, count: 1_000 })).blocks).toHaveLength(50)

    // Malformed requests through the API (the encoder does not validate) and as raw bytes.
    const bad = b.net.requestBlocks(ia.key.peerId, { fromHeight: -1, count: 2 })
    await expect(bad).rejects.toBeInstanceOf(NetworkError)
    await expect(bad).rejects.toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'MALFORMED_REQUEST', message: /fromHeight/ })
    expect(errorFrame(await rawSyncExchange(raw.node, a.net, new Uint8Array([0xc1, 0xff, 0x00])))).toEqual(['MALFORMED_REQUEST', expect.stringMatching(/msgpack|request/)])
    expect(errorFrame(await rawSyncExchange(raw.node, a.net, encode({ fromHeight: 1 })))).toEqual(['MALFORMED_REQUEST', expect.any(String)])
    expect(errorFrame(await rawSyncExchange(raw.node, a.net, new Uint8Array(10_000)))).toEqual(['MALFORMED_REQUEST', expect.stringMatching(/at most/)])
    await expect(rawSyncExchange(raw.node, a.net, new Uint8Array(1024 * 1024))).rejects.toThrow() // reset, no buffering

    // The handler failing or hanging.
    await expect(b.net.requestBlocks(ia.key.peerId, { fromHeight: 13, count: 1 })).rejects.toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'SERVER_ERROR' })
    await expect(b.net.requestBlocks(ia.key.peerId, { fromHeight: 14, count: 1 })).rejects.toMatchObject({ code: 'TIMEOUT' })
    const controller = new AbortController()
    const servedBefore = served
    const aborted = b.net.requestBlocks(ia.key.peerId, { fromHeight: 14, count: 1 }, { signal: controller.signal })
    await waitFor('the request at the server', () => served > servedBefore)
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' })
    // a's serving slots were freed although its serveBlocks never answered (after a's 1.5 s timeout)
    await waitFor('serveBlocks timeouts logged', () => a.logs.filter((log) => log.message === 'block sync: serveBlocks failed').length === 3, 4_000)

    // Still serving.
    expect((await b.net.requestBlocks(ia.key.peerId, { fromHeight: 99, count: 5 })).blocks.map((entry) => entry.block[0])).toEqual([99, 100])
    expect(served).toBe(6)
    expect(a.logs.some((log) => log.level === 'error' && log.message === 'block sync: serveBlocks failed')).toBe(true)
  })

  it('trims responses to the size limit on the server and rejects oversized ones on the client', async () => {
    const [ia, ib, ic] = [await identity(), await identity(), await identity()]
    const big = async (request: SyncRequest): Promise<SyncResponse> => fakeBlocks(request, 100, 40 * 1024)
    // a trims to 100 KiB; c sends up to the default 16 MiB; b accepts at most 100 KiB.
    const a = await start(ia, { peers: [], allowed: [ib], handlers: { serveBlocks: big }, limits: { syncResponseBytesMax: 100 * 1024 } })
    await start(ic, { peers: [], allowed: [ib], handlers: { serveBlocks: big } })
    const b = await start(ib, { peers: [ia, ic], allowed: [ia, ic], limits: { syncResponseBytesMax: 100 * 1024 } })

    const trimmed = await b.net.requestBlocks(ia.key.peerId, { fromHeight: 1, count: 5 })
    expect(trimmed.blocks.map((entry) => entry.block[0])).toEqual([1, 2])
    expect(a.logs.some((log) => log.message === 'block sync: response trimmed to its size limit')).toBe(true)
    await expect(b.net.requestBlocks(ic.key.peerId, { fromHeight: 1, count: 5 })).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' })
    // and the failed exchange did not break the connection for the next one
    expect((await b.net.requestBlocks(ic.key.peerId, { fromHeight: 1, count: 1 })).blocks).toHaveLength(1)
    // an unreachable but allowed peer
    const absent = await identity()
    const lonely = await start(await identity(), { peers: [absent], allowed: [absent] })
    await expect(lonely.net.requestBlocks(absent.key.peerId, { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'UNREACHABLE' })
  })
})

describe('reconnection', () => {
  it('reconnects to a node restarted with the same key and address, and messages flow again', async () => {
    const { ids, nodes } = await fullMesh(3)
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    const ic = ids[2]!
    await warmUp(a, 2)
    await a.net.publishTx(text.encode('before'))
    await waitFor('before', () => c.txs.includes('before'))

    await c.net.stop()
    await c.net.stop() // idempotent
    expect(await c.net.publishTx(text.encode('after-stop'))).toBe(0)
    await expect(c.net.requestBlocks(ids[0]!.key.peerId, { fromHeight: 1, count: 1 })).rejects.toMatchObject({ code: 'STOPPED' })
    await waitFor('c gone', () => !a.net.connectedPeers().includes(ic.key.peerId) && !b.net.connectedPeers().includes(ic.key.peerId))
    await sleep(600) // a few failed redials

    // The restarted node knows no peers: only a's and b's redial loops can bring it back.
    const c2 = await start(ic, { peers: [], allowed: ids.slice(0, 2) })
    await waitFor('a and b redial c', () => c2.net.connectedPeers().length === 2)
    await warmUp(a, 2)
    await a.net.publishTx(text.encode('after-restart'))
    await waitFor('after-restart at c2', () => c2.txs.includes('after-restart'))
    await waitFor('c2 publishes to both', async () => (await c2.net.publishConsensus(text.encode('from-c2'))) === 2)
    await waitFor('from-c2', () => a.consensus.includes('from-c2') && b.consensus.includes('from-c2'))
    expect(count(c2.txs, 'after-restart')).toBe(1)
  })
})
