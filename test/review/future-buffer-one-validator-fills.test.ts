// The driver keeps messages for the next heights (FUTURE_MESSAGES_MAX, FUTURE_MESSAGES_BYTES_MAX) in one buffer
// shared by all validators. A single Byzantine validator can sign as many votes as it likes for heights up to
// FUTURE_HEIGHTS_AHEAD_MAX ahead (any round, any value), fill it, and keep it full (entries above the current height
// stay when a height starts). Honest proposals and votes for the next height that reach a validator still finishing
// the current one (during timeoutCommit, or while it commits) are then dropped, and wait for the next rebroadcast.
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex, decodeConsensusMessage, type ConsensusMessage } from '../../client/wire.ts'
import { FUTURE_HEIGHTS_AHEAD_MAX, FUTURE_MESSAGES_MAX } from '../../consensus/driver.ts'
import { cleanup, consensusApp, emptyBlock, genesis, makeDriver, ManualClock, openApp, proposalMessage, settle, validatorKeys, voteMessage } from './helpers.ts'

afterAll(cleanup)

describe('the future-message buffer', () => {
  it("keeps an honest proposal for the next height when one validator floods it with its own votes", async () => {
    const app = await openApp()
    // Another node's copy of the chain, to build the honest block of height 2 on top of block 1.
    const other = await openApp()
    const clock = new ManualClock()
    const sent: ConsensusMessage[] = []
    const driver = makeDriver(consensusApp(app), 0, clock, (bytes) => sent.push(decodeConsensusMessage(bytes)))
    await driver.start()
    await settle([driver])

    const b1 = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    const processed = await other.processProposal(b1.bytes, validatorKeys[1] as Uint8Array, null)
    expect(processed.valid).toBe(true)
    await other.commit(b1.hash, new Uint8Array(0))
    const b2 = emptyBlock(other, genesis.genesisTimeMs + 2_000, validatorKeys[2] as Uint8Array)

    // Validator 3 (Byzantine) fills the buffer with prevotes for the farthest height it may.
    const far = 1 + FUTURE_HEIGHTS_AHEAD_MAX
    for (let round = 0; round < FUTURE_MESSAGES_MAX; round += 1) driver.receive(voteMessage('prevote', far, round, null, 3))
    await settle([driver])

    // Height 2's honest proposer (validator 2) proposes before this validator has committed height 1.
    expect(driver.receive(proposalMessage(2, 0, -1, b2.bytes, b2.hash, 2))).toBe('accept')
    await settle([driver])

    // Height 1 completes.
    driver.receive(proposalMessage(1, 0, -1, b1.bytes, b1.hash, 1))
    for (const index of [1, 2, 3]) driver.receive(voteMessage('prevote', 1, 0, b1.hash, index))
    for (const index of [1, 2, 3]) driver.receive(voteMessage('precommit', 1, 0, b1.hash, index))
    await settle([driver])
    expect(app.latest.height).toBe(1)
    clock.fireNext() // timeoutCommit: height 2 starts
    await settle([driver])
    expect(driver.height).toBe(2)
    const prevote = sent.find((message) => message.type === 'vote' && message.vote.height === 2 && message.vote.type === 'prevote')
    expect(prevote?.type === 'vote' && prevote.vote.blockHash !== null ? bytesToHex(prevote.vote.blockHash) : null).toBe(b2.hash)
    driver.stop()
  }, 60_000)
})
