// Proposals as the driver handles them, with a real Application over LevelDB.
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex, decode, decodeBlock, decodeConsensusMessage, decodeSignedTx, encode, encodeSignedTx, type ConsensusMessage } from '../../client/wire.ts'
import { ROUNDS_AHEAD_MAX } from '../../consensus/core.ts'
import { EXECUTION_CACHE_ENTRIES_MAX } from '../../node/app/application.ts'
import { cleanup, consensusApp, emptyBlock, genesis, logs, makeDriver, ManualClock, openApp, proposalMessage, registerProjectTx, settle, validatorKeys, voteMessage } from './helpers.ts'

afterAll(cleanup)

function prevoteOf(sent: ConsensusMessage[], round: number): string | null | undefined {
  const message = sent.find((entry) => entry.type === 'vote' && entry.vote.type === 'prevote' && entry.vote.round === round)
  if (message === undefined || message.type !== 'vote') return undefined
  return message.vote.blockHash === null ? null : bytesToHex(message.vote.blockHash)
}

describe('driver and proposals', () => {
  it('commits a decided block even after more than EXECUTION_CACHE_ENTRIES_MAX other valid proposals were processed', async () => {
    // One Byzantine validator (2, the proposer of rounds 1, 5, 9, ... at height 1) sends valid empty blocks for many
    // future rounds. Each one is executed and cached, evicting the honest round-0 block from the execution cache;
    // when that block is decided, Application.commit throws "never processed", the driver logs it and never starts
    // the next height. Every honest node is in the same state, so nobody has the block: the chain halts.
    logs.length = 0
    const app = await openApp()
    const clock = new ManualClock()
    const driver = makeDriver(consensusApp(app), 0, clock)
    await driver.start()
    await settle([driver])
    const honest = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    expect(driver.receive(proposalMessage(1, 0, -1, honest.bytes, honest.hash, 1))).toBe('accept')
    await settle([driver])
    for (let index = 0; index < EXECUTION_CACHE_ENTRIES_MAX; index += 1) {
      const spam = emptyBlock(app, genesis.genesisTimeMs + 2_000 + index, validatorKeys[2] as Uint8Array)
      expect(driver.receive(proposalMessage(1, 1 + 4 * index, -1, spam.bytes, spam.hash, 2))).toBe('accept')
    }
    await settle([driver])
    for (const index of [1, 2, 3]) driver.receive(voteMessage('precommit', 1, 0, honest.hash, index))
    await settle([driver])
    expect(logs.filter((entry) => entry.level === 'error').map((entry) => JSON.stringify(entry.object).slice(0, 200))).toEqual([])
    expect(app.latest.height).toBe(1)
    expect(bytesToHex(app.latest.blockHash)).toBe(honest.hash)
    // And the next height starts.
    clock.fireNext()
    await settle([driver])
    expect(driver.height).toBe(2)
    driver.stop()
  })

  it('a relayed copy of an honest proposal with other block bytes does not make the validator prevote nil', async () => {
    // The proposal signature covers (height, round, polRound, blockHash) but not the block bytes that travel with it.
    // Any validator can re-publish an honest proposal with garbage bytes; the driver feeds it to the core as an
    // INVALID proposal of the honest value, the genuine copy that follows is a duplicate, and the node prevotes nil
    // (and can never decide that value at line 49 either).
    const app = await openApp()
    const sent: ConsensusMessage[] = []
    const driver = makeDriver(consensusApp(app), 0, new ManualClock(), (bytes) => sent.push(decodeConsensusMessage(bytes)))
    await driver.start()
    await settle([driver])
    const honest = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    expect(driver.receive(proposalMessage(1, 0, -1, new Uint8Array([0x90]), honest.hash, 1))).toBe('accept')
    expect(driver.receive(proposalMessage(1, 0, -1, honest.bytes, honest.hash, 1))).toBe('accept')
    await settle([driver])
    expect(prevoteOf(sent, 0)).toBe(honest.hash)
    driver.stop()
  })

  it('does not execute proposals for rounds the core ignores (beyond ROUNDS_AHEAD_MAX)', async () => {
    const app = await openApp()
    let processed = 0
    const counting = consensusApp(app)
    const processProposal = counting.processProposal
    counting.processProposal = async (...args) => {
      processed += 1
      return processProposal(...args)
    }
    const driver = makeDriver(counting, 0, new ManualClock())
    await driver.start()
    await settle([driver])
    const before = processed
    // Proposer of (1, r) is (1 + r) mod 4; validator 1 for r = ROUNDS_AHEAD_MAX + 4.
    const round = ROUNDS_AHEAD_MAX + 4
    const far = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    expect(driver.receive(proposalMessage(1, round, -1, far.bytes, far.hash, 1))).toBe('accept')
    await settle([driver])
    expect(processed - before).toBe(0)
    driver.stop()
  })

  // txsHash covers each transaction's signed bytes, so a corrupted copy no longer matches the signed block hash.
  it('a relayed copy whose transaction signature was corrupted (same block hash) does not make the validator prevote nil', async () => {
    const builder = await openApp()
    const app = await openApp()
    const tx = registerProjectTx(0)
    expect((await builder.submit(tx.bytes)).ok).toBe(true)
    const prepared = await builder.prepareProposal(1, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    const [headerBytes] = decode(prepared.block) as [Uint8Array, Uint8Array[]]
    const signed = decodeSignedTx(decodeBlock(prepared.block).txs[0] as Uint8Array)
    const forged = new Uint8Array(signed.signature)
    forged[5] = (forged[5] as number) ^ 0x10
    const tampered = encode([headerBytes, [encodeSignedTx({ txBytes: signed.txBytes, signature: forged })]])
    const sent: ConsensusMessage[] = []
    const driver = makeDriver(consensusApp(app), 0, new ManualClock(), (bytes) => sent.push(decodeConsensusMessage(bytes)))
    await driver.start()
    await settle([driver])
    driver.receive(proposalMessage(1, 0, -1, tampered, prepared.blockHash, 1))
    driver.receive(proposalMessage(1, 0, -1, prepared.block, prepared.blockHash, 1))
    await settle([driver])
    expect(prevoteOf(sent, 0)).toBe(prepared.blockHash)
    driver.stop()
  })
})
