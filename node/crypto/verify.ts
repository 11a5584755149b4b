// Native ed25519 verification for the node (node:crypto is about 15x faster here than noble's verify).
// KeyObjects are cached per public key; the cache is bounded.
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'

export const KEY_OBJECT_CACHE_ENTRIES_MAX = 100_000

// DER prefix of an ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const keyObjects = new Map<string, KeyObject>()

function keyObjectFor(publicKey: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(publicKey).toString('hex')
  let keyObject = keyObjects.get(cacheKey)
  if (keyObject === undefined) {
    keyObject = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    if (keyObjects.size >= KEY_OBJECT_CACHE_ENTRIES_MAX) keyObjects.clear()
    keyObjects.set(cacheKey, keyObject)
  }
  return keyObject
}

// The order of the ed25519 group, little-endian; a canonical S is below it.
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n

function isCanonicalScalar(signature: Uint8Array): boolean {
  let s = 0n
  for (let index = 63; index >= 32; index -= 1) s = (s << 8n) | BigInt(signature[index] ?? 0)
  return s < GROUP_ORDER
}

/** Strict ed25519 verification: false for any malformed key or signature, never throws. */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false
  if (!isCanonicalScalar(signature)) return false
  try {
    return nodeVerify(null, message, keyObjectFor(publicKey), signature)
  } catch {
    return false
  }
}
