// Shared by the fault tests (test/e2e/faults-*.test.ts): a cluster with short consensus timeouts and one issued
// batch, a client load loop that submits transfers through the HTTP API and follows the committed blocks, and the
// checks every scenario makes: no fork, no committed transaction lost, liveness, halts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { HttpError, TonneClient, type TxStatus } from '../../client/http.ts'
import { readKeyFile, signTx, type KeyPair, type SignedTxWithId } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { Cluster, type ClusterOptions } from '../../cli/cluster.ts'
import { registryAccountName } from '../../cli/testnet.ts'

/** Short consensus timeouts so that rounds lost to a dead proposer or a partition cost little wall time. */
export const FAULT_CONSENSUS_TIMEOUTS = { timeoutProposeMs: 1_500, timeoutPrevoteMs: 500, timeoutPrecommitMs: 500, timeoutDeltaMs: 250, timeoutCommitMs: 100 }
/** A request to a node that is killed or paused must not hold the test: it fails after this. */
export const FAULT_HTTP_TIMEOUT_MS = 2_000
/** Transactions of the load submitted but not yet seen in a block. */
export const LOAD_WINDOW_TXS = 16
/** Pause of the load loop between rounds (submit, follow blocks, resubmit). */
export const LOAD_TICK_MS = 50
/** A pending transaction not seen in a block this long after it was (re)sent is sent again, to another node. */
export const LOAD_RESUBMIT_AFTER_MS = 3_000
/** How long stopping the load waits for its pending transactions to commit. */
export const LOAD_DRAIN_TIMEOUT_MS = 60_000
/** Bound for "the chain makes progress" checks. */
export const LIVENESS_TIMEOUT_MS = 45_000
/** Requests in flight at once when checking every transaction on every node. */
const CHECK_CONCURRENCY = 16

export const BATCH_ID = 'VCS:1-1000000'

export const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms))

/** Polls `predicate` until it holds; throws with `what` after timeoutMs. */
export async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = LIVENESS_TIMEOUT_MS, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

interface BlockView {
  height: number
  hash: string
  header: { appHash: string }
  txs: { id: string; result: { name: string } | null }[]
}

/** A client with a short timeout, for nodes that may be down or paused. */
export function quickClient(cluster: Cluster, index: number): TonneClient {
  const client = new TonneClient((cluster.nodes[index] as Cluster['nodes'][number]).apiUrl)
  const request = client.request.bind(client)
  client.request = ((method, path, body, timeoutMs) => request(method, path, body, Math.min(timeoutMs ?? FAULT_HTTP_TIMEOUT_MS, FAULT_HTTP_TIMEOUT_MS))) as TonneClient['request']
  return client
}

export async function heightOf(cluster: Cluster, index: number): Promise<number | null> {
  try {
    return (await quickClient(cluster, index).status()).height
  } catch {
    return null
  }
}

export async function heights(cluster: Cluster, indexes: number[]): Promise<(number | null)[]> {
  return Promise.all(indexes.map((index) => heightOf(cluster, index)))
}

export async function maxHeight(cluster: Cluster, indexes: number[]): Promise<number> {
  return Math.max(0, ...(await heights(cluster, indexes)).map((height) => height ?? 0))
}

export interface FaultCluster {
  cluster: Cluster
  out: string
  chainId: string
  registry: KeyPair
  /** Account id of the load's recipient. */
  marketplace: string
  dispose(): Promise<void>
}

