// Found by the deterministic simulation (test/sim): a validator that restarted in the middle of a height gets its
// core state back from disk, with the proposal it had judged valid, but not the block's bytes (memory only). When
// the precommits for that block arrive, the core decides it; committing then failed with "commit of block ... that
// was never processed" and the height stalled for this validator. Now the driver leaves the decided height to
// block sync, which fetches the block with its certificate from the peers that committed it.
import { afterAll, describe, expect, it } from 'vitest'
import { Application } from '../../node/app/application.ts'
import { certificateFor, cleanup, consensusApp, emptyBlock, genesis, logs, makeDriver, ManualClock, MemorySignerStore, openApp, proposalMessage, settle, validatorKeys, voteMessage } from './helpers.ts'

afterAll(cleanup)

describe('a validator restarted after it saw the proposal', () => {
  it('decides without the block bytes, logs no error, and commits the block that block sync brings', async () => {
    const before = await openApp()
    const signerStore = new MemorySignerStore()
    const b = emptyBlock(before, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    let driver = makeDriver(consensusApp(before), 0, new ManualClock(), () => undefined, signerStore)
    await driver.start()
    await settle([driver])
    driver.receive(proposalMessage(1, 0, -1, b.bytes, b.hash, 1))
    for (const index of [1, 2]) driver.receive(voteMessage('prevote', 1, 0, b.hash, index))
    await settle([driver])
    expect(signerStore.records.some((record) => record.step === 3 && record.value === b.hash)).toBe(true)

    // kill -9: a new process opens the same database; nothing in memory survives. The signer record keeps the bytes
    // of blocks this validator voted for; drop them to stand for a block it did not vote for (or an older record).
    driver.stop()
    signerStore.blocks = []
    const after = await Application.open(genesis, before.store)
    driver = makeDriver(consensusApp(after), 0, new ManualClock(), () => undefined, signerStore)
    logs.length = 0
    await driver.start()
    await settle([driver])
    for (const index of [1, 2]) driver.receive(voteMessage('precommit', 1, 0, b.hash, index))
    await settle([driver])
    expect(logs.filter((entry) => entry.level === 'error')).toEqual([])
    expect(logs.some((entry) => entry.level === 'warn' && /block sync will fetch it/.test(entry.message ?? ''))).toBe(true)
    expect(after.latest.height).toBe(0)

    const applied = await driver.applySyncedBlock(1, b.bytes, certificateFor(1, 0, b.hash, [0, 1, 2]))
    expect(applied).toBe(true)
    expect(after.latest.height).toBe(1)
    expect(driver.height).toBe(2)
    driver.stop()
  })

  it('commits by itself the block it precommitted: the signer record keeps its bytes', async () => {
    const before = await openApp()
    const signerStore = new MemorySignerStore()
    const b = emptyBlock(before, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    let driver = makeDriver(consensusApp(before), 0, new ManualClock(), () => undefined, signerStore)
    await driver.start()
    await settle([driver])
    driver.receive(proposalMessage(1, 0, -1, b.bytes, b.hash, 1))
    for (const index of [1, 2]) driver.receive(voteMessage('prevote', 1, 0, b.hash, index))
    await settle([driver])
    expect(signerStore.blocks.map((entry) => entry.hash)).toEqual([b.hash])

    driver.stop()
    const after = await Application.open(genesis, before.store)
    driver = makeDriver(consensusApp(after), 0, new ManualClock(), () => undefined, signerStore)
    logs.length = 0
    await driver.start()
    await settle([driver])
    for (const index of [1, 2]) driver.receive(voteMessage('precommit', 1, 0, b.hash, index))
    await settle([driver])
    expect(logs.filter((entry) => entry.level === 'error')).toEqual([])
    expect(after.latest.height).toBe(1)
    driver.stop()
  })
})
