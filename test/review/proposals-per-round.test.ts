// An equivocating proposer can sign any number of different blocks for one round. The driver executes at most
// PROPOSAL_VALUES_PER_ROUND_MAX of them per (height, round) and ignores the rest unexecuted, so one Byzantine
// proposer cannot make every validator execute blocks without bound; the first one still counts.
import { afterAll, describe, expect, it } from 'vitest'
import { PROPOSAL_VALUES_PER_ROUND_MAX, type ConsensusApplication } from '../../consensus/driver.ts'
import { cleanup, consensusApp, emptyBlock, genesis, makeDriver, ManualClock, openApp, proposalMessage, settle, validatorKeys } from './helpers.ts'

afterAll(cleanup)

describe('conflicting proposals of one round', () => {
  it(`are executed at most PROPOSAL_VALUES_PER_ROUND_MAX (${PROPOSAL_VALUES_PER_ROUND_MAX}) times; the first ones are the ones executed`, async () => {
    const app = await openApp()
    const executed: string[] = []
    const inner = consensusApp(app)
    const counting: ConsensusApplication = {
      ...inner,
      processProposal: async (block, proposer, nowMs, expected) => {
        executed.push(expected ?? '')
        return inner.processProposal(block, proposer, nowMs, expected)
      },
    }
    const driver = makeDriver(counting, 0, new ManualClock())
    await driver.start()
    await settle([driver])
    // Height 1, round 0: the proposer is validator 1; it signs 10 different valid blocks.
    const blocks = Array.from({ length: 10 }, (_, index) => emptyBlock(app, genesis.genesisTimeMs + 1_000 + index, validatorKeys[1] as Uint8Array))
    for (const block of blocks) driver.receive(proposalMessage(1, 0, -1, block.bytes, block.hash, 1))
    // The same first block again is not a new value: it does not use up the budget.
    driver.receive(proposalMessage(1, 0, -1, blocks[0]!.bytes, blocks[0]!.hash, 1))
    await settle([driver])
    expect(new Set(executed).size).toBe(PROPOSAL_VALUES_PER_ROUND_MAX)
    expect(executed.slice(0, PROPOSAL_VALUES_PER_ROUND_MAX)).toEqual(blocks.slice(0, PROPOSAL_VALUES_PER_ROUND_MAX).map((block) => block.hash))
    driver.stop()
  })
})
