import { describe, it } from 'vitest'
import { CI_SEEDS_7_VALIDATORS, expectSeedsPass, timeoutFor } from './seeds.ts'

const count = CI_SEEDS_7_VALIDATORS / 2
const from = 1

describe('deterministic simulation, 7 validators (f = 2)', () => {
  it(`seeds ${from}..${from + count - 1}: agreement, identical states, liveness after stabilisation, ledger invariants, every client transaction committed once`, async () => {
    await expectSeedsPass(7, from, count)
  }, timeoutFor(7, count))
})
