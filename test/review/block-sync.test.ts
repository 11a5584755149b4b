// Block sync against peers and an application that fail.
import { afterAll, describe, expect, it } from 'vitest'
import { encodeCertificate, hashHex, type SyncRequest, type SyncResponse } from '../../client/wire.ts'
import type { ConsensusApplication } from '../../consensus/driver.ts'
import { BlockSync } from '../../node/sync/block-sync.ts'
import { certificateFor, cleanup, makeDriver, ManualClock, recordingLogger } from './helpers.ts'

afterAll(cleanup)

const block = new TextEncoder().encode('a block')
const blockHashHex = hashHex(block)

/** An application whose processProposal fails (a storage error, a broken ledger invariant, ...). */
class FailingApp implements ConsensusApplication {
  calls = 0
  latestHeight(): number {
    return 0
  }
  async prepareProposal(): Promise<{ block: Uint8Array; blockHash: string }> {
    throw new Error('not a proposer')
  }
  async processProposal(): Promise<{ valid: true; blockHash: string }> {
    this.calls += 1
    throw new Error('LevelDB: IO error')
  }
  async commit(): Promise<void> {}
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still pending'> =>
  Promise.race([promise, new Promise<'still pending'>((resolve) => setTimeout(() => resolve('still pending'), ms))])

describe('block sync', () => {
  it('applySyncedBlock settles (false) when the application throws', async () => {
    const driver = makeDriver(new FailingApp(), null, new ManualClock())
    await driver.start()
    const certificate = certificateFor(1, 0, blockHashHex, [0, 1, 2])
    expect(await within(driver.applySyncedBlock(1, block, certificate), 1_000)).toBe(false)
    driver.stop()
  })

  it('keeps syncing after one failed block: a later tick asks the peers again', async () => {
    const app = new FailingApp()
    const driver = makeDriver(app, null, new ManualClock())
    await driver.start()
    const requests: SyncRequest[] = []
    const peers = {
      connectedPeers: () => ['peer1'],
      requestBlocks: async (_peer: string, request: SyncRequest): Promise<SyncResponse> => {
        requests.push(request)
        return { latestHeight: 5, blocks: [{ block, certificate: encodeCertificate(certificateFor(1, 0, blockHashHex, [0, 1, 2])) }] }
      },
    }
    const sync = new BlockSync(driver, peers, () => app.latestHeight(), recordingLogger)
    void sync.tick()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await within(sync.tick(), 1_000)
    expect(requests.length).toBeGreaterThanOrEqual(2)
    driver.stop()
  })
})

describe('certificates from block sync', () => {
  it('stores only verified signatures: a duplicate entry with a junk signature is not kept', async () => {
    const { openApp, consensusApp, emptyBlock, genesis, validatorKeys } = await import('./helpers.ts')
    const { decodeCertificate, voteSignBytes } = await import('../../client/wire.ts')
    const { verifySignature } = await import('../../node/crypto/verify.ts')
    const app = await openApp()
    const driver = makeDriver(consensusApp(app), null, new ManualClock())
    await driver.start()
    const built = emptyBlock(app, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    const certificate = certificateFor(1, 0, built.hash, [0, 1, 2])
    certificate.signatures.push({ validatorIndex: 1, signature: new Uint8Array(64).fill(7) })
    expect(driver.verifyCertificate(certificate)).toBe(true)
    expect(await driver.applySyncedBlock(1, built.bytes, certificate)).toBe(true)
    const stored = decodeCertificate((await app.store.getCertificate(1)) as Uint8Array)
    const message = voteSignBytes('review-test', { type: 'precommit', height: 1, round: 0, blockHash: stored.blockHash })
    for (const entry of stored.signatures) expect(verifySignature(entry.signature, message, validatorKeys[entry.validatorIndex] as Uint8Array)).toBe(true)
    driver.stop()
  })
})

describe('catching up', () => {
  // Catching up follows each connected peer's latest answer, not a running maximum.
  it('one peer that once claimed a huge height does not make the node report catching up forever', async () => {
    const driver = makeDriver(new FailingApp(), null, new ManualClock())
    let claimed = 1_000_000_000
    const peers = {
      connectedPeers: () => ['liar'],
      requestBlocks: async (): Promise<SyncResponse> => ({ latestHeight: claimed, blocks: [] }),
    }
    const sync = new BlockSync(driver, peers, () => 0, recordingLogger)
    await sync.tick()
    expect(sync.catchingUp).toBe(true)
    claimed = 0
    await sync.tick()
    expect(sync.catchingUp).toBe(false)
  })
})
