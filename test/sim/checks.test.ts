// The simulation itself: one seed gives one run, the Byzantine behaviours do what they claim (honest validators
// see their effects and stay safe and live), and the checks catch what they are meant to catch.
import { describe, expect, it } from 'vitest'
import { TX_KINDS } from '../../client/wire.ts'
import { decode, decodeBlock, decodeSignedTx, decodeTx, encode } from '../../client/wire.ts'
import { keys } from '../../node/ledger/keys.ts'
import { MemoryState } from '../../node/state/view.ts'
import { checkAgreement, checkCash } from './invariants.ts'
import type { Behavior, SimNode } from './node.ts'
import { describeFailure, runSimulation, type SimReport } from './simulation.ts'

function honestWarnings(report: SimReport, message: string): number {
  return report.behaviors.reduce((sum, behavior, index) => (behavior === 'honest' ? sum + (report.warnings[index]?.[message] ?? 0) : sum), 0)
}

describe('simulation determinism', () => {
  it('replays a seed exactly: same commits, fault log, message counts and trace', async () => {
    for (const validators of [4, 7]) {
      const first = await runSimulation({ seed: 11, validators })
      const second = await runSimulation({ seed: 11, validators })
      expect(second.trace).toBe(first.trace)
      expect(second.faultLog).toEqual(first.faultLog)
      expect(second.heights).toEqual(first.heights)
      expect(second.events).toBe(first.events)
    }
  }, 120_000)

  it('different seeds make different runs', async () => {
    const traces = new Set<string>()
    for (const seed of [1, 2, 3]) traces.add((await runSimulation({ seed, validators: 4 })).trace)
    expect(traces.size).toBe(3)
  }, 120_000)
})

describe('the workload', () => {
  it('commits every transaction kind with an OK result, and some with rejections, over a few seeds', async () => {
    const outcomes: Record<string, number> = {}
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const report = await runSimulation({ seed, validators: 4 })
      for (const [key, count] of Object.entries(report.outcomes)) outcomes[key] = (outcomes[key] ?? 0) + count
    }
    // Every kind of client/wire.ts TX_KINDS: a new kind must join the workload (test/sim/workload.ts) to pass.
    const kinds = [...TX_KINDS]
    for (const kind of kinds) expect(outcomes[`${kind} OK`] ?? 0, `${kind} OK in ${JSON.stringify(outcomes)}`).toBeGreaterThan(0)
    expect(Object.keys(outcomes).filter((key) => !key.endsWith(' OK')).length).toBeGreaterThan(3)
    // Offtake agreements delivered on issuance, defaulted at their due date and cancelled by both parties.
    for (const status of ['delivered', 'defaulted', 'cancelled']) expect(outcomes[`offtake status ${status}`] ?? 0, `offtake status ${status} in ${JSON.stringify(outcomes)}`).toBeGreaterThan(0)
  }, 240_000)
})

