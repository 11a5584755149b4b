// Runs a local cluster of real node processes (`tonne start`) from a testnet folder: used by the demo, the
// benchmark and the end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, readFileSync, closeSync, renameSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TonneClient, type StatusResponse } from '../client/http.ts'
import { CONFIG_FILE, DATA_DIR, type ConsensusTimeouts } from '../node/config/config.ts'
import { PARTITION_FILE_ENV } from '../node/network/partition.ts'
import { generateTestnet, type TestnetResult } from './testnet.ts'

export const NODE_START_TIMEOUT_MS = 60_000
export const CLUSTER_POLL_INTERVAL_MS = 200

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const tonneBin = join(repoRoot, 'bin', 'tonne.js')

export interface ClusterNode {
  index: number
  home: string
  apiUrl: string
  client: TonneClient
  process: ChildProcess | null
  logPath: string
  /** The test partition file this node polls (TONNE_TEST_PARTITION_FILE), or null when partitions are off. */
  partitionFile: string | null
}

export interface ClusterOptions {
  /** Consensus timeouts written into every node's config.json (the rest keep their defaults). */
  consensus?: Partial<ConsensusTimeouts>
  /** Start every node with TONNE_TEST_PARTITION_FILE=<home>/test-partition.json, so partition() and heal() work. */
  testPartitions?: boolean
}

export interface StartOptions {
  /** The node outlives this process (and its terminal's Ctrl-C), as `tonne demo --keep` wants. */
  detached?: boolean
  /** Extra environment variables for this start only. */
  env?: Record<string, string>
}

/** How long stopAll waits for a node to exit after SIGTERM before it sends SIGKILL. */
export const NODE_STOP_TIMEOUT_MS = 5_000

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer()
    server.once('error', () => resolvePort(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)))
  })
}

/** A base port such that base .. base+count-1 are all free on 127.0.0.1. */
export async function findFreePortBlock(count: number, from = 20_000 + Math.floor(Math.random() * 20_000)): Promise<number> {
  for (let base = from; base < 60_000; base += count + 7) {
    let free = true
    for (let offset = 0; offset < count && free; offset += 1) free = await portIsFree(base + offset)
    if (free) return base
  }
  throw new Error('no free block of ports found')
}

export class Cluster {
  readonly nodes: ClusterNode[]

  constructor(
    readonly testnet: TestnetResult,
    apiPort: number,
    testPartitions = false,
  ) {
    this.nodes = testnet.nodeHomes.map((home, index) => {
      const apiUrl = `http://127.0.0.1:${apiPort + index}`
      return { index, home, apiUrl, client: new TonneClient(apiUrl), process: null, logPath: join(home, 'node.log'), partitionFile: testPartitions ? join(home, 'test-partition.json') : null }
    })
  }

  static async create(out: string, nodes = 4, chainId = 'tonne-testnet', options: ClusterOptions = {}): Promise<Cluster> {
    const base = await findFreePortBlock(nodes * 2)
    const testnet = await generateTestnet({ nodes, out, chainId, p2pPort: base, apiPort: base + nodes, hostTemplate: '127.0.0.1', bindHost: '127.0.0.1', genesisTimeMs: Date.now() })
    if (options.consensus !== undefined) {
      for (const home of testnet.nodeHomes) {
        const path = join(home, CONFIG_FILE)
        const config = JSON.parse(readFileSync(path, 'utf8')) as { consensus: ConsensusTimeouts }
        config.consensus = { ...config.consensus, ...options.consensus }
        writeFileSync(path, JSON.stringify(config, null, 2) + '\n')
      }
    }
    return new Cluster(testnet, base + nodes, options.testPartitions === true)
  }

  private running(index: number): ChildProcess | null {
    const child = (this.nodes[index] as ClusterNode).process
    return child !== null && child.exitCode === null && child.signalCode === null ? child : null
  }

  start(index: number, options: StartOptions | boolean = {}): void {
    const { detached = false, env = {} } = typeof options === 'boolean' ? { detached: options } : options
    const node = this.nodes[index] as ClusterNode
    if (this.running(index) !== null) return
    const log = openSync(node.logPath, 'a')
    const nodeEnv = { ...process.env, ...(node.partitionFile === null ? {} : { [PARTITION_FILE_ENV]: node.partitionFile }), ...env }
    node.process = spawn(process.execPath, [...(process.env.TONNE_NODE_ARGUMENTS?.split(' ').filter(Boolean) ?? []), tonneBin, 'start', '--home', node.home], { stdio: ['ignore', log, log], detached, env: nodeEnv })
    closeSync(log)
    if (detached) node.process.unref()
  }

  startAll(detached = false): void {
    for (const node of this.nodes) this.start(node.index, detached)
  }

  /** kill -9 */
  kill(index: number): void {
    const node = this.nodes[index] as ClusterNode
    node.process?.kill('SIGKILL')
  }

  /** Resolves once the node's process has exited (at once if it is not running), with its exit signal. */
  async exited(index: number): Promise<NodeJS.Signals | null> {
    const child = (this.nodes[index] as ClusterNode).process
    if (child === null) return null
    if (child.exitCode !== null || child.signalCode !== null) return child.signalCode
    return new Promise((resolveExit) => child.once('exit', (_code, signal) => resolveExit(signal)))
  }

  /** kill -9, resolving once the process is gone (its LevelDB lock released). */
  async killAndWait(index: number): Promise<void> {
    this.kill(index)
    await this.exited(index)
  }

