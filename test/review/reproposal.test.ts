// A block re-proposed in a later round (Tendermint line 16: the new proposer proposes validValue with its polRound)
// keeps the header of the round it was first proposed in, so header.proposer is the proposer of THAT round, not of
// the round that decides it. The application checks header.proposer against the proposer of the current (or the
// certificate's) round, so such a block is refused by every node that did not cache its first proposal:
//  - block sync can never apply it (the syncing node is stuck at that height forever);
//  - a validator that missed the first proposal prevotes nil on the re-proposal.
import { afterAll, describe, expect, it } from 'vitest'
import { decodeConsensusMessage, bytesToHex } from '../../client/wire.ts'
import { cleanup, certificateFor, consensusApp, emptyBlock, genesis, makeDriver, ManualClock, openApp, proposalMessage, settle, validatorKeys, voteMessage } from './helpers.ts'

afterAll(cleanup)

describe('re-proposed blocks', () => {
  it('block sync applies a block decided in round 1 that the proposer of round 0 built', async () => {
    const app = await openApp()
    const driver = makeDriver(consensusApp(app), null, new ManualClock())
    await driver.start()
    // Built in round 0 of height 1, whose proposer is (1 + 0) mod 4 = 1; decided in round 1 (proposer 2).
    const block = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    const certificate = certificateFor(1, 1, block.hash, [0, 2, 3])
    expect(driver.verifyCertificate(certificate)).toBe(true)
    const applied = await driver.applySyncedBlock(1, block.bytes, certificate)
    expect(applied).toBe(true)
    expect(app.latest.height).toBe(1)
    driver.stop()
  })

  it('a validator that missed the round-0 proposal prevotes the re-proposal of round 1 (line 28)', async () => {
    const app = await openApp()
    const sent: ReturnType<typeof decodeConsensusMessage>[] = []
    const driver = makeDriver(consensusApp(app), 0, new ManualClock(), (bytes) => sent.push(decodeConsensusMessage(bytes)))
    await driver.start()
    await settle([driver])
    const block = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    // A polka for the block in round 0 (validators 1, 2, 3); validator 0 never saw the round-0 proposal.
    for (const index of [1, 2, 3]) expect(driver.receive(voteMessage('prevote', 1, 0, block.hash, index))).toBe('accept')
    // Round 1: proposer 2 re-proposes it with polRound 0; validator 3 already prevoted it in round 1.
    expect(driver.receive(proposalMessage(1, 1, 0, block.bytes, block.hash, 2))).toBe('accept')
    expect(driver.receive(voteMessage('prevote', 1, 1, block.hash, 3))).toBe('accept')
    await settle([driver])
    const prevote = sent.find((message) => message.type === 'vote' && message.vote.type === 'prevote' && message.vote.round === 1)
    expect(prevote).toBeDefined()
    const value = prevote?.type === 'vote' && prevote.vote.blockHash !== null ? bytesToHex(prevote.vote.blockHash) : null
    expect(value).toBe(block.hash)
    driver.stop()
  })
})
