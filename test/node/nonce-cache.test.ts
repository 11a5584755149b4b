// The Application's committed-nonce cache (node/app/application.ts): CheckTx, proposals and the mempool's update read
// a sender's next nonce from memory. It must always equal the store's, after commits that change it, for senders
// cached before them. (A store read overlapping a commit is not cached; that interleaving is not forced here.)
import { afterAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import { bytesToHex } from '../../client/wire.ts'
import type { Application } from '../../node/app/application.ts'
import { nextNonceOf } from '../../node/ledger/index.ts'
import { chainId, cleanup, commitBlock, genesis, openApp, registry, validatorKeys } from '../review/helpers.ts'

const holder = generateKeyPair()
const registryId = bytesToHex(registry.publicKey)

describe('the committed-nonce cache', () => {
  const apps: Application[] = []
  afterAll(cleanup)

  it('follows every commit that changes a cached sender', async () => {
    const app = await openApp()
    apps.push(app)
    const holderId = bytesToHex(holder.publicKey)
    // Both senders are cached at 0 before anything commits.
    expect(await app.nextNonce(registryId)).toBe(0)
    expect(await app.nextNonce(holderId)).toBe(0)
    const register = signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '0', name: 'p' }))
    const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '0', space: 'VCS', serialStart: 1, serialEnd: 10, to: holderId }))
    for (const tx of [register, issue]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    await commitBlock(app, app.latest.timeMs + 1_000)
    expect(await app.nextNonce(registryId)).toBe(2)
    expect(await nextNonceOf(app.store.state, registryId)).toBe(2)
    // A replay of a committed nonce is refused, the next one accepted.
    expect(await app.submit(signTx(registry, chainId, 'project.register', 1, build.projectRegister({ registry: 'VCS', projectId: '1', name: 'q' })).bytes)).toMatchObject({ ok: false })
    const transfer = signTx(holder, chainId, 'credit.transfer', 0, build.creditTransfer({ batchId: 'VCS:1-10', quantity: 1, to: registryId }))
    expect((await app.submit(transfer.bytes)).ok).toBe(true)
    // A third sender; reads of every sender run alongside the next commit.
    const other = generateKeyPair()
    const otherId = bytesToHex(other.publicKey)
    const pay = signTx(other, chainId, 'credit.transfer', 0, build.creditTransfer({ batchId: 'VCS:1-10', quantity: 1, to: holderId }))
    await app.submit(pay.bytes)
    const height = app.latest.height + 1
    const prepared = await app.prepareProposal(height, app.latest.timeMs + 1_000, validatorKeys[height % validatorKeys.length] as Uint8Array)
    const during = app.nextNonce(otherId)
    await app.commit(prepared.blockHash, new Uint8Array())
    await during
    for (const id of [registryId, holderId, otherId]) expect(await app.nextNonce(id), id.slice(0, 8)).toBe(await nextNonceOf(app.store.state, id))
    expect(await app.nextNonce(holderId)).toBe(1)
  })
})
