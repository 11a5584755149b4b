// Runs a local cluster of real node processes (`tonne start`) from a testnet folder: used by the demo, the
// benchmark and the end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, readFileSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TonneClient, type StatusResponse } from '../client/http.ts'
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
}

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
  ) {
    this.nodes = testnet.nodeHomes.map((home, index) => {
      const apiUrl = `http://127.0.0.1:${apiPort + index}`
      return { index, home, apiUrl, client: new TonneClient(apiUrl), process: null, logPath: join(home, 'node.log') }
    })
  }

  static async create(out: string, nodes = 4, chainId = 'tonne-testnet'): Promise<Cluster> {
    const base = await findFreePortBlock(nodes * 2)
    const testnet = await generateTestnet({ nodes, out, chainId, p2pPort: base, apiPort: base + nodes, hostTemplate: '127.0.0.1', bindHost: '127.0.0.1', genesisTimeMs: Date.now() })
    return new Cluster(testnet, base + nodes)
  }

  /** detached: the node outlives this process (and its terminal's Ctrl-C), as `tonne demo --keep` wants. */
  start(index: number, detached = false): void {
    const node = this.nodes[index] as ClusterNode
    if (node.process !== null && node.process.exitCode === null && node.process.signalCode === null) return
    const log = openSync(node.logPath, 'a')
    node.process = spawn(process.execPath, [...(process.env.TONNE_NODE_ARGUMENTS?.split(' ').filter(Boolean) ?? []), tonneBin, 'start', '--home', node.home], { stdio: ['ignore', log, log], detached })
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

  async stopAll(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (node) =>
          new Promise<void>((resolveStop) => {
            const child = node.process
            if (child === null || child.exitCode !== null || child.signalCode !== null) return resolveStop()
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
            child.once('exit', () => {
              clearTimeout(timer)
              resolveStop()
            })
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
