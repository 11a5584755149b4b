import { describe, it } from 'vitest'
import { CI_SEEDS_4_VALIDATORS, expectSeedsPass, timeoutFor } from './seeds.ts'

const count = CI_SEEDS_4_VALIDATORS / 2
const from = 1 + count

describe('deterministic simulation, 4 validators (f = 1)', () => {
  it(`seeds ${from}..${from + count - 1}: agreement, identical states, liveness after stabilisation, ledger invariants, every client transaction committed once`, async () => {
    await expectSeedsPass(4, from, count)
  }, timeoutFor(4, count))
})