describe('each Byzantine behaviour, alone among 3 honest validators', () => {
  const run = (behavior: Behavior, seed = 5): Promise<SimReport> => runSimulation({ seed, validators: 4, behaviors: [behavior, 'honest', 'honest', 'honest'] })

  it('a double voter: honest validators see its equivocations and stay safe and live', async () => {
    const report = await run('doubleVoter')
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(honestWarnings(report, 'equivocation observed')).toBeGreaterThan(0)
    expect(report.evidenceCommitted).toBeGreaterThan(0)
  }, 60_000)

  it('a proposer of invalid blocks: honest validators judge its proposals invalid and never commit them', async () => {
    const report = await run('invalidProposer')
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(honestWarnings(report, 'invalid proposal')).toBeGreaterThan(0)
  }, 60_000)

  it('a validator sending malformed and forged messages: they are rejected, and nothing else changes', async () => {
    const report = await run('malformed')
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(report.rejected.slice(1).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(10)
  }, 60_000)

  it('a silent validator: the three others commit without it', async () => {
    const report = await run('silent')
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(report.heights[0]).toBe(0)
    expect(Math.min(...report.heights.slice(1))).toBeGreaterThan(5)
  }, 60_000)

  it('an equivocating proposer: honest validators see both proposals, commit the evidence, and stay safe and live', async () => {
    const report = await run('equivocatingProposer')
    expect(report.violations, describeFailure(report)).toEqual([])
    expect(honestWarnings(report, 'equivocation observed')).toBeGreaterThan(0)
    expect(report.evidenceCommitted).toBeGreaterThan(0)
  }, 60_000)
})

describe('the checks catch violations', () => {
  it('more than f silent validators (2 of 4): no commits, reported as a liveness failure, never as a fork', async () => {
    const report = await runSimulation({ seed: 3, validators: 4, behaviors: ['silent', 'silent', 'honest', 'honest'], allowMoreThanF: true })
    expect(report.heights).toEqual([0, 0, 0, 0])
    expect(report.violations.filter((violation) => violation.startsWith('liveness'))).toHaveLength(2)
    expect(report.violations.some((violation) => /fork|app hash differs/.test(violation))).toBe(false)
    expect(describeFailure(report)).toMatch(/npm run sim -- --seed 3 --validators 4/)
  }, 60_000)

  it('a fork or a differing app hash between two nodes is reported with its height', () => {
    const node = (index: number, commits: [number, string, string][]): SimNode =>
      ({ index, conflicts: [], commits: new Map(commits.map(([height, blockHash, appHash]) => [height, { blockHash, appHash }])) }) as unknown as SimNode
    expect(checkAgreement([node(0, [[1, 'aa', '11']]), node(1, [[1, 'aa', '11']])])).toEqual([])
    expect(checkAgreement([node(0, [[1, 'aa', '11'], [2, 'bb', '22']]), node(1, [[1, 'aa', '11'], [2, 'cc', '22']])])[0]).toMatch(/fork at height 2/)
    expect(checkAgreement([node(0, [[1, 'aa', '11']]), node(1, [[1, 'aa', '12']])])[0]).toMatch(/app hash differs at height 1/)
  })

  it('the cash check reports a supply that is not the sum of the balances, a wrong holder count, and bad balances', async () => {
    const [a, b] = ['aa'.repeat(32), 'bb'.repeat(32)]
    const state = (entries: [string, unknown][]): MemoryState => {
      const memory = new MemoryState()
      memory.apply(entries.map(([key, value]) => [key, encode(value)]))
      return memory
    }
    const supply = (value: number, holders: number) => [keys.cashSupply('USD'), { currency: 'USD', supply: value, holders }] as [string, unknown]
    expect(await checkCash(state([[keys.balance(a, 'USD'), 70], [keys.balance(b, 'USD'), 30], supply(100, 2)]))).toEqual([])
    expect(await checkCash(state([[keys.balance(a, 'USD'), 70], [keys.balance(b, 'USD'), 30], supply(101, 2)]))).toEqual(['supply of USD is 101, its balances sum to 100'])
    expect(await checkCash(state([[keys.balance(a, 'USD'), 100], supply(100, 2)]))).toEqual(['USD has 2 holders on record, 1 balances'])
    expect((await checkCash(state([[keys.balance(a, 'USD'), -5], supply(0, 0)])))[0]).toMatch(/not a positive integer/)
    expect((await checkCash(state([[keys.balance(a, 'USD'), 0.5], supply(0, 0)])))[0]).toMatch(/not a positive integer/)
    expect(await checkCash(state([[keys.balance(a, 'EUR'), 5]]))).toEqual(['balances of EUR, which has no supply record'])
    // Offtake escrow is part of the supply.
    expect(await checkCash(state([[keys.balance(a, 'USD'), 70], [keys.cashEscrow('USD'), 30], supply(100, 1)]))).toEqual([])
    expect(await checkCash(state([[keys.balance(a, 'USD'), 70], [keys.cashEscrow('USD'), 20], supply(100, 1)]))).toEqual(['supply of USD is 100, its balances sum to 70 and 20 is in escrow'])
    expect(await checkCash(state([[keys.cashEscrow('EUR'), 20]]))).toEqual(['escrow of EUR, which has no supply record'])
  })
})

describe('the workload moves cash', () => {
  it('the bank mints, holders pay, the bank burns, some of it is rejected, and the cash check holds', async () => {
    let last: readonly SimNode[] = []
    const report = await runSimulation({ seed: 4, validators: 4, observe: (_elapsed, nodes) => void (last = nodes) })
    expect(report.violations, describeFailure(report)).toEqual([])
    const node = last.find((candidate) => candidate.honest && candidate.store !== null) as SimNode
    const store = node.store as NonNullable<SimNode['store']>
    const outcomes = new Set<string>()
    for (let height = 1; height <= node.height; height += 1) {
      const block = decodeBlock((await store.getBlock(height)) as Uint8Array)
      const results = decode((await store.getResults(height)) as Uint8Array) as { name: string }[]
      block.txs.forEach((bytes, index) => {
        const kind = decodeTx(decodeSignedTx(bytes).txBytes).kind
        if (kind.startsWith('cash.')) outcomes.add(`${kind} ${results[index]?.name}`)
      })
    }
    for (const outcome of ['cash.mint OK', 'cash.mint WRONG_ROLE', 'cash.transfer OK', 'cash.transfer INSUFFICIENT_FUNDS', 'cash.burn OK', 'cash.burn INSUFFICIENT_FUNDS']) expect(outcomes).toContain(outcome)
    expect(await checkCash(store.state)).toEqual([])
  }, 60_000)
})
