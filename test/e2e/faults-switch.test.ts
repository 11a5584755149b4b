// The test-only partition switch (node/network/partition.ts) on its own and inside two in-process libp2p networks:
// what a partition file means, that a bad file blocks nothing and never throws, that a blocked peer's connection is
// closed at once and stays refused (inbound and outbound), and that healing reconnects.
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createNetwork, generateNetworkKey, type Network, type NetworkHandlers, type NetworkLogger } from '../../node/network/index.ts'
import {
  PARTITION_BLOCKED_PEERS_MAX,
  PARTITION_FILE_BYTES_MAX,
  PARTITION_FILE_ENV,
  parsePartitionFile,
  partitionSwitchFromEnv,
  startPartitionSwitch,
  type PartitionSwitch,
} from '../../node/network/partition.ts'
import { sleep, waitUntil } from './faults-helpers.ts'

const PEER_A = '12D3KooWMe8GdbrPL779ZE4LgDshX3a9oeK8YKwHfWVWCV7kGQG6'
const PEER_B = '12D3KooWSRuWjh3oVuZGSc2h6JRuk84Xriu6A6ZjopoHbCwqR3GV'
const FAST_POLL_MS = 20

const folder = mkdtempSync(join(tmpdir(), 'tonne-faults-switch-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let fileCounter = 0
const newPath = (): string => join(folder, `partition-${(fileCounter += 1)}.json`)

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
}

function recordingLogger(): NetworkLogger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, debug() {}, info() {}, warn: (_object, message) => void warnings.push(message), error: (_object, message) => void warnings.push(message) }
}

describe('parsePartitionFile', () => {
  it('reads the blocked peer ids of a valid file', () => {
    const content = parsePartitionFile(JSON.stringify({ blockedPeerIds: [PEER_A, PEER_B, PEER_A] }))
    expect(content).toEqual({ ok: true, blocked: new Set([PEER_A, PEER_B]) })
    expect(parsePartitionFile('{"blockedPeerIds": []}')).toEqual({ ok: true, blocked: new Set() })
  })

  it.each([
    ['not JSON', '{"blockedPeerIds": ["'],
    ['empty', ''],
    ['an array', JSON.stringify([PEER_A])],
    ['null', 'null'],
    ['no list', '{}'],
    ['a list of numbers', '{"blockedPeerIds": [1, 2]}'],
    ['an empty id', '{"blockedPeerIds": [""]}'],
    ['an overlong id', JSON.stringify({ blockedPeerIds: ['x'.repeat(500)] })],
    ['too many ids', JSON.stringify({ blockedPeerIds: Array.from({ length: PARTITION_BLOCKED_PEERS_MAX + 1 }, (_, index) => `peer${index}`) })],
    ['too large', JSON.stringify({ blockedPeerIds: [PEER_A], padding: ' '.repeat(PARTITION_FILE_BYTES_MAX) })],
  ])('refuses %s with a reason, without throwing', (_name, text) => {
    const content = parsePartitionFile(text)
    expect(content.ok).toBe(false)
    if (!content.ok) expect(content.reason.length).toBeGreaterThan(0)
  })
})

describe('startPartitionSwitch', () => {
  const switches: PartitionSwitch[] = []
  afterEach(() => switches.splice(0).forEach((entry) => entry.stop()))

  it('blocks nothing while the file is missing, follows each change of it, and reports the newly blocked peers', async () => {
    const path = newPath()
    const log = recordingLogger()
    const partition = startPartitionSwitch(path, log, FAST_POLL_MS)
    switches.push(partition)
    const blockedEvents: string[][] = []
    partition.onBlock((peers) => void blockedEvents.push(peers))
    partition.onBlock(() => {
      throw new Error('a listener that throws')
    })
    expect(partition.isBlocked(PEER_A)).toBe(false)

    writeAtomically(path, JSON.stringify({ blockedPeerIds: [PEER_A] }))
    await waitUntil('PEER_A blocked', () => partition.isBlocked(PEER_A), 5_000, 10)
    expect(partition.isBlocked(PEER_B)).toBe(false)
    writeAtomically(path, JSON.stringify({ blockedPeerIds: [PEER_A, PEER_B] }))
    await waitUntil('PEER_B blocked', () => partition.isBlocked(PEER_B), 5_000, 10)
    expect(blockedEvents).toEqual([[PEER_A], [PEER_B]])

    unlinkSync(path)
    await waitUntil('the missing file to block nothing', () => !partition.isBlocked(PEER_A) && !partition.isBlocked(PEER_B), 5_000, 10)
    // The throwing listener was logged, not propagated.
    expect(log.warnings).toContain('test partition listener threw')
  })

  it('reads the file once at start, so the first dials already obey it', () => {
    const path = newPath()
    writeAtomically(path, JSON.stringify({ blockedPeerIds: [PEER_B] }))
    const partition = startPartitionSwitch(path, recordingLogger(), FAST_POLL_MS)
    switches.push(partition)
    expect(partition.isBlocked(PEER_B)).toBe(true)
  })

  it('an invalid file blocks nothing and is warned about once, not at every poll', async () => {
    const path = newPath()
    writeAtomically(path, JSON.stringify({ blockedPeerIds: [PEER_A] }))
    const log = recordingLogger()
    const partition = startPartitionSwitch(path, log, FAST_POLL_MS)
    switches.push(partition)
    expect(partition.isBlocked(PEER_A)).toBe(true)
    writeAtomically(path, '{ not json')
    await waitUntil('the invalid file to unblock', () => !partition.isBlocked(PEER_A), 5_000, 10)
    const polls = 10
    await sleep(FAST_POLL_MS * polls) // several polls of the same bad file
    expect(log.warnings.filter((message) => message.startsWith('ignoring an invalid test partition file'))).toHaveLength(1)
  })

  it('does not exist unless TONNE_TEST_PARTITION_FILE is set', () => {
    const log = recordingLogger()
    expect(partitionSwitchFromEnv({}, log)).toBeNull()
    expect(partitionSwitchFromEnv({ [PARTITION_FILE_ENV]: '' }, log)).toBeNull()
    expect(log.warnings).toEqual([])
    const partition = partitionSwitchFromEnv({ [PARTITION_FILE_ENV]: newPath() }, log)
    expect(partition).not.toBeNull()
    partition?.stop()
  })
})

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

