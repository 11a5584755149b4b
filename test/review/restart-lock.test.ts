// What a validator must remember across kill -9: what it signed (one record per height, round and step) and the
// consensus state (lockedValue/lockedRound, the round it reached), saved together before a signed message leaves
// the process and restored with outputsAfterRestore on start. Without the state, a restarted validator that had
// precommitted (locked on) B in round 0 would forget the lock and prevote a different value C in round 1: the
// amnesia that, with f Byzantine validators, lets two values be decided at one height.
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex, decodeConsensusMessage, type ConsensusMessage } from '../../client/wire.ts'
import { cleanup, consensusApp, emptyBlock, genesis, makeDriver, ManualClock, MemorySignerStore, openApp, proposalMessage, settle, validatorKeys, voteMessage } from './helpers.ts'

afterAll(cleanup)

function prevoteOf(sent: ConsensusMessage[], round: number): string | null | undefined {
  const message = sent.find((entry) => entry.type === 'vote' && entry.vote.type === 'prevote' && entry.vote.round === round)
  if (message === undefined || message.type !== 'vote') return undefined
  return message.vote.blockHash === null ? null : bytesToHex(message.vote.blockHash)
}

async function lockOnBThenSeeC(restart: boolean): Promise<string | null | undefined> {
  const app = await openApp()
  const signerStore = new MemorySignerStore()
  const sent: ConsensusMessage[] = []
  const publish = (bytes: Uint8Array): void => void sent.push(decodeConsensusMessage(bytes))
  const b = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
  const c = emptyBlock(app, genesis.genesisTimeMs + 2_000, validatorKeys[2] as Uint8Array)
  let driver = makeDriver(consensusApp(app), 0, new ManualClock(), publish, signerStore)
  await driver.start()
  await settle([driver])
  driver.receive(proposalMessage(1, 0, -1, b.bytes, b.hash, 1))
  for (const index of [1, 2]) driver.receive(voteMessage('prevote', 1, 0, b.hash, index))
  await settle([driver])
  // Locked: validator 0 precommitted B in round 0.
  const precommit = sent.find((entry) => entry.type === 'vote' && entry.vote.type === 'precommit' && entry.vote.round === 0)
  expect(precommit?.type === 'vote' && precommit.vote.blockHash !== null ? bytesToHex(precommit.vote.blockHash) : null).toBe(b.hash)
  if (restart) {
    driver.stop()
    driver = makeDriver(consensusApp(app), 0, new ManualClock(), publish, signerStore)
    await driver.start()
    await settle([driver])
  }
  sent.length = 0
  // Round 1: its proposer (2) proposes a fresh value C; validator 3 prevotes it, so validator 0 moves to round 1.
  driver.receive(proposalMessage(1, 1, -1, c.bytes, c.hash, 2))
  driver.receive(voteMessage('prevote', 1, 1, c.hash, 3))
  await settle([driver])
  driver.stop()
  return prevoteOf(sent, 1)
}

describe('a restarted validator', () => {
  it('without a restart, a validator locked on B prevotes nil on a fresh C in a later round (line 23)', async () => {
    expect(await lockOnBThenSeeC(false)).toBeNull()
  })

  // The driver persists the core state with its signer records and restores it on start.
  it('after a restart, it still honours its lock on B', async () => {
    expect(await lockOnBThenSeeC(true)).toBeNull()
  })
})
