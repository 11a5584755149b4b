// The seeds CI runs (npm test); `npm run sim -- --seeds 10000` runs more. Each file of test/sim runs one slice so
// that vitest spreads them over the machine's cores.
import { describe, expect, it } from 'vitest'
import { describeFailure, runSimulation } from './simulation.ts'

export const CI_SEEDS_4_VALIDATORS = 150
export const CI_SEEDS_7_VALIDATORS = 50

/** Runs seeds [from, from + count) and fails with every failing seed's description and replay command. */
export async function expectSeedsPass(validators: number, from: number, count: number): Promise<void> {
  const failures: string[] = []
  for (let seed = from; seed < from + count; seed += 1) {
    const report = await runSimulation({ seed, validators })
    if (report.violations.length > 0) failures.push(describeFailure(report))
  }
  expect(failures, failures.join('\n\n')).toEqual([])
}

/** A test timeout for `count` runs of `validators` validators, generous for a loaded 2-core machine. */
export function timeoutFor(validators: number, count: number): number {
  return count * (validators === 4 ? 4_000 : 10_000) + 30_000
}

/** Declares the test of one slice (`slice` of `slices`) of the CI seeds for `validators` validators. */
export function describeSeedSlice(validators: 4 | 7, slice: number, slices: number): void {
  const total = validators === 4 ? CI_SEEDS_4_VALIDATORS : CI_SEEDS_7_VALIDATORS
  const count = Math.ceil(total / slices)
  const from = 1 + slice * count
  const last = Math.min(total, from + count - 1)
  describe(`deterministic simulation, ${validators} validators (f = ${Math.floor((validators - 1) / 3)})`, () => {
    it(`seeds ${from}..${last}: agreement, identical states, liveness after stabilisation, ledger invariants, every client transaction committed once`, async () => {
      await expectSeedsPass(validators, from, last - from + 1)
    }, timeoutFor(validators, last - from + 1))
  })
}
