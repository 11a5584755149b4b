// Key generation, loading and signing for clients (registries, banks, ...). Signing uses @noble/ed25519;
// the node verifies with node:crypto (node/crypto/verify.ts) and a test shows the two agree byte for byte.
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { bytesToHex, encodeSignedTx, encodeTx, hexToBytes, offtakeCancelSignBytes, offtakeSignBytes, portSignBytes, swapSignBytes, txId, txSignBytes, type CreditPortBody, type OfftakeAgreeBody, type OfftakeCancelBody, type OfftakeTerms, type PortTerms, type SignedTx, type SwapTerms, type TradeSwapBody, type Tx, type TxBodies, type TxKind } from './wire.ts'

ed.hashes.sha512 = sha512

export interface KeyPair {
  /** 32-byte ed25519 seed. */
  secretKey: Uint8Array
  publicKey: Uint8Array
}

export function generateKeyPair(): KeyPair {
  const secretKey = new Uint8Array(randomBytes(32))
  return { secretKey, publicKey: ed.getPublicKey(secretKey) }
}

export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== 32) throw new Error('an ed25519 secret key is 32 bytes')
  return { secretKey, publicKey: ed.getPublicKey(secretKey) }
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey)
}

/** Strict verification (zip215 off: non-canonical encodings are rejected), the reference for the node's verifier. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

export interface KeyFile {
  type: 'tonne-ed25519'
  name: string
  publicKey: string
  secretKey: string
}

/** Writes a new key file readable only by its owner (mode 0600); never overwrites an existing file. */
export function writeKeyFile(path: string, name: string, keyPair: KeyPair): void {
  const file: KeyFile = { type: 'tonne-ed25519', name, publicKey: bytesToHex(keyPair.publicKey), secretKey: bytesToHex(keyPair.secretKey) }
  try {
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${path} already exists: refusing to overwrite a key file`)
    throw new Error(`cannot write key file ${path}: ${(error as Error).message}`)
  }
  chmodSync(path, 0o600)
}

export function readKeyFile(path: string): KeyPair & { name: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read key file ${path}: ${(error as Error).message}`)
  }
  const file = parsed as Partial<KeyFile>
  if (file === null || typeof file !== 'object' || file.type !== 'tonne-ed25519' || typeof file.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(file.secretKey)) {
    throw new Error(`${path} is not a tonne key file (expected {"type":"tonne-ed25519","secretKey":"<64 hex>"})`)
  }
  const keyPair = keyPairFromSecret(hexToBytes(file.secretKey))
  if (typeof file.publicKey === 'string' && file.publicKey !== bytesToHex(keyPair.publicKey)) throw new Error(`${path}: publicKey does not match secretKey`)
  return { ...keyPair, name: typeof file.name === 'string' ? file.name : '' }
}

export interface SignedTxWithId extends SignedTx {
  id: string
  /** encodeSignedTx bytes, ready for POST /txs. */
  bytes: Uint8Array
}

/** Encodes a transaction once, signs those exact bytes and returns them with the id. */
export function signTx<K extends TxKind>(keyPair: KeyPair, chainId: string, kind: K, nonce: number, body: TxBodies[K]): SignedTxWithId {
  const tx: Tx<K> = { chainId, kind, sender: keyPair.publicKey, nonce, body }
  const txBytes = encodeTx(tx)
  const signature = sign(txSignBytes(chainId, txBytes), keyPair.secretKey)
  return { txBytes, signature, id: txId(txBytes), bytes: encodeSignedTx({ txBytes, signature }) }
}

/**
 * The receiving registry's half of a port: its signature over the terms (portSignBytes), ready for the current
 * registry of record to send as credit.port. `receiver` must be the key of terms.toSigner.
 */
export function signPort(receiver: KeyPair, chainId: string, terms: PortTerms): CreditPortBody {
  if (bytesToHex(receiver.publicKey) !== terms.toSigner) throw new Error(`the port names signer ${terms.toSigner}, not this key (${bytesToHex(receiver.publicKey)})`)
  return { ...terms, range: { start: terms.range.start, end: terms.range.end }, toSignature: sign(portSignBytes(chainId, terms), receiver.secretKey) }
}

/** The seller's half of a swap: its signature over the terms (swapSignBytes), ready for the buyer to send. */
export function signSwap(seller: KeyPair, chainId: string, terms: SwapTerms): TradeSwapBody {
  return { ...terms, range: terms.range === null ? null : { start: terms.range.start, end: terms.range.end }, sellerSignature: sign(swapSignBytes(chainId, terms), seller.secretKey) }
}

/**
 * The developer's half of an offtake agreement: its signature over the terms (offtakeSignBytes), ready for the
 * financier to send as offtake.agree. The agreement's id is offtakeIdOf(chainId, terms).
 */
export function signOfftake(developer: KeyPair, chainId: string, terms: OfftakeTerms): OfftakeAgreeBody {
  return { ...terms, developerSignature: sign(offtakeSignBytes(chainId, terms), developer.secretKey) }
}

/** The id an offtake agreement of these terms has on this chain (GET /offtakes/:id): hex of its sign bytes. */
export function offtakeIdOf(chainId: string, terms: OfftakeTerms): string {
  return bytesToHex(offtakeSignBytes(chainId, terms))
}

/** The developer's half of an offtake cancellation: its signature over the id and the refund it pays back. */
export function signOfftakeCancel(developer: KeyPair, chainId: string, cancel: { offtakeId: string; refund: number }): OfftakeCancelBody {
  return { offtakeId: cancel.offtakeId, refund: cancel.refund, developerSignature: sign(offtakeCancelSignBytes(chainId, cancel), developer.secretKey) }
}
