// Checks a signed transaction's envelope (structure, chain id, signature) once and remembers the verdict, so a
// transaction verified when it entered the mempool is not verified again when it arrives inside a block.
import { decodeSignedTx, decodeTx, txId, txSignBytes, WireError, type Tx } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'

export const VERIFIED_TX_CACHE_ENTRIES_MAX = 200_000

export interface CheckedTx {
  id: string
  tx: Tx
  bytes: Uint8Array
  txBytes: Uint8Array
  senderHex: string
}

export type CheckResult = { ok: true; checked: CheckedTx } | { ok: false; code: string; message: string }

export class TxVerifier {
  private readonly verified = new Map<string, CheckedTx>()

  constructor(private readonly chainId: string) {}

  check(bytes: Uint8Array): CheckResult {
    let txBytes: Uint8Array
    let signature: Uint8Array
    try {
      ;({ txBytes, signature } = decodeSignedTx(bytes))
    } catch (error) {
      return fail(error)
    }
    const id = txId(txBytes)
    const cached = this.verified.get(id)
    if (cached !== undefined) return { ok: true, checked: cached }
    let tx: Tx
    try {
      tx = decodeTx(txBytes)
    } catch (error) {
      return fail(error)
    }
    if (tx.chainId !== this.chainId) return { ok: false, code: 'WRONG_CHAIN', message: `transaction is for chain ${JSON.stringify(tx.chainId)}, this is ${JSON.stringify(this.chainId)}` }
    if (!verifySignature(signature, txSignBytes(tx.chainId, txBytes), tx.sender)) {
      return { ok: false, code: 'BAD_SIGNATURE', message: 'signature does not verify against the sender public key' }
    }
    const checked: CheckedTx = { id, tx, bytes, txBytes, senderHex: Buffer.from(tx.sender).toString('hex') }
    if (this.verified.size >= VERIFIED_TX_CACHE_ENTRIES_MAX) {
      const oldest = this.verified.keys().next()
      if (oldest.done !== true) this.verified.delete(oldest.value)
    }
    this.verified.set(id, checked)
    return { ok: true, checked }
  }

  forget(id: string): void {
    this.verified.delete(id)
  }
}

function fail(error: unknown): CheckResult {
  if (error instanceof WireError) return { ok: false, code: error.code, message: error.message }
  return { ok: false, code: 'MALFORMED_TX', message: (error as Error).message }
}