/** Starts four nodes with short timeouts, registers a project and issues BATCH_ID to registry-vcs. */
export async function startFaultCluster(name: string, options: ClusterOptions = {}): Promise<FaultCluster> {
  const out = mkdtempSync(join(tmpdir(), `tonne-${name}-`))
  const cluster = await Cluster.create(join(out, 'testnet'), 4, `tonne-${name}`, { consensus: FAULT_CONSENSUS_TIMEOUTS, ...options })
  cluster.startAll()
  await cluster.waitForHeight(1)
  const chainId = cluster.testnet.genesis.chainId
  const registry = readKeyFile(cluster.testnet.accountKeys[registryAccountName('VCS')] as string)
  const client = (cluster.nodes[0] as Cluster['nodes'][number]).client
  const register = signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: 'FAULTS-1', name: 'fault test project' }))
  const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: 'FAULTS-1', space: 'VCS', serialStart: 1, serialEnd: 1_000_000 }))
  await client.submit(register.bytes)
  const issued = await client.submit(issue.bytes, { wait: 'commit' })
  expect(issued).toMatchObject({ status: 'committed', result: { name: 'OK' } })
  const marketplace = cluster.testnet.genesis.accounts.find((account) => account.name === 'marketplace')?.publicKey as string
  return {
    cluster,
    out,
    chainId,
    registry,
    marketplace,
    async dispose() {
      await cluster.stopAll()
      rmSync(out, { recursive: true, force: true })
    },
  }
}

interface PendingTx {
  tx: SignedTxWithId
  sentAtMs: number
  sends: number
}

/**
 * A client loop: registry-vcs transfers one credit at a time to the marketplace, up to LOAD_WINDOW_TXS in flight,
 * each sent to one of `targets` (round robin); a transaction not seen in a block after LOAD_RESUBMIT_AFTER_MS is
 * sent again (the same signed bytes) to the next target. It follows the blocks of a reachable target and records,
 * for every transaction it saw committed, the height — and, for every height, the block hash it saw.
 */
export class TransferLoad {
  /** tx id -> height it was seen committed at. */
  readonly committed = new Map<string, number>()
  /** height -> block hash first seen. */
  readonly blockHashes = new Map<number, string>()
  /** Answers that must never happen (a used nonce, a changed block, a rejected transfer...). */
  readonly errors: string[] = []
  targets: number[]
  private readonly pending = new Map<string, PendingTx>()
  private nonce: number
  private followed = 0
  private creating = true
  private running = false
  private loop: Promise<void> | null = null
  private turn = 0
  /** Sends in flight (each one an HTTP POST), so the loop does not block on a paused node. */
  private inFlight = 0

  constructor(
    private readonly fault: FaultCluster,
    firstNonce: number,
    targets = [0, 1, 2, 3],
  ) {
    this.nonce = firstNonce
    this.targets = targets
  }

  get pendingCount(): number {
    return this.pending.size
  }

  start(): void {
    this.running = true
    this.loop = this.run()
  }

  /** Resolves once at least `count` more transactions than now have been seen committed. */
  async committedMore(count: number, timeoutMs = LIVENESS_TIMEOUT_MS): Promise<void> {
    const goal = this.committed.size + count
    await waitUntil(`${count} more committed transactions of the load`, () => this.committed.size >= goal, timeoutMs)
  }

