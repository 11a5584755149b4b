// TxVerifier caches verdicts by transaction id = sha256(txBytes), which does not cover the signature. A signed
// transaction whose txBytes were verified once is then accepted with ANY signature: a proposer can put a
// transaction with a corrupted signature in a block and every validator that had the transaction in its mempool
// accepts the block, while a node that never saw it (a restarted or syncing node) rejects it. Validity depends on
// a cache: the committed chain can hold a block that a fresh node cannot replay.
import { afterAll, describe, expect, it } from 'vitest'
import { decode, decodeBlock, encode, encodeSignedTx, decodeSignedTx } from '../../client/wire.ts'
import { TxVerifier } from '../../node/app/verified.ts'
import { chainId, cleanup, genesis, openApp, registerProjectTx, validatorKeys } from './helpers.ts'

afterAll(cleanup)

function withCorruptedSignature(signedBytes: Uint8Array): Uint8Array {
  const { txBytes, signature } = decodeSignedTx(signedBytes)
  const forged = new Uint8Array(signature)
  forged[0] = (forged[0] as number) ^ 0x01
  return encodeSignedTx({ txBytes, signature: forged })
}

describe('signature of a cached transaction', () => {
  it('TxVerifier rejects a known transaction carrying a bad signature', () => {
    const verifier = new TxVerifier(chainId)
    const tx = registerProjectTx(0)
    expect(verifier.check(tx.bytes).ok).toBe(true)
    const forged = withCorruptedSignature(tx.bytes)
    expect(new TxVerifier(chainId).check(forged)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' })
    expect(verifier.check(forged)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' })
  })

  it('a block with a forged transaction signature is invalid on every node, whatever its mempool held', async () => {
    const builder = await openApp()
    const withMempool = await openApp()
    const fresh = await openApp()
    const tx = registerProjectTx(0)
    expect((await builder.submit(tx.bytes)).ok).toBe(true)
    expect((await withMempool.submit(tx.bytes)).ok).toBe(true)
    const prepared = await builder.prepareProposal(1, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    const block = decodeBlock(prepared.block)
    expect(block.txs).toHaveLength(1)
    // Same header (the block hash only covers the transactions' ids), forged signature inside.
    const [headerBytes] = decode(prepared.block) as [Uint8Array, Uint8Array[]]
    const forgedBlock = encode([headerBytes, [withCorruptedSignature(block.txs[0] as Uint8Array)]])
    const now = genesis.genesisTimeMs + 2_000
    const onFresh = await fresh.processProposal(forgedBlock, validatorKeys[1] as Uint8Array, now)
    const onWithMempool = await withMempool.processProposal(forgedBlock, validatorKeys[1] as Uint8Array, now)
    expect(onFresh.valid).toBe(false)
    expect(onWithMempool.valid).toBe(onFresh.valid)
  })
})
