// Bounded resources and stuck senders around the mempool and the transaction verifier.
import { afterAll, describe, expect, it } from 'vitest'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { TX_BYTES_MAX } from '../../client/wire.ts'
import { TxVerifier } from '../../node/app/verified.ts'
import { Mempool } from '../../node/mempool/mempool.ts'
import { chainId, cleanup, genesis, openApp, registerProjectTx, validatorKeys } from './helpers.ts'

afterAll(cleanup)

function bigTx(nonce: number, bytes: number, signer = generateKeyPair()) {
  return signTx(signer, chainId, 'project.register', nonce, build.projectRegister({ registry: 'VCS', projectId: `p${nonce}`, name: 'x'.repeat(bytes) }))
}

describe('application and mempool resources', () => {
  it('forgets per-sender bookkeeping once a sender has nothing pending', async () => {
    const app = await openApp()
    for (let index = 0; index < 50; index += 1) expect((await app.submit(registerProjectTx(0, `p${index}`, generateKeyPair()).bytes)).ok).toBe(true)
    const prepared = await app.prepareProposal(1, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    expect((await app.processProposal(prepared.block, validatorKeys[1] as Uint8Array, null)).valid).toBe(true)
    await app.commit(prepared.blockHash, new Uint8Array())
    expect(app.mempool.size).toBe(0)
    // Application.pendingNonces got one entry per sender ever seen and none was ever removed (nor read).
    const pending = (app as unknown as { pendingNonces?: Map<string, number> }).pendingNonces
    expect(pending?.size ?? 0).toBe(0)
  })

  it('bounds the verified-transaction cache in bytes, not only in entries', () => {
    // 200 000 entries of up to TX_BYTES_MAX (64 KiB) signed bytes + txBytes + the decoded body: tens of GiB, and
    // transactions the mempool rejected (BAD_NONCE, MEMPOOL_FULL) stay cached too. Each costs one signature.
    const verifier = new (TxVerifier as unknown as new (chainId: string, limits: { entriesMax: number; bytesMax: number }) => TxVerifier)(chainId, { entriesMax: 1_000, bytesMax: 200_000 })
    for (let index = 0; index < 10; index += 1) expect(verifier.check(bigTx(index, 50_000).bytes).ok).toBe(true)
    const sizeBytes = (verifier as unknown as { sizeBytes?: number }).sizeBytes
    expect(sizeBytes).toBeDefined()
    expect(sizeBytes as number).toBeLessThanOrEqual(200_000)
    expect(TX_BYTES_MAX).toBe(64 * 1024)
  })

  // A ready transaction displaces the newest never-proposable one (node/mempool/mempool.ts).
  it('a full mempool of transactions that can never be proposed (nonce gaps) still admits a ready transaction', () => {
    const mempool = new Mempool({ txsMax: 10, bytesMax: 1 << 20 })
    const verifier = new TxVerifier(chainId)
    const attacker = generateKeyPair()
    // Nonces 1..10 of a fresh key (its next nonce is 0): none can be reaped until nonce 0 arrives, which never does.
    for (let nonce = 1; nonce <= 10; nonce += 1) {
      const result = verifier.check(registerProjectTx(nonce, `a${nonce}`, attacker).bytes)
      if (!result.ok) throw new Error(result.message)
      expect(mempool.add(result.checked, 0).ok).toBe(true)
    }
    expect(mempool.reap(100, 1 << 20, () => 0)).toHaveLength(0)
    const honest = verifier.check(registerProjectTx(0, 'honest').bytes)
    if (!honest.ok) throw new Error(honest.message)
    expect(mempool.add(honest.checked, 0)).toMatchObject({ ok: true })
  })
})
