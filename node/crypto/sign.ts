// Native ed25519 signing for the node's consensus messages (node:crypto signs about 30x faster here than noble).
// ed25519 signatures are deterministic (RFC 8032), so these are the very bytes noble's sign (client/keys.ts)
// makes with the same key: test/node/sign.test.ts checks it.
import { createPrivateKey, sign as nodeSign } from 'node:crypto'

// DER prefix of an ed25519 PKCS#8 private key; the 32-byte seed (our "secret key") follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** A signing function for one 32-byte ed25519 secret key (seed); the key object is built once. */
export function createSigner(secretKey: Uint8Array): (message: Uint8Array) => Uint8Array {
  if (secretKey.length !== 32) throw new Error(`an ed25519 secret key is 32 bytes, got ${secretKey.length}`)
  const keyObject = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })
  return (message) => new Uint8Array(nodeSign(null, message, keyObject))
}
