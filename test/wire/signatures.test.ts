// The client signs with @noble/ed25519 (client/keys.ts) and the node verifies with node:crypto
// (node/crypto/verify.ts). These tests pin that the two agree byte for byte on honest signatures, that both reject
// the classic ed25519 edge cases (non-canonical S, non-canonical or small-order keys, forged signatures under
// small-order keys), and that the node never accepts a signature noble's strict mode rejects.
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import * as ed from '@noble/ed25519'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKeyPair, keyPairFromSecret, sign, signTx, verify } from '../../client/keys.ts'
import {
  bytesToHex,
  concatBytes,
  decodeSignedTx,
  decodeTx,
  DOMAIN_TX,
  encodeSignedTx,
  encodeTx,
  hexToBytes,
  txId,
  txSignBytes,
  type CreditTransferBody,
} from '../../client/wire.ts'
import { verifySignature } from '../../node/crypto/verify.ts'

const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const G = ed.Point.BASE
const ZERO = ed.Point.ZERO

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function nodePrivateKey(seed: Uint8Array) {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

function nodeSignature(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, nodePrivateKey(seed)))
}

function nodePublicKey(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(nodePrivateKey(seed)).export({ format: 'der', type: 'spki' })
  expect(der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)).toBe(true)
  return new Uint8Array(der.subarray(SPKI_PREFIX.length))
}

function toLE(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length)
  for (let index = 0; index < length; index += 1) {
    out[index] = Number(value & 0xffn)
    value >>= 8n
  }
  expect(value).toBe(0n) // it fitted
  return out
}

function fromLE(bytes: Uint8Array): bigint {
  let value = 0n
  for (let index = bytes.length - 1; index >= 0; index -= 1) value = (value << 8n) | BigInt(bytes[index]!)
  return value
}

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m

/** k = SHA512(R || A || M) mod L, computed with node:crypto so it does not depend on noble's hash wiring. */
function challenge(r: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return mod(fromLE(new Uint8Array(createHash('sha512').update(r).update(publicKey).update(message).digest())), L)
}

/** n·point for any n >= 0 (noble's multiply refuses 0). */
function times(point: ed.Point, n: bigint): ed.Point {
  n = mod(n, L)
  return n === 0n ? ZERO : point.multiply(n, false)
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes)
  out[(bit >>> 3) % out.length]! ^= 1 << (bit & 7)
  return out
}

function withSignBit(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes)
  out[31]! |= 0x80
  return out
}

/** OpenSSL itself, without verify.ts's extra checks. */
function rawOpenSslVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    return nodeVerify(null, message, key, signature)
  } catch {
    return false
  }
}