describe('the partition switch in the connection gater of two networks', () => {
  const running: Network[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((net) => net.stop()))
  })

  it('cuts an open connection at once, keeps refusing both directions while blocked, and reconnects after healing', { timeout: 30_000 }, async () => {
    const keys = await Promise.all([generateNetworkKey(), generateNetworkKey()])
    const addresses = await Promise.all([freePort(), freePort()]).then((ports) => ports.map((port) => `/ip4/127.0.0.1/tcp/${port}`))
    const receivedByA: string[] = []
    const handlers = (received: string[] | null): NetworkHandlers => ({
      validateTx: () => 'accept',
      validateConsensus: () => 'accept',
      onTx: (bytes) => void received?.push(new TextDecoder().decode(bytes)),
      onConsensus: () => undefined,
      serveBlocks: async () => ({ latestHeight: 0, blocks: [] }),
    })
    // Only A has a partition file: blocking B there must cut both directions (A's dials, B's dials into A).
    const fileA = newPath()
    const logA = recordingLogger()
    const previous = process.env[PARTITION_FILE_ENV]
    const start = (index: 0 | 1, logger: NetworkLogger): Promise<Network> =>
      createNetwork(
        {
          privateKeyHex: keys[index].privateKeyHex,
          listenAddress: addresses[index] as string,
          peers: [{ peerId: keys[1 - index]!.peerId, address: addresses[1 - index] as string }],
          allowedPeerIds: keys.map((key) => key.peerId),
          topicPrefix: 'tonne-faults-switch',
          limits: { redialIntervalMs: 100 },
          logger,
        },
        handlers(index === 0 ? receivedByA : null),
      )
    let a: Promise<Network>
    let b: Promise<Network>
    try {
      process.env[PARTITION_FILE_ENV] = fileA
      a = start(0, logA) // reads the variable synchronously, before its first await
      delete process.env[PARTITION_FILE_ENV]
      b = start(1, recordingLogger())
    } finally {
      if (previous === undefined) delete process.env[PARTITION_FILE_ENV]
      else process.env[PARTITION_FILE_ENV] = previous
    }
    const [netA, netB] = await Promise.all([a, b])
    running.push(netA, netB)
    const connected = (): boolean => netA.connectedPeers().includes(netB.peerId) && netB.connectedPeers().includes(netA.peerId)
    const disconnected = (): boolean => netA.connectedPeers().length === 0 && netB.connectedPeers().length === 0
    await waitUntil('A and B connected', connected, 10_000, 20)

    let sent = 0
    await waitUntil('a message from B to reach A', async () => {
      await netB.publishTx(new TextEncoder().encode(`before-${(sent += 1)}`))
      return receivedByA.length > 0
    }, 10_000, 50)

    writeAtomically(fileA, JSON.stringify({ blockedPeerIds: [netB.peerId] }))
    await waitUntil('the connection to be cut', disconnected, 2_000, 10)
    // Both redial every 100 ms. Over many redial intervals A admits no connection from B and makes none to it, and
    // nothing B publishes reaches A. (B may see a connection for an instant: the Noise initiator finishes its
    // handshake before the responder learns who it is and refuses it.)
    const receivedBefore = receivedByA.length
    const deadline = Date.now() + 1_500
    while (Date.now() < deadline) {
      expect(netA.connectedPeers()).toEqual([])
      await netB.publishTx(new TextEncoder().encode(`during-${(sent += 1)}`))
      await sleep(50)
    }
    expect(receivedByA.slice(receivedBefore)).toEqual([])

    writeAtomically(fileA, JSON.stringify({ blockedPeerIds: [] }))
    await waitUntil('A and B reconnected after healing', connected, 10_000, 20)
    await waitUntil('a message from B to reach A again', async () => {
      await netB.publishTx(new TextEncoder().encode(`after-${(sent += 1)}`))
      return receivedByA.some((message) => message.startsWith('after-'))
    }, 10_000, 50)
    expect(logA.warnings).toContain('test partition switch changed the blocked peers')
  })
})
