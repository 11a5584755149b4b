import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { keyPairFromSecret, sign, verify } from '../../client/keys.ts'
import { createSigner } from '../../node/crypto/sign.ts'
import { verifySignature } from '../../node/crypto/verify.ts'

describe('node:crypto signer (node/crypto/sign.ts)', () => {
  it('makes the same signature as the client signer (noble) for any key and message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (secret, message) => {
        const signature = createSigner(secret)(message)
        expect(Buffer.from(signature).toString('hex')).toBe(Buffer.from(sign(message, secret)).toString('hex'))
        const { publicKey } = keyPairFromSecret(secret)
        expect(verify(signature, message, publicKey)).toBe(true)
        expect(verifySignature(signature, message, publicKey)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a secret key that is not 32 bytes', () => {
    expect(() => createSigner(new Uint8Array(31))).toThrow(/32 bytes/)
    expect(() => createSigner(new Uint8Array(64))).toThrow(/32 bytes/)
  })
})
