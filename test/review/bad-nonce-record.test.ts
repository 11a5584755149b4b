// A proposer must not be able to burn a transaction by including it before its nonce is due (or twice): a block
// holding a transaction with the wrong nonce, or one already committed, is invalid; the transaction stays
// submittable and commits normally once its nonce comes due. README: "A transaction with the wrong nonce is
// rejected (BAD_NONCE) and changes nothing."
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex, encodeBlock, evidenceHashOf, txsHash, blockHash } from '../../client/wire.ts'
import { executeTxs } from '../../node/app/execute.ts'
import { cleanup, chainId, genesis, openApp, registerProjectTx, validatorKeys } from './helpers.ts'
import { TxVerifier } from '../../node/app/verified.ts'

afterAll(cleanup)

describe('a transaction with a future nonce in a block', () => {
  it('makes the block invalid, and stays submittable once its nonce comes due', async () => {
    const app = await openApp()
    const early = registerProjectTx(1, 'early')
    const verifier = new TxVerifier(chainId)
    const checked = verifier.check(early.bytes)
    if (!checked.ok) throw new Error(checked.message)
    const latest = app.latest
    const context = { height: 1, timeMs: genesis.genesisTimeMs + 1_000 }
    expect(await executeTxs(app.store.state, [checked.checked], context, latest.appHash, 'validate')).toMatchObject({ invalid: expect.stringContaining('nonce') })
    // A proposer leaves it out.
    const proposed = await executeTxs(app.store.state, [checked.checked], context, latest.appHash, 'propose')
    expect('included' in proposed && proposed.included).toEqual([])
    // A block that holds it anyway (with any app hash) is refused.
    const header = { chainId, height: 1, timeMs: context.timeMs, previousBlockHash: latest.blockHash, txsHash: txsHash([early.bytes]), appHash: latest.appHash, proposer: validatorKeys[1] as Uint8Array, evidenceHash: evidenceHashOf([]) }
    const block = encodeBlock({ header, txs: [early.bytes], evidence: [] })
    const processed = await app.processProposal(block, validatorKeys[1] as Uint8Array, null)
    expect(processed.valid).toBe(false)
    expect(await app.store.state.get('tx/' + early.id)).toBeUndefined()
    // Nonce 0 commits; then `early` is accepted and commits with its own result.
    expect((await app.submit(registerProjectTx(0, 'first').bytes)).ok).toBe(true)
    const first = await app.prepareProposal(1, genesis.genesisTimeMs + 2_000, validatorKeys[1] as Uint8Array)
    expect((await app.processProposal(first.block, validatorKeys[1] as Uint8Array, null)).valid).toBe(true)
    await app.commit(first.blockHash, new Uint8Array())
    expect(await app.submit(early.bytes)).toMatchObject({ ok: true, alreadyPending: false })
    const second = await app.prepareProposal(2, genesis.genesisTimeMs + 3_000, validatorKeys[2] as Uint8Array)
    await app.commit(second.blockHash, new Uint8Array())
    const status = await app.store.state.get('tx/' + early.id)
    expect(status).toBeDefined()
    expect(bytesToHex(blockHash(header))).not.toBe(second.blockHash)
  })
})
