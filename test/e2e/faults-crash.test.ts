// Crash faults with four real node processes under a client load: kill -9 and restart, kill -9 at arbitrary
// moments repeatedly, a crash right after a block's batch is written, a torn LevelDB log, and all four killed at
// once. After each: no fork, no committed transaction lost, the node catches up.
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CRASH_AT_HEIGHT_ENV } from '../../node/storage/store.ts'
import {
  TransferLoad,
  expectHealthy as checkHealthy,
  expectCommittedEverywhere,
  expectHeight,
  expectNoFork,
  heightOf,
  maxHeight,
  quickClient,
  sleep,
  startFaultCluster,
  waitUntil,
  type FaultCluster,
} from './faults-helpers.ts'

const ALL = [0, 1, 2, 3]
const others = (index: number): number[] => ALL.filter((other) => other !== index)

/** A small deterministic PRNG (mulberry32), so a failing run's kill moments can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** JSON log lines of a node (pino), oldest first. */
function logLines(fault: FaultCluster, index: number): { msg?: string; height?: number }[] {
  return readFileSync((fault.cluster.nodes[index] as FaultCluster['cluster']['nodes'][number]).logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; height?: number })
}

const committedHeights = (fault: FaultCluster, index: number): number[] => logLines(fault, index).filter((line) => line.msg === 'block committed').map((line) => line.height as number)
const stateLoaded = (fault: FaultCluster, index: number): { height?: number }[] => logLines(fault, index).filter((line) => line.msg === 'state loaded')

/** The newest LevelDB write-ahead log (NNNNNN.log) of a node's data folder. */
function newestLevelLog(fault: FaultCluster, index: number): string {
  const data = fault.cluster.dataPath(index)
  const logs = readdirSync(data)
    .filter((name) => /^\d+\.log$/.test(name))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
  const newest = logs.at(-1)
  if (newest === undefined) throw new Error(`no *.log in ${data}`)
  return join(data, newest)
}

describe('crash faults of real node processes under load', { timeout: 120_000 }, () => {
  let fault: FaultCluster
  let load: TransferLoad

  beforeAll(async () => {
    fault = await startFaultCluster('faults-crash')
    load = new TransferLoad(fault, 2)
    load.start()
    await load.committedMore(10)
  }, 90_000)

  afterAll(async () => {
    await load?.stop()
    await fault?.dispose()
  })

  const expectHealthy = (): Promise<void> => checkHealthy(fault, load)

  it('kill -9 of a validator under load: the other three keep committing, it restarts and catches up', async () => {
    await fault.cluster.killAndWait(3)
    load.targets = others(3)
    const before = await maxHeight(fault.cluster, others(3))
    await expectHeight(fault.cluster, others(3), before + 3)
    await load.committedMore(10)
    expect(await heightOf(fault.cluster, 3)).toBeNull()
    fault.cluster.start(3)
    await expectHeight(fault.cluster, [3], await maxHeight(fault.cluster, others(3)))
    await expectHealthy()
  })

  it('kill -9 at arbitrary moments, again and again: each restarted node resumes and catches up', async () => {
    const seed = Date.now() >>> 0
    const random = prng(seed)
    const moments: string[] = []
    const before = await maxHeight(fault.cluster, ALL)
    let previous: number | null = null
    for (let round = 0; round < 3; round += 1) {
      const victim = round % 4
      // One node down at a time: the previous victim serves again before the next one is killed.
      if (previous !== null) await waitUntil(`node${previous} to serve again`, async () => (await heightOf(fault.cluster, previous as number)) !== null)
      const delayMs = Math.floor(random() * 1_500)
      moments.push(`node${victim} after ${delayMs} ms`)
      await sleep(delayMs) // the kill moment is arbitrary on purpose: not an assertion
      await fault.cluster.restart(victim)
      previous = victim
    }
    await expectHeight(fault.cluster, ALL, before + 3).catch((error: Error) => {
      throw new Error(`${error.message} (seed ${seed}: ${moments.join(', ')})`)
    })
    await expectHealthy()
  })

  it('a crash right after block H is written (test crash point): the node restarts at exactly H', async () => {
    const victim = 2
    const crashAt = (await maxHeight(fault.cluster, ALL)) + 3
    await fault.cluster.killAndWait(victim)
    fault.cluster.start(victim, { env: { [CRASH_AT_HEIGHT_ENV]: String(crashAt) } })
    expect(await fault.cluster.exited(victim)).toBe('SIGKILL')
    // The process died inside the commit of H: nothing after the write ran (not even the log line of H).
    expect(committedHeights(fault, victim).at(-1)).toBe(crashAt - 1)
    const loadsBefore = stateLoaded(fault, victim).length
    fault.cluster.start(victim)
    await waitUntil('the restarted node to load its state', () => stateLoaded(fault, victim).length > loadsBefore)
    expect(stateLoaded(fault, victim).at(-1)?.height).toBe(crashAt)
    await expectHealthy()
  })

  it('a torn write (kill -9, then the newest LevelDB log cut in half, mid-record): the node opens at a consistent height and catches up', async () => {
    const victim = 1
    // Let the node write a few blocks into its current log first.
    const start = (await heightOf(fault.cluster, victim)) as number
    await expectHeight(fault.cluster, [victim], start + 3)
    await fault.cluster.killAndWait(victim)
    const lastCommitted = committedHeights(fault, victim).at(-1) as number
    const log = newestLevelLog(fault, victim)
    const size = statSync(log).size
    expect(size).toBeGreaterThan(1)
    truncateSync(log, size - Math.floor(size / 2))
    const loadsBefore = stateLoaded(fault, victim).length
    fault.cluster.start(victim)
    // It opens (a refused open would exit the process) and serves its state.
    await waitUntil('the node with the torn log to answer', async () => (await heightOf(fault.cluster, victim)) !== null, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${fault.cluster.logTail(victim)}`)
    })
    const reopenedAt = stateLoaded(fault, victim).slice(loadsBefore).at(0)?.height
    expect(reopenedAt).toBeGreaterThanOrEqual(1)
    // The cut really removed committed blocks: LevelDB drops a torn log tail silently and opens at an older state.
    expect(reopenedAt).toBeLessThan(lastCommitted)
    // Consistent at whatever height it reopened: its app hash is the one every other node has there.
    await expectNoFork(fault.cluster, ALL, load.blockHashes)
    await expectHeight(fault.cluster, [victim], await maxHeight(fault.cluster, others(victim)))
    await expectHealthy()
  })

  it('all four killed at once and restarted: the chain resumes from disk with every committed transaction', async () => {
    const committedBefore = new Map(load.committed)
    const before = await maxHeight(fault.cluster, ALL)
    await fault.cluster.restartAll()
    await expectHeight(fault.cluster, ALL, before + 2, 60_000)
    for (const index of ALL) {
      const status = await quickClient(fault.cluster, index).status()
      expect(status.height).toBeGreaterThanOrEqual(before)
    }
    await expectCommittedEverywhere(fault.cluster, ALL, committedBefore)
    await expectHealthy()
  })
})
