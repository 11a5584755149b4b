// Every validator crashes (a power cut, or an operator's `kill -9` of the whole cluster, which the README calls
// safe) after all of them precommitted a block and before any committed it. The restored core states hold the lock
// and the precommits; the block's bytes were only in memory. Nobody committed the block, so block sync has nothing
// to fetch, and no proposer can re-propose the locked value without its bytes: the chain must not halt.
import { describe, expect, it } from 'vitest'
import type { SimNode } from '../sim/node.ts'
import { describeFailure, runSimulation } from '../sim/simulation.ts'

interface DriverInternals {
  signed: { height: number; round: number; step: number; value: string | null }[]
  state: { height: number; decision: unknown }
}

describe('the whole cluster crashes after precommitting, before committing', () => {
  it.each([0, 1_000])('restarts (%i ms later) and keeps committing', async (restartAfterMs) => {
    let crashedAt = -1
    let crashTimeMs = -1
    let restarted = false
    const report = await runSimulation({
      seed: 7,
      validators: 4,
      behaviors: ['honest', 'honest', 'honest', 'honest'],
      unstableMs: 0,
      stableMs: 30_000,
      observe: (elapsedMs, nodes: readonly SimNode[]) => {
        // Messages in flight to the dead processes are gone, as their connections are (test/sim/network.ts).
        if (crashedAt >= 0 && !restarted && elapsedMs >= crashTimeMs + restartAfterMs) {
          restarted = true
          for (const node of nodes) void node.start()
        }
        if (crashedAt >= 0 || !nodes.every((node) => node.isUp() && node.driver !== null)) return
        const height = (nodes[0] as SimNode).height + 1
        if (height < 3) return
        const all = nodes.every((node) => {
          const driver = node.driver as unknown as DriverInternals
          return node.height === height - 1 && driver.state.decision === null && driver.signed.some((record) => record.height === height && record.step === 3 && record.value !== null)
        })
        if (!all) return
        crashedAt = height
        crashTimeMs = elapsedMs
        for (const node of nodes) node.crash()
      },
    })
    expect(crashedAt).toBeGreaterThan(0)
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(Math.min(...report.heights)).toBeGreaterThan(crashedAt + 2)
  }, 120_000)
})

describe('the signer record with block bytes', () => {
  it('round-trips the blocks, and reads a record written before they were kept', async () => {
    const { decodeSignerState, encodeSignerState } = await import('../../consensus/driver.ts')
    const { encode } = await import('../../client/wire.ts')
    const state = { records: [{ height: 3, round: 0, step: 2, value: 'ab'.repeat(32), signature: 'cd'.repeat(64) }], coreState: null, blocks: [{ hash: 'ab'.repeat(32), bytes: new Uint8Array([1, 2, 3]) }] }
    expect(decodeSignerState(encodeSignerState(state))).toEqual(state)
    const legacy = encode([[[3, 0, 2, 'ab'.repeat(32), 'cd'.repeat(64)]], null])
    expect(decodeSignerState(legacy)).toEqual({ ...state, blocks: [] })
  })
})