/** Both verifiers, plus the invariant that the node is never more permissive than noble strict mode. */
function bothVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): { noble: boolean; node: boolean } {
  const noble = verify(signature, message, publicKey)
  const node = verifySignature(signature, message, publicKey)
  if (node) expect(noble, 'node accepted a signature noble strict mode rejects').toBe(true)
  return { noble, node }
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const messageArb = fc.uint8Array({ minLength: 0, maxLength: 300 })

// ---------------------------------------------------------------------------------------------------------
// The 8 points of small order, derived (not copied) from one order-8 point.
const ORDER_8_POINT = ed.Point.fromBytes(hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'))
const TORSION: { point: ed.Point; order: bigint; bytes: Uint8Array }[] = []
{
  let point = ZERO
  for (let index = 0; index < 8; index += 1) {
    let order = 1n
    for (let q = point; !q.is0(); q = q.add(point)) order += 1n
    TORSION.push({ point, order, bytes: point.toBytes() })
    point = point.add(ORDER_8_POINT)
  }
}

/** Every 32-byte string that decodes (leniently) to a small-order point: canonical, sign-bit and y >= p forms. */
function smallOrderEncodings(): { name: string; hex: string; bytes: Uint8Array }[] {
  const out = new Map<string, { name: string; hex: string; bytes: Uint8Array }>()
  const add = (name: string, bytes: Uint8Array) => out.set(bytesToHex(bytes), { name, hex: bytesToHex(bytes), bytes })
  for (const { bytes, order } of TORSION) {
    const y = fromLE(bytes) & ((1n << 255n) - 1n)
    const sign = bytes[31]! & 0x80
    add(`order ${order}, canonical`, bytes)
    add(`order ${order}, sign bit flipped`, flipBit(bytes, 255))
    if (y + P < 2n ** 255n) {
      const nonCanonical = toLE(y + P)
      nonCanonical[31]! |= sign
      add(`order ${order}, y + p`, nonCanonical)
      add(`order ${order}, y + p, sign bit flipped`, flipBit(nonCanonical, 255))
    }
  }
  return [...out.values()]
}

/**
 * A signature valid under the cofactorless equation S·B = R + k·A for a small-order key A and any message,
 * with no secret: choose S, try R = S·B - j·A until k = H(R || A || M) hits j (mod the order of A).
 */
function forgeUnderSmallOrderKey(publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const A = ed.Point.fromBytes(publicKey, true)
  for (let s = 1n; s < 200n; s += 1n) {
    for (let j = 0n; j < 8n; j += 1n) {
      const R = G.multiply(s).subtract(times(A, j))
      const r = R.toBytes()
      const k = challenge(r, publicKey, message)
      if (G.multiply(s).equals(R.add(times(A, k)))) return concatBytes(r, toLE(s))
    }
  }
  throw new Error('could not forge')
}

describe('RFC 8032 test vectors', () => {
  const vectors = [
    {
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ]
  it.each(vectors)('seed $seed', (vector) => {
    const seed = hexToBytes(vector.seed)
    const message = hexToBytes(vector.message)
    expect(bytesToHex(keyPairFromSecret(seed).publicKey)).toBe(vector.publicKey)
    expect(bytesToHex(nodePublicKey(seed))).toBe(vector.publicKey)
    expect(bytesToHex(sign(message, seed))).toBe(vector.signature)
    expect(bytesToHex(nodeSignature(message, seed))).toBe(vector.signature)
    expect(bothVerify(hexToBytes(vector.signature), message, hexToBytes(vector.publicKey))).toEqual({ noble: true, node: true })
  })
})

describe('noble and node:crypto agree on honest signatures', () => {
  it('same public key, byte-identical signatures, each verifies the other', () => {
    fc.assert(
      fc.property(seedArb, messageArb, (seed, message) => {
        const { publicKey } = keyPairFromSecret(seed)
        expect(bytesToHex(publicKey)).toBe(bytesToHex(nodePublicKey(seed)))
        const nobleSignature = sign(message, seed)
        const nodeSig = nodeSignature(message, seed)
        expect(bytesToHex(nobleSignature)).toBe(bytesToHex(nodeSig))
        expect(verify(nodeSig, message, publicKey)).toBe(true)
        expect(verifySignature(nobleSignature, message, publicKey)).toBe(true)
        expect(rawOpenSslVerify(nobleSignature, message, publicKey)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('generateKeyPair keys sign and verify on both sides', () => {
    for (let index = 0; index < 20; index += 1) {
      const keyPair = generateKeyPair()
      const message = new Uint8Array([index])
      expect(bytesToHex(keyPair.publicKey)).toBe(bytesToHex(nodePublicKey(keyPair.secretKey)))
      expect(bothVerify(sign(message, keyPair.secretKey), message, keyPair.publicKey)).toEqual({ noble: true, node: true })
    }
  })
})

describe('both reject tampering', () => {
  it('a flipped bit in the message', () => {
    fc.assert(
      fc.property(seedArb, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (seed, message, bit) => {
        const { publicKey } = keyPairFromSecret(seed)
        const signature = sign(message, seed)
        const tampered = flipBit(message, bit % (message.length * 8))
        expect(bothVerify(signature, tampered, publicKey)).toEqual({ noble: false, node: false })
      }),
      { numRuns: 200 },
    )
  })

  it('a flipped bit in the signature (R or S)', () => {
    fc.assert(
      fc.property(seedArb, messageArb, fc.nat({ max: 511 }), (seed, message, bit) => {
        const { publicKey } = keyPairFromSecret(seed)
        const signature = flipBit(sign(message, seed), bit)
        expect(bothVerify(signature, message, publicKey)).toEqual({ noble: false, node: false })
      }),
      { numRuns: 300 },
    )
  })

  it('every single-bit flip of the signature of one message', () => {
    const seed = new Uint8Array(32).fill(9)
    const message = new TextEncoder().encode('retire 1000 tCO2e')
    const { publicKey } = keyPairFromSecret(seed)
    const signature = sign(message, seed)
    for (let bit = 0; bit < 512; bit += 1) expect(bothVerify(flipBit(signature, bit), message, publicKey)).toEqual({ noble: false, node: false })
  })

  it('a flipped bit in the public key', () => {
    fc.assert(
      fc.property(seedArb, messageArb, fc.nat({ max: 255 }), (seed, message, bit) => {
        const { publicKey } = keyPairFromSecret(seed)
        const signature = sign(message, seed)
        expect(bothVerify(signature, message, flipBit(publicKey, bit))).toEqual({ noble: false, node: false })
      }),
      { numRuns: 300 },
    )
  })

  it('wrong lengths are false, never a throw', () => {
    const seed = new Uint8Array(32).fill(3)
    const { publicKey } = keyPairFromSecret(seed)
    const message = new Uint8Array([1, 2, 3])
    const signature = sign(message, seed)
    for (const [sig, key] of [
      [signature.subarray(0, 63), publicKey],
      [concatBytes(signature, new Uint8Array([0])), publicKey],
      [signature, publicKey.subarray(0, 31)],
      [signature, concatBytes(publicKey, new Uint8Array([0]))],
      [new Uint8Array(0), new Uint8Array(0)],
    ] as const) {
      expect(bothVerify(sig, message, key)).toEqual({ noble: false, node: false })
    }
  })
})

describe('non-canonical S', () => {
  it('S + L (same point, unreduced scalar) is rejected by both', () => {
    fc.assert(
      fc.property(seedArb, messageArb, (seed, message) => {
        const { publicKey } = keyPairFromSecret(seed)
        const signature = sign(message, seed)
        const s = fromLE(signature.subarray(32))
        expect(s < L).toBe(true)
        expect(s + L < 2n ** 256n).toBe(true) // it fits in 32 bytes (in fact below 2^254)
        const malleated = concatBytes(signature.subarray(0, 32), toLE(s + L))
        expect(fromLE(malleated.subarray(32)) - fromLE(signature.subarray(32))).toBe(L)
        // The malleated signature satisfies the group equation (S + L)·B = S·B: only the range check rejects it.
        expect(G.multiply(mod(s + L, L)).equals(G.multiply(s))).toBe(true)
        expect(bothVerify(malleated, message, publicKey)).toEqual({ noble: false, node: false })
      }),
      { numRuns: 100 },
    )
  })

  it('S = L, S = 2^253 - 1, S = 2^256 - 1 are rejected', () => {
    const seed = new Uint8Array(32).fill(5)
    const { publicKey } = keyPairFromSecret(seed)
    const message = new Uint8Array([7])
    const r = sign(message, seed).subarray(0, 32)
    for (const s of [L, L + 1n, 2n ** 253n - 1n, 2n ** 256n - 1n]) {
      expect(bothVerify(concatBytes(r, toLE(s)), message, publicKey)).toEqual({ noble: false, node: false })
    }
  })
})

describe('small-order and non-canonical public keys', () => {
  it('the torsion subgroup is what the tests think it is', () => {
    expect(TORSION.map((entry) => entry.order).sort()).toEqual([1n, 2n, 4n, 4n, 8n, 8n, 8n, 8n])
    expect(new Set(TORSION.map((entry) => bytesToHex(entry.bytes))).size).toBe(8)
    for (const { point } of TORSION) expect(point.isSmallOrder()).toBe(true)
    expect(bytesToHex(TORSION[0]!.bytes)).toBe('01' + '00'.repeat(31)) // the identity
    expect(TORSION.some((entry) => bytesToHex(entry.bytes) === '00'.repeat(32))).toBe(true) // the all-zero key has order 4
    expect(bytesToHex(TORSION.find((entry) => entry.order === 2n)!.bytes)).toBe('ec' + 'ff'.repeat(30) + '7f') // p - 1
  })

  const encodings = smallOrderEncodings()

  it('covers the canonical, sign-bit and y >= p encodings of all 8 points', () => {
    const hexes = encodings.map((entry) => bytesToHex(entry.bytes))
    for (const hex of [
      '00'.repeat(32),
      '01' + '00'.repeat(31),
      '01' + '00'.repeat(30) + '80',
      'ec' + 'ff'.repeat(30) + '7f',
      'ec' + 'ff'.repeat(31),
      'ed' + 'ff'.repeat(30) + '7f', // y = p (= 0)
      'ed' + 'ff'.repeat(31),
      'ee' + 'ff'.repeat(30) + '7f', // y = p + 1 (= 1)
      'ee' + 'ff'.repeat(31),
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    ]) {
      expect(hexes).toContain(hex)
    }
    // 8 canonical; the sign-bit twins of the identity and of p-1 (x = 0: the other points' twins are each
    // other); y = p and y = p + 1 (the only y >= p of a small-order point), each with both sign bits.
    expect(encodings.length).toBe(14)
  })

  it.each(encodings)('$name ($hex): a forged signature verifies on neither side', ({ bytes }) => {
    for (const message of [new Uint8Array(0), new TextEncoder().encode('transfer everything to mallory'), new Uint8Array(100).fill(0xab)]) {
      const forged = forgeUnderSmallOrderKey(bytes, message)
      // The forgery is real: it satisfies the cofactorless equation (what OpenSSL checks) and ZIP-215 accepts it.
      const A = ed.Point.fromBytes(bytes, true)
      const R = ed.Point.fromBytes(forged.subarray(0, 32), true)
      expect(G.multiply(fromLE(forged.subarray(32))).equals(R.add(times(A, challenge(forged.subarray(0, 32), bytes, message))))).toBe(true)
      expect(ed.verify(forged, message, bytes, { zip215: true })).toBe(true)
      expect(bothVerify(forged, message, bytes)).toEqual({ noble: false, node: false })
    }
  })

  it('the all-zero key and the identity reject honest-looking and forged signatures', () => {
    const message = new TextEncoder().encode('x')
    for (const key of [new Uint8Array(32), toLE(1n)]) {
      expect(bothVerify(forgeUnderSmallOrderKey(key, message), message, key)).toEqual({ noble: false, node: false })
      expect(bothVerify(new Uint8Array(64), message, key)).toEqual({ noble: false, node: false })
      expect(bothVerify(concatBytes(toLE(1n), new Uint8Array(32)), message, key)).toEqual({ noble: false, node: false }) // R = identity, S = 0
    }
  })

  it('every key with y >= p (both signs) is rejected, whether or not it is a curve point', () => {
    const message = new Uint8Array([42])
    for (let y = P; y < 2n ** 255n; y += 1n) {
      for (const key of [toLE(y), withSignBit(toLE(y))]) {
        let signature: Uint8Array = sign(message, new Uint8Array(32).fill(1))
        try {
          if (ed.Point.fromBytes(key, true).isSmallOrder()) signature = forgeUnderSmallOrderKey(key, message)
        } catch {
          // not a curve point at all
        }
        expect(bothVerify(signature, message, key)).toEqual({ noble: false, node: false })
      }
    }
  })

  it('random 32-byte keys: the node accepts only what noble strict accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), messageArb, (key, message) => {
        let signature: Uint8Array = new Uint8Array(64)
        try {
          if (ed.Point.fromBytes(key, true).isSmallOrder()) signature = forgeUnderSmallOrderKey(key, message)
        } catch {
          // not on the curve
        }
        bothVerify(signature, message, key)
      }),
      { numRuns: 200 },
    )
  })
})

describe('torsion components (where the two verifiers legitimately differ, the node being stricter)', () => {
  const messages = [new Uint8Array(0), new TextEncoder().encode('precommit'), new Uint8Array(64).fill(0x11)]

  it('non-canonical R (small-order point encoded with y >= p) is rejected by both', () => {
    const seed = new Uint8Array(32).fill(0x21)
    const { scalar } = ed.utils.getExtendedPublicKey(seed)
    const { publicKey } = keyPairFromSecret(seed)
    for (const r of [toLE(P), toLE(P + 1n), withSignBit(toLE(P)), withSignBit(toLE(P + 1n)), withSignBit(toLE(1n)), withSignBit(toLE(P - 1n))]) {
      for (const message of messages) {
        // R is a small-order point T and S = k·a: 8·(R + k·A - S·B) = 8·T = 0, so ZIP-215 accepts it.
        const s = mod(challenge(r, publicKey, message) * scalar, L)
        const signature = concatBytes(r, toLE(s))
        expect(ed.verify(signature, message, publicKey, { zip215: true })).toBe(true)
        expect(bothVerify(signature, message, publicKey)).toEqual({ noble: false, node: false })
      }
    }
  })

  it('R = r·B + T: noble (cofactored) accepts, the node (cofactorless) only when T is the identity', () => {
    fc.assert(
      fc.property(seedArb, messageArb, fc.bigInt({ min: 0n, max: L - 1n }), fc.nat({ max: 7 }), (seed, message, r, torsionIndex) => {
        const { scalar } = ed.utils.getExtendedPublicKey(seed)
        const { publicKey } = keyPairFromSecret(seed)
        const torsion = TORSION[torsionIndex]!
        const R = times(G, r).add(torsion.point).toBytes()
        const s = mod(r + challenge(R, publicKey, message) * scalar, L)
        const result = bothVerify(concatBytes(R, toLE(s)), message, publicKey)
        expect(result).toEqual({ noble: true, node: torsion.order === 1n })
      }),
      { numRuns: 100 },
    )
  })

  it('mixed-order key A = a·B + T: noble accepts, the node only when k·T = 0', () => {
    fc.assert(
      fc.property(seedArb, messageArb, fc.bigInt({ min: 1n, max: L - 1n }), fc.nat({ max: 6 }), (seed, message, r, index) => {
        const { scalar, point } = ed.utils.getExtendedPublicKey(seed)
        const torsion = TORSION[index + 1]! // never the identity
        const mixedKey = point.add(torsion.point).toBytes()
        const R = G.multiply(r).toBytes()
        const k = challenge(R, mixedKey, message)
        const signature = concatBytes(R, toLE(mod(r + k * scalar, L)))
        expect(bothVerify(signature, message, mixedKey)).toEqual({ noble: true, node: k % torsion.order === 0n })
      }),
      { numRuns: 100 },
    )
  })
})

describe('signTx', () => {
  const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex)
  const chainIdArb = fc.string({ minLength: 1, maxLength: 64 })
  const bodyArb: fc.Arbitrary<CreditTransferBody> = fc.record({
    batchId: fc.string({ maxLength: 80 }),
    quantity: fc.nat(),
    range: fc.option(fc.record({ start: fc.nat(), end: fc.nat() }), { nil: null }),
    to: hex64,
  })

  it('txBytes decode to the same fields; id = sha256(txBytes); signature is over txSignBytes(chainId, txBytes)', () => {
    fc.assert(
      fc.property(seedArb, chainIdArb, fc.nat({ max: Number.MAX_SAFE_INTEGER }), bodyArb, (seed, chainId, nonce, body) => {
        const keyPair = keyPairFromSecret(seed)
        const signed = signTx(keyPair, chainId, 'credit.transfer', nonce, body)
        const tx = decodeTx(signed.txBytes)
        expect(tx).toEqual({ chainId, kind: 'credit.transfer', sender: keyPair.publicKey, nonce, body })
        expect(bytesToHex(encodeTx(tx))).toBe(bytesToHex(signed.txBytes))
        expect(signed.id).toBe(createHash('sha256').update(signed.txBytes).digest('hex'))
        expect(signed.id).toBe(txId(signed.txBytes))
        expect(bytesToHex(signed.bytes)).toBe(bytesToHex(encodeSignedTx({ txBytes: signed.txBytes, signature: signed.signature })))
        const envelope = decodeSignedTx(signed.bytes)
        expect(bytesToHex(envelope.txBytes)).toBe(bytesToHex(signed.txBytes))
        expect(bytesToHex(envelope.signature)).toBe(bytesToHex(signed.signature))
        const signBytes = txSignBytes(chainId, signed.txBytes)
        expect(bytesToHex(signed.signature)).toBe(bytesToHex(nodeSignature(signBytes, seed)))
        expect(bothVerify(signed.signature, signBytes, tx.sender)).toEqual({ noble: true, node: true })
        // Not a signature over the raw bytes or their id.
        expect(bothVerify(signed.signature, signed.txBytes, tx.sender)).toEqual({ noble: false, node: false })
      }),
      { numRuns: 150 },
    )
  })

  it('the signature covers the chain id', () => {
    fc.assert(
      fc.property(seedArb, chainIdArb, chainIdArb, bodyArb, (seed, chainId, otherChainId, body) => {
        fc.pre(chainId !== otherChainId)
        const keyPair = keyPairFromSecret(seed)
        const signed = signTx(keyPair, chainId, 'credit.transfer', 0, body)
        expect(bothVerify(signed.signature, txSignBytes(otherChainId, signed.txBytes), keyPair.publicKey)).toEqual({ noble: false, node: false })
      }),
      { numRuns: 150 },
    )
  })

  it('txSignBytes is sha256(u32 len || "tonne/tx/v1" || u32 len || chainId || txBytes)', () => {
    fc.assert(
      fc.property(chainIdArb, fc.uint8Array({ maxLength: 200 }), (chainId, txBytes) => {
        const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
        const tag = Buffer.from(DOMAIN_TX, 'utf8')
        const chain = Buffer.from(chainId, 'utf8')
        const expected = createHash('sha256').update(Buffer.concat([u32(tag.length), tag, u32(chain.length), chain, txBytes])).digest('hex')
        expect(bytesToHex(txSignBytes(chainId, txBytes))).toBe(expected)
      }),
    )
    // Length prefixes: moving bytes between chain id and tx bytes changes what is signed.
    expect(bytesToHex(txSignBytes('ab', new Uint8Array([0x63])))).not.toBe(bytesToHex(txSignBytes('abc', new Uint8Array(0))))
  })

  it('a signature is bound to its sender: another key does not verify it', () => {
    const a = keyPairFromSecret(new Uint8Array(32).fill(1))
    const b = keyPairFromSecret(new Uint8Array(32).fill(2))
    const signed = signTx(a, 'tonne-test', 'credit.transfer', 0, { batchId: 'b', quantity: 1, range: null, to: bytesToHex(b.publicKey) })
    expect(bothVerify(signed.signature, txSignBytes('tonne-test', signed.txBytes), b.publicKey)).toEqual({ noble: false, node: false })
  })
})
