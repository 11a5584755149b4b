// Checks a signed transaction's envelope (structure, chain id, signature) once and remembers the verdict, so a
// transaction verified when it entered the mempool is not verified again when it arrives inside a block.
import { decodeSignedTx, decodeTx, txId, txSignBytes, WireError, type Tx } from '../../client/wire.ts'
import { verifySignature as verifyWithNodeCrypto } from '../crypto/verify.ts'

/** (signature, message, public key) -> valid; node:crypto's unless a caller (the simulation) gives another. */
export type SignatureVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean

export const VERIFIED_TX_CACHE_ENTRIES_MAX = 200_000
/** Bytes held by the cache (signed bytes + txBytes of each entry): 2x MEMPOOL_BYTES_MAX. */
export const VERIFIED_TX_CACHE_BYTES_MAX = 128 * 1024 * 1024

export interface CheckedTx {
  id: string
  tx: Tx
  bytes: Uint8Array
  txBytes: Uint8Array
  senderHex: string
}

export type CheckResult = { ok: true; checked: CheckedTx } | { ok: false; code: string; message: string }

/** Signed-transaction bytes split into txBytes and signature, with the transaction id (sha256 of txBytes). */
export interface Envelope {
  ok: true
  id: string
  txBytes: Uint8Array
  signature: Uint8Array
}

export class TxVerifier {
  private readonly verified = new Map<string, CheckedTx>()
  private bytes = 0

  constructor(
    private readonly chainId: string,
    private readonly limits: { entriesMax: number; bytesMax: number } = { entriesMax: VERIFIED_TX_CACHE_ENTRIES_MAX, bytesMax: VERIFIED_TX_CACHE_BYTES_MAX },
    private readonly verifySignature: SignatureVerifier = verifyWithNodeCrypto,
  ) {}

  get size(): number {
    return this.verified.size
  }

  get sizeBytes(): number {
    return this.bytes
  }

  /** The envelope of signed-transaction bytes and its id (txBytes and signature split, nothing checked yet). */
  envelope(bytes: Uint8Array): Envelope | Extract<CheckResult, { ok: false }> {
    try {
      const { txBytes, signature } = decodeSignedTx(bytes)
      return { ok: true, id: txId(txBytes), txBytes, signature }
    } catch (error) {
      return fail(error) as Extract<CheckResult, { ok: false }>
    }
  }

  /** `opened`: the envelope of `bytes` when the caller already has it (so it is not decoded twice). */
  check(bytes: Uint8Array, opened: ReturnType<TxVerifier['envelope']> = this.envelope(bytes)): CheckResult {
    if (!opened.ok) return opened
    const { id, txBytes, signature } = opened
    // The id covers txBytes only: a cached verdict holds for the very signed bytes it was given, not for the same
    // transaction with another signature.
    const cached = this.verified.get(id)
    if (cached !== undefined && sameBytes(cached.bytes, bytes)) return { ok: true, checked: cached }
    let tx: Tx
    try {
      tx = decodeTx(txBytes)
    } catch (error) {
      return fail(error)
    }
    if (tx.chainId !== this.chainId) return { ok: false, code: 'WRONG_CHAIN', message: `transaction is for chain ${JSON.stringify(tx.chainId)}, this is ${JSON.stringify(this.chainId)}` }
    if (!this.verifySignature(signature, txSignBytes(tx.chainId, txBytes), tx.sender)) {
      return { ok: false, code: 'BAD_SIGNATURE', message: 'signature does not verify against the sender public key' }
    }
    const checked: CheckedTx = { id, tx, bytes, txBytes, senderHex: Buffer.from(tx.sender).toString('hex') }
    this.forget(id)
    const entryBytes = entrySize(checked)
    if (entryBytes <= this.limits.bytesMax) {
      while (this.verified.size > 0 && (this.verified.size >= this.limits.entriesMax || this.bytes + entryBytes > this.limits.bytesMax)) {
        const oldest = this.verified.keys().next()
        if (oldest.done === true) break
        this.forget(oldest.value)
      }
      this.verified.set(id, checked)
      this.bytes += entryBytes
    }
    return { ok: true, checked }
  }

  forget(id: string): void {
    const entry = this.verified.get(id)
    if (entry === undefined) return
    this.verified.delete(id)
    this.bytes -= entrySize(entry)
  }
}

function entrySize(checked: CheckedTx): number {
  return checked.bytes.length + checked.txBytes.length
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

function fail(error: unknown): CheckResult {
  if (error instanceof WireError) return { ok: false, code: error.code, message: error.message }
  return { ok: false, code: 'MALFORMED_TX', message: (error as Error).message }
}