  /** kill -9 then start again. */
  async restart(index: number, options: StartOptions = {}): Promise<void> {
    await this.killAndWait(index)
    this.start(index, options)
  }

  /** kill -9 every node at once, then start them all again (the chain must resume from disk). */
  async restartAll(): Promise<void> {
    for (const node of this.nodes) this.kill(node.index)
    await Promise.all(this.nodes.map((node) => this.exited(node.index)))
    this.startAll()
  }

  /** SIGSTOP: the process freezes (its sockets stay open, nothing answers). */
  pause(index: number): void {
    this.running(index)?.kill('SIGSTOP')
  }

  /** SIGCONT after pause(). */
  resume(index: number): void {
    this.running(index)?.kill('SIGCONT')
  }

  peerId(index: number): string {
    return (this.testnet.genesis.validators[index] as { peerId: string }).peerId
  }

  dataPath(index: number): string {
    return join((this.nodes[index] as ClusterNode).home, DATA_DIR)
  }

  /**
   * Splits the cluster into groups (node indexes): each node's test partition file blocks every node outside its
   * group. Nodes in no group are cut off from everyone. Needs Cluster.create(..., { testPartitions: true }).
   */
  partition(groups: number[][]): void {
    const groupOf = new Map<number, number>()
    groups.forEach((group, position) => group.forEach((index) => groupOf.set(index, position)))
    for (const node of this.nodes) {
      const mine = groupOf.get(node.index)
      const blocked = this.nodes.filter((other) => other.index !== node.index && (mine === undefined || groupOf.get(other.index) !== mine)).map((other) => this.peerId(other.index))
      this.writePartitionFile(node.index, blocked)
    }
  }

  /** Unblocks every peer on every node. */
  heal(): void {
    for (const node of this.nodes) this.writePartitionFile(node.index, [])
  }

  private writePartitionFile(index: number, blockedPeerIds: string[]): void {
    const path = (this.nodes[index] as ClusterNode).partitionFile
    if (path === null) throw new Error('this cluster was created without testPartitions: the nodes do not poll a partition file')
    // Atomic: the node never reads a half-written file.
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify({ blockedPeerIds }) + '\n')
    renameSync(temporary, path)
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (node) =>
          new Promise<void>((resolveStop) => {
            const child = node.process
            if (child === null || child.exitCode !== null || child.signalCode !== null) return resolveStop()
            const timer = setTimeout(() => child.kill('SIGKILL'), NODE_STOP_TIMEOUT_MS)
            child.once('exit', () => {
              clearTimeout(timer)
              resolveStop()
            })
            // A paused node handles SIGTERM only once it runs again.
            child.kill('SIGCONT')
            child.kill('SIGTERM')
          }),
      ),
    )
  }

  async status(index: number): Promise<StatusResponse | null> {
    try {
      return await (this.nodes[index] as ClusterNode).client.status()
    } catch {
      return null
    }
  }

  /** Waits until the given nodes answer /status with height >= minHeight. */
  async waitForHeight(minHeight: number, indexes = this.nodes.map((node) => node.index), timeoutMs = NODE_START_TIMEOUT_MS): Promise<StatusResponse[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const statuses = await Promise.all(indexes.map((index) => this.status(index)))
      if (statuses.every((status) => status !== null && status.height >= minHeight)) return statuses as StatusResponse[]
      for (const index of indexes) {
        const child = (this.nodes[index] as ClusterNode).process
        if (child !== null && child.exitCode !== null) throw new Error(`node${index} exited with code ${child.exitCode}:\n${this.logTail(index)}`)
      }
      if (Date.now() > deadline) {
        const heights = statuses.map((status, position) => `node${indexes[position]}=${status === null ? 'down' : status.height}`).join(' ')
        throw new Error(`nodes did not reach height ${minHeight} within ${timeoutMs} ms (${heights})`)
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, CLUSTER_POLL_INTERVAL_MS))
    }
  }

  /**
   * Agreement check: the block at height H (the lowest height every node has) has the same hash and app hash on
   * every node.
   */
  async agreement(indexes = this.nodes.map((node) => node.index)): Promise<{ agreeing: number; total: number; height: number; appHash: string; perNode: { index: number; height: number; appHashAtH: string; blockHashAtH: string }[] }> {
    const statuses = await Promise.all(indexes.map((index) => this.status(index)))
    const height = Math.min(...statuses.map((status) => status?.height ?? 0))
    const perNode = await Promise.all(
      indexes.map(async (index, position) => {
        if (height < 1) return { index, height: statuses[position]?.height ?? 0, appHashAtH: '', blockHashAtH: '' }
        try {
          const block = (await (this.nodes[index] as ClusterNode).client.block(height)) as { hash: string; header: { appHash: string } }
          return { index, height: statuses[position]?.height ?? 0, appHashAtH: block.header.appHash, blockHashAtH: block.hash }
        } catch {
          return { index, height: statuses[position]?.height ?? 0, appHashAtH: '', blockHashAtH: '' }
        }
      }),
    )
    const reference = perNode[0]
    const agreeing = perNode.filter((node) => node.appHashAtH !== '' && node.appHashAtH === reference?.appHashAtH && node.blockHashAtH === reference?.blockHashAtH).length
    return { agreeing, total: indexes.length, height, appHash: reference?.appHashAtH ?? '', perNode }
  }

  logTail(index: number, lines = 20): string {
    try {
      return readFileSync((this.nodes[index] as ClusterNode).logPath, 'utf8').split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }
}
