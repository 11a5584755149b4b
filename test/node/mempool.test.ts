import { describe, expect, it } from 'vitest'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import { projectRegister } from '../../client/builders.ts'
import { TxVerifier, type CheckedTx } from '../../node/app/verified.ts'
import { Mempool } from '../../node/mempool/mempool.ts'

const chainId = 'mempool-test'
const verifier = new TxVerifier(chainId)

function checkedTx(keyPair: ReturnType<typeof generateKeyPair>, nonce: number, name = `project ${nonce}`): CheckedTx {
  const signed = signTx(keyPair, chainId, 'project.register', nonce, projectRegister({ registry: 'VCS', projectId: String(nonce), name }))
  const result = verifier.check(signed.bytes)
  if (!result.ok) throw new Error(result.message)
  return result.checked
}

describe('mempool', () => {
  it('reaps each sender in nonce order starting at its committed nonce, skipping gaps', () => {
    const alice = generateKeyPair()
    const bob = generateKeyPair()
    const mempool = new Mempool()
    const aliceTxs = [0, 1, 2, 4].map((nonce) => checkedTx(alice, nonce))
    const bobTxs = [5, 6].map((nonce) => checkedTx(bob, nonce))
    for (const tx of [...aliceTxs].reverse()) expect(mempool.add(tx, 0).ok).toBe(true)
    for (const tx of bobTxs) expect(mempool.add(tx, 5).ok).toBe(true)
    const nonces = new Map([[aliceTxs[0]!.senderHex, 0], [bobTxs[0]!.senderHex, 5]])
    const reaped = mempool.reap(100, 1 << 20, (sender) => nonces.get(sender) ?? 0)
    // alice 0,1,2 (4 waits for 3), then bob 5,6
    expect(reaped.map((tx) => [tx.senderHex === aliceTxs[0]!.senderHex ? 'alice' : 'bob', tx.tx.nonce])).toEqual([
      ['alice', 0],
      ['alice', 1],
      ['alice', 2],
      ['bob', 5],
      ['bob', 6],
    ])
  })

  it('honours the count and byte limits of a reap and of the pool', () => {
    const alice = generateKeyPair()
    const mempool = new Mempool({ txsMax: 3, bytesMax: 1 << 20 })
    const txs = [0, 1, 2, 3].map((nonce) => checkedTx(alice, nonce))
    expect(mempool.add(txs[0]!, 0).ok).toBe(true)
    expect(mempool.add(txs[1]!, 0).ok).toBe(true)
    expect(mempool.add(txs[2]!, 0).ok).toBe(true)
    const full = mempool.add(txs[3]!, 0)
    expect(full).toMatchObject({ ok: false, code: 'MEMPOOL_FULL' })
    expect(mempool.size).toBe(3)
    expect(mempool.reap(2, 1 << 20, () => 0)).toHaveLength(2)
    const oneTxBytes = txs[0]!.bytes.length
    expect(mempool.reap(10, oneTxBytes, () => 0)).toHaveLength(1)
  })

  it('rejects used nonces and a second transaction with the same nonce, and accepts a resubmission', () => {
    const alice = generateKeyPair()
    const mempool = new Mempool()
    expect(mempool.add(checkedTx(alice, 1), 2)).toMatchObject({ ok: false, code: 'BAD_NONCE' })
    const first = checkedTx(alice, 2, 'first')
    expect(mempool.add(first, 2)).toMatchObject({ ok: true, alreadyPending: false })
    expect(mempool.add(first, 2)).toMatchObject({ ok: true, alreadyPending: true })
    expect(mempool.add(checkedTx(alice, 2, 'second'), 2)).toMatchObject({ ok: false, code: 'NONCE_TAKEN' })
    expect(mempool.size).toBe(1)
  })

  it('update drops committed transactions and every transaction whose nonce is now used', () => {
    const alice = generateKeyPair()
    const mempool = new Mempool()
    const txs = [0, 1, 2, 3].map((nonce) => checkedTx(alice, nonce))
    for (const tx of txs) mempool.add(tx, 0)
    const bytesBefore = mempool.sizeBytes
    mempool.update([txs[0]!.id], () => 2)
    expect(mempool.size).toBe(2)
    expect(mempool.has(txs[1]!.id)).toBe(false)
    expect(mempool.has(txs[2]!.id)).toBe(true)
    expect(mempool.sizeBytes).toBe(bytesBefore - txs[0]!.bytes.length - txs[1]!.bytes.length)
  })
})

describe('mempool eviction', () => {
  it('a ready transaction displaces a gapped one when full, but a gapped one never displaces anything', () => {
    const attacker = generateKeyPair()
    const honest = generateKeyPair()
    const mempool = new Mempool({ txsMax: 3, bytesMax: 1 << 20 })
    const gapped = [5, 6, 7].map((nonce) => checkedTx(attacker, nonce))
    for (const tx of gapped) expect(mempool.add(tx, 0).ok).toBe(true)
    // Another gapped transaction is refused: it could not be proposed either.
    expect(mempool.add(checkedTx(honest, 3), 0)).toMatchObject({ ok: false, code: 'MEMPOOL_FULL' })
    // A ready one gets in, evicting the attacker's highest nonce.
    const ready = checkedTx(honest, 0)
    expect(mempool.add(ready, 0)).toMatchObject({ ok: true })
    expect(mempool.has(ready.id)).toBe(true)
    expect(mempool.has(gapped[2]!.id)).toBe(false)
    expect(mempool.size).toBe(3)
    // The attacker's contiguous run from its committed nonce is ready and is never evicted for another.
    const full = new Mempool({ txsMax: 2, bytesMax: 1 << 20 })
    expect(full.add(checkedTx(attacker, 0), 0).ok).toBe(true)
    expect(full.add(checkedTx(attacker, 1), 0).ok).toBe(true)
    expect(full.add(checkedTx(honest, 0), 0)).toMatchObject({ ok: false, code: 'MEMPOOL_FULL' })
  })
})