  /** Stops creating transactions and waits until every one sent has been seen committed. */
  async drain(): Promise<void> {
    this.creating = false
    await waitUntil(`the load's ${this.pending.size} pending transactions to commit`, () => this.pending.size === 0, LOAD_DRAIN_TIMEOUT_MS)
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  private nextTarget(): number {
    const target = this.targets[this.turn % this.targets.length] as number
    this.turn += 1
    return target
  }

  private send(entry: PendingTx): void {
    entry.sentAtMs = Date.now()
    entry.sends += 1
    const target = this.nextTarget()
    this.inFlight += 1
    quickClient(this.fault.cluster, target)
      .submit(entry.tx.bytes)
      .then((answer) => {
        if (answer.id !== entry.tx.id) this.errors.push(`node${target} answered id ${answer.id} for ${entry.tx.id}`)
      })
      .catch((error: unknown) => {
        const code = error instanceof HttpError ? error.code : 'ERROR'
        // A node that is down, paused or busy: the transaction is sent again later.
        if (code !== 'UNREACHABLE' && code !== 'MEMPOOL_FULL') this.errors.push(`node${target} refused ${entry.tx.id}: ${code} ${(error as Error).message}`)
      })
      .finally(() => (this.inFlight -= 1))
  }

  private async run(): Promise<void> {
    while (this.running) {
      while (this.creating && this.pending.size < LOAD_WINDOW_TXS && this.inFlight < LOAD_WINDOW_TXS) {
        const tx = signTx(this.fault.registry, this.fault.chainId, 'credit.transfer', this.nonce, build.creditTransfer({ batchId: BATCH_ID, quantity: 1, to: this.fault.marketplace }))
        this.nonce += 1
        const entry = { tx, sentAtMs: 0, sends: 0 }
        this.pending.set(tx.id, entry)
        this.send(entry)
      }
      await this.follow()
      const now = Date.now()
      for (const entry of this.pending.values()) if (now - entry.sentAtMs > LOAD_RESUBMIT_AFTER_MS && this.inFlight < LOAD_WINDOW_TXS) this.send(entry)
      await sleep(LOAD_TICK_MS)
    }
  }

  /** Reads the new blocks of the first target that answers. */
  private async follow(): Promise<void> {
    for (const target of this.targets) {
      const client = quickClient(this.fault.cluster, target)
      try {
        const height = (await client.status()).height
        for (let blockHeight = this.followed + 1; blockHeight <= height; blockHeight += 1) {
          const block = (await client.block(blockHeight)) as BlockView
          this.observe(block)
          this.followed = blockHeight
        }
        return
      } catch {
        // try the next target
      }
    }
  }

  private observe(block: BlockView): void {
    const seen = this.blockHashes.get(block.height)
    if (seen === undefined) this.blockHashes.set(block.height, block.hash)
    else if (seen !== block.hash) this.errors.push(`height ${block.height}: block ${block.hash} after ${seen}`)
    for (const entry of block.txs) {
      if (!this.pending.has(entry.id)) {
        if (this.committed.has(entry.id)) this.errors.push(`${entry.id} committed again at ${block.height} (first at ${this.committed.get(entry.id)})`)
        continue
      }
      this.pending.delete(entry.id)
      this.committed.set(entry.id, block.height)
      if (entry.result?.name !== 'OK') this.errors.push(`${entry.id} committed with ${entry.result?.name}`)
    }
  }
}

/**
 * No fork: for every height up to the highest, every node that has the block has the same block hash and app hash
 * (and the hash the load saw, if any); each node's own app hash equals the app hash of the block at its height.
 * Returns the highest height checked.
 */
export async function expectNoFork(cluster: Cluster, indexes: number[], observed: Map<number, string> = new Map()): Promise<number> {
  const statuses = await Promise.all(indexes.map((index) => quickClient(cluster, index).status()))
  const top = Math.max(...statuses.map((status) => status.height))
  const disagreements: string[] = []
  const reference = new Map<number, { hash: string; appHash: string }>()
  const heightsToCheck = Array.from({ length: top }, (_, position) => position + 1)
  for (let start = 0; start < heightsToCheck.length; start += CHECK_CONCURRENCY) {
    await Promise.all(
      heightsToCheck.slice(start, start + CHECK_CONCURRENCY).map(async (height) => {
        const blocks = await Promise.all(
          indexes.map(async (index, position) => ((statuses[position]?.height ?? 0) >= height ? { index, block: (await quickClient(cluster, index).block(height)) as BlockView } : null)),
        )
        const present = blocks.filter((entry): entry is { index: number; block: BlockView } => entry !== null)
        const first = present[0]
        if (first === undefined) return
        reference.set(height, { hash: first.block.hash, appHash: first.block.header.appHash })
        const seen = observed.get(height)
        for (const { index, block } of present) {
          if (block.hash !== first.block.hash || block.header.appHash !== first.block.header.appHash) disagreements.push(`height ${height}: node${index} has ${block.hash}/${block.header.appHash}, node${first.index} ${first.block.hash}/${first.block.header.appHash}`)
          if (seen !== undefined && block.hash !== seen) disagreements.push(`height ${height}: node${index} has ${block.hash}, the load saw ${seen}`)
        }
      }),
    )
  }
  statuses.forEach((status, position) => {
    const atHeight = reference.get(status.height)
    if (status.height > 0 && atHeight?.appHash !== status.appHash) disagreements.push(`node${indexes[position]} at height ${status.height} has app hash ${status.appHash}, the block says ${atHeight?.appHash}`)
  })
  expect(disagreements).toEqual([])
  return top
}

/** No committed transaction lost: each one the load saw committed is committed at the same height on every node. */
export async function expectCommittedEverywhere(cluster: Cluster, indexes: number[], committed: Map<string, number>): Promise<void> {
  const entries = [...committed]
  const wrong: string[] = []
  for (const index of indexes) {
    const client = quickClient(cluster, index)
    for (let start = 0; start < entries.length; start += CHECK_CONCURRENCY) {
      await Promise.all(
        entries.slice(start, start + CHECK_CONCURRENCY).map(async ([id, height]) => {
          const status: TxStatus = await client.tx(id)
          if (status.status !== 'committed' || status.height !== height) wrong.push(`node${index}: ${id} is ${status.status}${status.status === 'committed' ? ` at ${status.height}` : ''}, was committed at ${height}`)
        }),
      )
    }
  }
  expect(wrong).toEqual([])
}

/** Liveness: every node of `indexes` reaches at least `minHeight` within the bound. */
export async function expectHeight(cluster: Cluster, indexes: number[], minHeight: number, timeoutMs = LIVENESS_TIMEOUT_MS): Promise<number[]> {
  await waitUntil(`node${indexes.join(',node')} at height >= ${minHeight}`, async () => (await heights(cluster, indexes)).every((height) => height !== null && height >= minHeight), timeoutMs)
  return (await heights(cluster, indexes)) as number[]
}

/**
 * Halt: over durationMs, sampled every intervalMs, no node of `indexes` moves from the height it has now.
 * Returns those heights.
 */
export async function expectHalted(cluster: Cluster, indexes: number[], durationMs: number, intervalMs = 250): Promise<number[]> {
  const start = await heights(cluster, indexes)
  expect(start.every((height) => height !== null)).toBe(true)
  const deadline = Date.now() + durationMs
  while (Date.now() < deadline) {
    await sleep(intervalMs)
    expect(await heights(cluster, indexes)).toEqual(start)
  }
  return start as number[]
}

/** Waits until each node of `indexes` is connected to exactly the peers (node indexes) given for it. */
export async function waitForPeers(cluster: Cluster, expected: Map<number, number[]>, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    `peers ${[...expected].map(([index, peers]) => `node${index}->[${peers.join(',')}]`).join(' ')}`,
    async () => {
      for (const [index, peers] of expected) {
        let connected: string[]
        try {
          connected = (await quickClient(cluster, index).status()).peers
        } catch {
          return false
        }
        const want = peers.map((peer) => cluster.peerId(peer)).sort()
        if (JSON.stringify([...connected].sort()) !== JSON.stringify(want)) return false
      }
      return true
    },
    timeoutMs,
  )
}

/**
 * The checks after every scenario, with the load sent to every node again: the chain still commits the load's
 * transactions, every node is at the top height, no fork, every committed transaction is still committed at the
 * same height everywhere, and no node gave the load an answer it must never give.
 */
export async function expectHealthy(fault: FaultCluster, load: TransferLoad, indexes = [0, 1, 2, 3]): Promise<void> {
  load.targets = indexes
  await load.committedMore(5)
  const top = await maxHeight(fault.cluster, indexes)
  await expectHeight(fault.cluster, indexes, top)
  await expectNoFork(fault.cluster, indexes, load.blockHashes)
  await expectCommittedEverywhere(fault.cluster, indexes, load.committed)
  expect(load.errors).toEqual([])
}
