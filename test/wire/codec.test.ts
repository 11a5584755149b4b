// The wire codec (client/wire.ts): round trips, determinism, hashes and sign bytes that change with every field,
// and fuzzing of every decoder with random bytes, random msgpack values and mutated valid encodings. A decoder
// returns a well-typed value or throws WireError / DecodeError; nothing else, and it never hangs.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BLOCK_BYTES_MAX,
  BLOCK_TXS_MAX,
  blockHash,
  bytesToHex,
  concatBytes,
  decode,
  decodeBlock,
  decodeBlockHeader,
  decodeCertificate,
  decodeConsensusMessage,
  DecodeError,
  decodeSignedTx,
  decodeSyncRequest,
  decodeSyncResponse,
  decodeTxGossip,
  decodeTx,
  DOMAIN_PROPOSAL,
  DOMAIN_VOTE,
  encode,
  encodeBlock,
  encodeBlockHeader,
  encodeCertificate,
  encodeConsensusMessage,
  encodeSignedTx,
  encodeSyncRequest,
  encodeSyncResponse,
  encodeTxGossip,
  TX_GOSSIP_BYTES_MAX,
  TX_GOSSIP_TXS_MAX,
  encodeTx,
  proposalSignBytes,
  SYNC_BLOCKS_PER_RESPONSE_MAX,
  TX_BYTES_MAX,
  TX_KINDS,
  txSignBytes,
  txsHash,
  voteSignBytes,
  WireError,
  ZERO_HASH,
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type ConsensusMessage,
  type Proposal,
  type SignedTx,
  type SyncRequest,
  type SyncResponse,
  type Tx,
  type Vote,
  type VoteType,
} from '../../client/wire.ts'

const U32_MAX = 0xffff_ffff
const hex = bytesToHex

// ---------------------------------------------------------------------------------------------------------
// Arbitraries for valid values.
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })
const bytes32 = bytes(32)
const bytes64 = bytes(64)
const chainIdArb = fc.string({ minLength: 1, maxLength: 64 })
const safeNat = fc.nat({ max: Number.MAX_SAFE_INTEGER })
const roundArb = fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: U32_MAX }), fc.constant(U32_MAX))

const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  chainId: chainIdArb,
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  timeMs: safeNat,
  previousBlockHash: bytes32,
  txsHash: bytes32,
  appHash: bytes32,
  proposer: bytes32,
  evidenceHash: bytes32,
})

const signedTxArb: fc.Arbitrary<SignedTx> = fc.record({ txBytes: fc.uint8Array({ maxLength: 200 }), signature: bytes64 })

const txArb: fc.Arbitrary<Tx> = fc.record({
  chainId: chainIdArb,
  kind: fc.constantFrom(...TX_KINDS),
  sender: bytes32,
  nonce: safeNat,
  // "__proto__" is the one key that does not round-trip (see below).
  body: fc.dictionary(fc.string({ maxLength: 12 }).filter((key) => key !== '__proto__'), fc.oneof(fc.string(), fc.nat(), fc.constant(null)), { maxKeys: 6 }),
}) as unknown as fc.Arbitrary<Tx>

const blockArb: fc.Arbitrary<Block> = fc.record({ header: headerArb, txs: fc.array(signedTxArb.map(encodeSignedTx), { maxLength: 5 }), evidence: fc.constant([]) })

const certificateArb: fc.Arbitrary<CommitCertificate> = fc.record({
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  round: roundArb,
  blockHash: bytes32,
  signatures: fc.array(fc.record({ validatorIndex: safeNat, signature: bytes64 }), { maxLength: 6 }),
})

const proposalArb: fc.Arbitrary<Proposal> = fc.record({
  height: safeNat,
  round: roundArb,
  polRound: fc.oneof(fc.constant(-1), fc.integer({ min: -1, max: 20 }), fc.integer({ min: -1, max: U32_MAX - 1 })),
  blockHash: bytes32,
  validatorIndex: safeNat,
  signature: bytes64,
})

const voteArb: fc.Arbitrary<Vote> = fc.record({
  type: fc.constantFrom<VoteType>('prevote', 'precommit'),
  height: safeNat,
  round: roundArb,
  blockHash: fc.option(bytes32, { nil: null }),
  validatorIndex: safeNat,
  signature: bytes64,
})

const consensusMessageArb: fc.Arbitrary<ConsensusMessage> = fc.oneof(
  fc.record({ type: fc.constant('proposal' as const), proposal: proposalArb, block: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant('vote' as const), vote: voteArb }),
)

const syncRequestArb: fc.Arbitrary<SyncRequest> = fc.record({ fromHeight: safeNat, count: fc.nat({ max: SYNC_BLOCKS_PER_RESPONSE_MAX }) })

const syncResponseArb: fc.Arbitrary<SyncResponse> = fc.record({
  latestHeight: safeNat,
  blocks: fc.array(fc.record({ block: fc.uint8Array({ maxLength: 100 }), certificate: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 6 }),
})

/** Valid encodings of every wire type. */
const validEncodingArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  signedTxArb.map(encodeSignedTx),
  txArb.map(encodeTx),
  blockArb.map(encodeBlock),
  headerArb.map(encodeBlockHeader),
  certificateArb.map(encodeCertificate),
  consensusMessageArb.map(encodeConsensusMessage),
  syncRequestArb.map(encodeSyncRequest),
  syncResponseArb.map(encodeSyncResponse),
)

// ---------------------------------------------------------------------------------------------------------
// The decoders, each with a check that its result is well typed and its encoder (to test a fixpoint).
const isU8 = (value: unknown, length?: number) => value instanceof Uint8Array && (length === undefined || value.length === length)
const isNat = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
const isU32 = (value: unknown) => isNat(value) && (value as number) <= U32_MAX

function checkHeader(header: BlockHeader): void {
  expect(typeof header.chainId).toBe('string')
  expect(isNat(header.height) && header.height >= 1).toBe(true)
  expect(isNat(header.timeMs)).toBe(true)
  for (const field of [header.previousBlockHash, header.txsHash, header.appHash, header.proposer, header.evidenceHash]) expect(isU8(field, 32)).toBe(true)
}

interface DecoderCase {
  name: string
  decode: (bytes: Uint8Array) => unknown
  check: (value: never) => void
  encode: (value: never) => Uint8Array
}

const DECODERS: DecoderCase[] = [
  {
    name: 'decodeSignedTx',
    decode: decodeSignedTx,
    check: (value: SignedTx) => {
      expect(isU8(value.txBytes) && value.txBytes.length <= TX_BYTES_MAX).toBe(true)
      expect(isU8(value.signature, 64)).toBe(true)
    },
    encode: encodeSignedTx,
  },
  {
    name: 'decodeTx',
    decode: decodeTx,
    check: (value: Tx) => {
      expect(typeof value.chainId === 'string' && value.chainId.length >= 1 && value.chainId.length <= 64).toBe(true)
      expect(TX_KINDS).toContain(value.kind)
      expect(isU8(value.sender, 32)).toBe(true)
      expect(isNat(value.nonce)).toBe(true)
      expect(typeof value.body === 'object' && value.body !== null && !Array.isArray(value.body)).toBe(true)
    },
    encode: encodeTx,
  },
  {
    name: 'decodeBlock',
    decode: decodeBlock,
    check: (value: Block) => {
      checkHeader(value.header)
      expect(Array.isArray(value.txs) && value.txs.length <= BLOCK_TXS_MAX).toBe(true)
      for (const tx of value.txs) expect(isU8(tx)).toBe(true)
    },
    encode: encodeBlock,
  },
  { name: 'decodeBlockHeader', decode: decodeBlockHeader, check: checkHeader, encode: encodeBlockHeader },
  {
    name: 'decodeCertificate',
    decode: decodeCertificate,
    check: (value: CommitCertificate) => {
      expect(isNat(value.height) && value.height >= 1).toBe(true)
      expect(isU32(value.round)).toBe(true)
      expect(isU8(value.blockHash, 32)).toBe(true)
      expect(Array.isArray(value.signatures)).toBe(true)
      for (const entry of value.signatures) expect(isNat(entry.validatorIndex) && isU8(entry.signature, 64)).toBe(true)
    },
    encode: encodeCertificate,
  },
  {
    name: 'decodeConsensusMessage',
    decode: decodeConsensusMessage,
    check: (value: ConsensusMessage) => {
      if (value.type === 'proposal') {
        const p = value.proposal
        expect(isNat(p.height) && isU32(p.round) && isNat(p.validatorIndex)).toBe(true)
        expect(Number.isSafeInteger(p.polRound) && p.polRound >= -1 && p.polRound < U32_MAX).toBe(true)
        expect(isU8(p.blockHash, 32) && isU8(p.signature, 64) && isU8(value.block)).toBe(true)
        // Signable without throwing.
        expect(proposalSignBytes('c', p).length).toBe(32)
      } else {
        expect(value.type).toBe('vote')
        const v = value.vote
        expect(['prevote', 'precommit']).toContain(v.type)
        expect(isNat(v.height) && isU32(v.round) && isNat(v.validatorIndex)).toBe(true)
        expect(v.blockHash === null || isU8(v.blockHash, 32)).toBe(true)
        expect(isU8(v.signature, 64)).toBe(true)
        expect(voteSignBytes('c', v).length).toBe(32)
      }
    },
    encode: encodeConsensusMessage,
  },
  {
    name: 'decodeSyncRequest',
    decode: decodeSyncRequest,
    check: (value: SyncRequest) => {
      expect(isNat(value.fromHeight) && isNat(value.count) && value.count <= SYNC_BLOCKS_PER_RESPONSE_MAX).toBe(true)
    },
    encode: encodeSyncRequest,
  },
  {
    name: 'decodeSyncResponse',
    decode: decodeSyncResponse,
    check: (value: SyncResponse) => {
      expect(isNat(value.latestHeight)).toBe(true)
      expect(Array.isArray(value.blocks) && value.blocks.length <= SYNC_BLOCKS_PER_RESPONSE_MAX).toBe(true)
      for (const entry of value.blocks) expect(isU8(entry.block) && isU8(entry.certificate)).toBe(true)
    },
    encode: encodeSyncResponse,
  },
  {
    name: 'decodeTxGossip',
    decode: decodeTxGossip,
    check: (value: Uint8Array[]) => {
      expect(Array.isArray(value) && value.length >= 1 && value.length <= TX_GOSSIP_TXS_MAX).toBe(true)
      for (const tx of value) expect(isU8(tx)).toBe(true)
    },
    encode: encodeTxGossip,
  },
]

const WIRE_ERROR_CODES = ['TX_TOO_LARGE', 'MALFORMED_TX', 'UNKNOWN_KIND', 'BLOCK_TOO_LARGE', 'MALFORMED_BLOCK', 'MALFORMED_CERTIFICATE', 'MALFORMED_MESSAGE']

/** Runs one decoder on bytes; returns 'ok' or 'rejected', and fails the test on any other outcome. */
function runDecoder(decoder: DecoderCase, input: Uint8Array): 'ok' | 'rejected' {
  const before = Buffer.from(input) // a copy
  const shown = () => hex(input.subarray(0, 200)) + (input.length > 200 ? `... (${input.length} bytes)` : '')
  let value: unknown
  try {
    value = decoder.decode(input)
  } catch (error) {
    if (error instanceof WireError) {
      expect(WIRE_ERROR_CODES).toContain(error.code)
    } else if (!(error instanceof DecodeError)) {
      throw new Error(`${decoder.name} threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.message} on ${shown()}`)
    }
    expect(before.equals(input), 'a decoder must not modify its input').toBe(true)
    return 'rejected'
  }
  expect(before.equals(input), 'a decoder must not modify its input').toBe(true)
  try {
    ;(decoder.check as (value: unknown) => void)(value)
    // A decoded value re-encodes, and decoding that is a fixpoint.
    const encoded = (decoder.encode as (value: unknown) => Uint8Array)(value)
    const again = decoder.decode(encoded)
    ;(decoder.check as (value: unknown) => void)(again)
    expect(hex((decoder.encode as (value: unknown) => Uint8Array)(again))).toBe(hex(encoded))
  } catch (error) {
    throw new Error(`${decoder.name} accepted ${shown()} but: ${(error as Error).message}`)
  }
  return 'ok'
}

function runAllDecoders(input: Uint8Array): void {
  for (const decoder of DECODERS) runDecoder(decoder, input)
}

function expectWireError(run: () => unknown, code: string): void {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown, `expected WireError ${code}`).toBeInstanceOf(WireError)
  expect((thrown as WireError).code).toBe(code)
}

// ---------------------------------------------------------------------------------------------------------
describe('round trips', () => {
  it('transaction gossip messages, and their bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: TX_GOSSIP_TXS_MAX }), (txs) => {
        expect(decodeTxGossip(encodeTxGossip(txs))).toEqual(txs)
      }),
      { numRuns: 50 },
    )
    expectWireError(() => decodeTxGossip(encodeTxGossip([])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeTxGossip(encodeTxGossip(Array.from({ length: TX_GOSSIP_TXS_MAX + 1 }, () => new Uint8Array(1)))), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeTxGossip(encodeTxGossip([new Uint8Array(TX_GOSSIP_BYTES_MAX)])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeTxGossip(encode([new Uint8Array(1), 'not bytes'])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeTxGossip(encode({ txs: [] })), 'MALFORMED_MESSAGE')
  })

  it('signed transactions and transactions', () => {
    fc.assert(
      fc.property(signedTxArb, txArb, (signed, tx) => {
        expect(decodeSignedTx(encodeSignedTx(signed))).toEqual(signed)
        expect(decodeTx(encodeTx(tx))).toEqual(tx)
      }),
    )
  })

  it('block headers and blocks', () => {
    fc.assert(
      fc.property(blockArb, (block) => {
        expect(decodeBlockHeader(encodeBlockHeader(block.header))).toEqual(block.header)
        const decoded = decodeBlock(encodeBlock(block))
        expect(decoded).toEqual(block)
        expect(hex(blockHash(decoded.header))).toBe(hex(blockHash(block.header)))
      }),
    )
  })

  it('commit certificates', () => {
    fc.assert(
      fc.property(certificateArb, (certificate) => {
        expect(decodeCertificate(encodeCertificate(certificate))).toEqual(certificate)
      }),
    )
  })

  it('consensus messages: proposals, votes for a hash and nil votes', () => {
    fc.assert(
      fc.property(consensusMessageArb, (message) => {
        expect(decodeConsensusMessage(encodeConsensusMessage(message))).toEqual(message)
      }),
    )
    const vote = (blockHashValue: Uint8Array | null): ConsensusMessage => ({
      type: 'vote',
      vote: { type: 'precommit', height: 3, round: 1, blockHash: blockHashValue, validatorIndex: 2, signature: new Uint8Array(64).fill(1) },
    })
    const nil = decodeConsensusMessage(encodeConsensusMessage(vote(null)))
    expect(nil.type === 'vote' && nil.vote.blockHash).toBeNull()
    const zero = decodeConsensusMessage(encodeConsensusMessage(vote(ZERO_HASH)))
    expect(zero.type === 'vote' && zero.vote.blockHash).toEqual(ZERO_HASH) // a zero hash is not nil
  })

  it('sync requests (count capped) and responses', () => {
    fc.assert(
      fc.property(syncRequestArb, syncResponseArb, (request, response) => {
        expect(decodeSyncRequest(encodeSyncRequest(request))).toEqual(request)
        expect(decodeSyncResponse(encodeSyncResponse(response))).toEqual(response)
      }),
    )
    fc.assert(
      fc.property(safeNat, fc.integer({ min: SYNC_BLOCKS_PER_RESPONSE_MAX, max: Number.MAX_SAFE_INTEGER }), (fromHeight, count) => {
        expect(decodeSyncRequest(encodeSyncRequest({ fromHeight, count }))).toEqual({ fromHeight, count: SYNC_BLOCKS_PER_RESPONSE_MAX })
      }),
    )
  })

  it('decoded values are copies, not views of the input', () => {
    fc.assert(
      fc.property(blockArb, (block) => {
        const encoded = encodeBlock(block)
        const decoded = decodeBlock(encoded)
        const snapshot = hex(encodeBlock(decoded))
        encoded.fill(0)
        expect(hex(encodeBlock(decoded))).toBe(snapshot)
      }),
      { numRuns: 30 },
    )
    const signed = encodeSignedTx({ txBytes: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(7) })
    const decoded = decodeSignedTx(signed)
    signed.fill(0)
    expect([...decoded.txBytes]).toEqual([1, 2, 3])
    expect(decoded.signature.every((byte) => byte === 7)).toBe(true)
  })
})

describe('determinism', () => {
  it('the same value (or a deep copy of it) always encodes to the same bytes', () => {
    fc.assert(
      fc.property(blockArb, certificateArb, consensusMessageArb, txArb, syncResponseArb, (block, certificate, message, tx, response) => {
        for (const [encodeIt, value] of [
          [encodeBlock, block],
          [encodeBlockHeader, block.header],
          [encodeCertificate, certificate],
          [encodeConsensusMessage, message],
          [encodeTx, tx],
          [encodeSyncResponse, response],
        ] as [(value: unknown) => Uint8Array, unknown][]) {
          const first = hex(encodeIt(value))
          expect(hex(encodeIt(value))).toBe(first)
          expect(hex(encodeIt(structuredClone(value)))).toBe(first)
        }
      }),
    )
  })

  it('encodeTx does not depend on the order the envelope fields were set in', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const reordered = { body: tx.body, nonce: tx.nonce, sender: tx.sender, kind: tx.kind, chainId: tx.chainId } as Tx
        expect(hex(encodeTx(reordered))).toBe(hex(encodeTx(tx)))
      }),
    )
  })

  it('an encoding stays intact while later values are encoded (no shared-buffer reuse)', () => {
    const first = encodeBlockHeader({ chainId: 'c', height: 1, timeMs: 0, previousBlockHash: ZERO_HASH, txsHash: ZERO_HASH, appHash: ZERO_HASH, proposer: ZERO_HASH, evidenceHash: ZERO_HASH })
    const snapshot = hex(first)
    for (let index = 0; index < 5_000; index += 1) encode({ filler: new Uint8Array(200).fill(index & 0xff), index })
    expect(hex(first)).toBe(snapshot)
  })

  it('integers use the smallest msgpack form', () => {
    expect(hex(encode(0))).toBe('00')
    expect(hex(encode(127))).toBe('7f')
    expect(hex(encode(-1))).toBe('ff')
    expect(hex(encode(255))).toBe('ccff')
    expect(hex(encode(65_536))).toBe('ce00010000')
    // msgpackr writes integers of 2^32 and above as float64 (exact for safe integers): deterministic, and they decode
    // back to the same number. (So heights and times in ms above 2^32 travel as float64, not uint64.)
    expect(hex(encode(2 ** 32))).toBe('cb41f0000000000000')
    fc.assert(
      fc.property(fc.oneof(safeNat, fc.integer({ min: -(2 ** 31), max: 0 })), (n) => {
        expect(decode(encode(n))).toBe(n)
        expect(hex(encode(n))).toBe(hex(encode(n)))
      }),
    )
    expect(hex(encode(new Uint8Array([1, 2])))).toBe('c4020102') // binary as bin, not an array or ext
  })
})

describe('block hashes', () => {
  const mutators: { field: keyof BlockHeader; mutate: (header: BlockHeader, bit: number) => BlockHeader }[] = [
    { field: 'chainId', mutate: (h) => ({ ...h, chainId: h.chainId + 'x' }) },
    { field: 'height', mutate: (h) => ({ ...h, height: h.height === Number.MAX_SAFE_INTEGER ? h.height - 1 : h.height + 1 }) },
    { field: 'timeMs', mutate: (h) => ({ ...h, timeMs: h.timeMs === 0 ? 1 : h.timeMs - 1 }) },
    ...(['previousBlockHash', 'txsHash', 'appHash', 'proposer', 'evidenceHash'] as const).map((field) => ({
      field,
      mutate: (h: BlockHeader, bit: number) => {
        const changed = new Uint8Array(h[field])
        changed[(bit >>> 3) % 32]! ^= 1 << (bit & 7)
        return { ...h, [field]: changed }
      },
    })),
  ]

  it('is sha256 of the encoded header', () => {
    fc.assert(
      fc.property(headerArb, (header) => {
        expect(hex(blockHash(header))).toBe(createHash('sha256').update(encodeBlockHeader(header)).digest('hex'))
      }),
    )
  })

  it.each(mutators)('changes when $field changes', ({ mutate }) => {
    fc.assert(
      fc.property(headerArb, fc.nat({ max: 255 }), (header, bit) => {
        expect(hex(blockHash(mutate(header, bit)))).not.toBe(hex(blockHash(header)))
      }),
    )
  })

  it('covers every header field (no field left out of the encoding)', () => {
    expect(new Set(mutators.map((m) => m.field))).toEqual(new Set(['chainId', 'height', 'timeMs', 'previousBlockHash', 'txsHash', 'appHash', 'proposer', 'evidenceHash']))
  })

  it('txsHash is sha256 of the concatenated sha256 of each signed transaction (signature included)', () => {
    fc.assert(
      fc.property(fc.array(signedTxArb, { maxLength: 6 }), (signed) => {
        const encoded = signed.map(encodeSignedTx)
        const digests = encoded.map((bytes) => createHash('sha256').update(bytes).digest())
        expect(hex(txsHash(encoded))).toBe(createHash('sha256').update(Buffer.concat(digests)).digest('hex'))
        // Changing a signature changes the hash.
        if (encoded.length > 0) {
          const first = signed[0] as (typeof signed)[number]
          const forged = new Uint8Array(first.signature)
          forged[0] = (forged[0] as number) ^ 1
          expect(hex(txsHash([encodeSignedTx({ txBytes: first.txBytes, signature: forged }), ...encoded.slice(1)]))).not.toBe(hex(txsHash(encoded)))
        }
      }),
    )
  })
})

describe('sign bytes', () => {
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
  const u64 = (n: number) => {
    const out = Buffer.alloc(8)
    out.writeBigUInt64BE(BigInt(n))
    return out
  }
  const domain = (tag: string, chainId: string) => {
    const t = Buffer.from(tag, 'utf8')
    const c = Buffer.from(chainId, 'utf8')
    return Buffer.concat([u32(t.length), t, u32(c.length), c])
  }
  const sha = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex')

  it('vote sign bytes follow the documented layout', () => {
    fc.assert(
      fc.property(chainIdArb, voteArb, (chainId, vote) => {
        const value = vote.blockHash === null ? Buffer.from([0]) : Buffer.concat([Buffer.from([1]), vote.blockHash])
        const expected = sha(domain(DOMAIN_VOTE, chainId), Buffer.from([vote.type === 'prevote' ? 1 : 2]), u64(vote.height), u32(vote.round), value)
        expect(hex(voteSignBytes(chainId, vote))).toBe(expected)
      }),
    )
  })

  it('proposal sign bytes follow the documented layout', () => {
    fc.assert(
      fc.property(chainIdArb, proposalArb, (chainId, proposal) => {
        const expected = sha(domain(DOMAIN_PROPOSAL, chainId), u64(proposal.height), u32(proposal.round), u32(proposal.polRound + 1), proposal.blockHash)
        expect(hex(proposalSignBytes(chainId, proposal))).toBe(expected)
      }),
    )
  })

  type VoteFields = Omit<Vote, 'signature' | 'validatorIndex'>
  const voteMutations: { name: string; mutate: (chainId: string, vote: VoteFields, other: Uint8Array) => [string, VoteFields] }[] = [
    { name: 'prevote vs precommit', mutate: (c, v) => [c, { ...v, type: v.type === 'prevote' ? 'precommit' : 'prevote' }] },
    { name: 'height', mutate: (c, v) => [c, { ...v, height: v.height + 1 }] },
    { name: 'round', mutate: (c, v) => [c, { ...v, round: v.round === U32_MAX ? 0 : v.round + 1 }] },
    { name: 'chain id', mutate: (c, v) => [c + '-2', v] },
    { name: 'nil vs hash', mutate: (c, v, other) => [c, { ...v, blockHash: v.blockHash === null ? other : null }] },
    { name: 'nil vs zero hash', mutate: (c, v) => [c, { ...v, blockHash: v.blockHash === null ? ZERO_HASH : null }] },
    {
      name: 'hash',
      mutate: (c, v, other) => {
        const changed = v.blockHash === null ? other : new Uint8Array(v.blockHash)
        if (v.blockHash !== null) changed[other[0]! % 32]! ^= 1 << (other[1]! & 7)
        return [c, { ...v, blockHash: changed }]
      },
    },
  ]

  it.each(voteMutations)('vote sign bytes differ by $name', ({ mutate }) => {
    fc.assert(
      fc.property(chainIdArb, voteArb, bytes32, (chainId, vote, other) => {
        const fields: VoteFields = { type: vote.type, height: Math.min(vote.height, Number.MAX_SAFE_INTEGER - 1), round: vote.round, blockHash: vote.blockHash }
        const [otherChainId, otherFields] = mutate(chainId, fields, other)
        expect(hex(voteSignBytes(otherChainId, otherFields))).not.toBe(hex(voteSignBytes(chainId, fields)))
      }),
    )
  })

  it('vote sign bytes do not depend on the validator index or signature', () => {
    fc.assert(
      fc.property(chainIdArb, voteArb, safeNat, bytes64, (chainId, vote, validatorIndex, signature) => {
        const withOthers: Vote = { ...vote, validatorIndex, signature }
        expect(hex(voteSignBytes(chainId, withOthers))).toBe(hex(voteSignBytes(chainId, vote)))
      }),
      { numRuns: 30 },
    )
  })

  type ProposalFields = Omit<Proposal, 'signature' | 'validatorIndex'>
  const proposalMutations: { name: string; mutate: (chainId: string, p: ProposalFields) => [string, ProposalFields] }[] = [
    { name: 'height', mutate: (c, p) => [c, { ...p, height: p.height + 1 }] },
    { name: 'round', mutate: (c, p) => [c, { ...p, round: p.round === U32_MAX ? 0 : p.round + 1 }] },
    { name: 'polRound', mutate: (c, p) => [c, { ...p, polRound: p.polRound === U32_MAX - 1 ? -1 : p.polRound + 1 }] },
    { name: 'chain id', mutate: (c, p) => ['x' + c, p] },
    {
      name: 'block hash',
      mutate: (c, p) => {
        const changed = new Uint8Array(p.blockHash)
        changed[31]! ^= 0x80
        return [c, { ...p, blockHash: changed }]
      },
    },
  ]

  it.each(proposalMutations)('proposal sign bytes differ by $name', ({ mutate }) => {
    fc.assert(
      fc.property(chainIdArb, proposalArb, (chainId, proposal) => {
        const fields: ProposalFields = { height: Math.min(proposal.height, Number.MAX_SAFE_INTEGER - 1), round: proposal.round, polRound: proposal.polRound, blockHash: proposal.blockHash }
        const [otherChainId, otherFields] = mutate(chainId, fields)
        expect(hex(proposalSignBytes(otherChainId, otherFields))).not.toBe(hex(proposalSignBytes(chainId, fields)))
      }),
    )
  })

  it('votes, proposals and transactions are domain-separated', () => {
    const hash32 = new Uint8Array(32).fill(5)
    const all = [
      voteSignBytes('c', { type: 'prevote', height: 1, round: 0, blockHash: hash32 }),
      voteSignBytes('c', { type: 'precommit', height: 1, round: 0, blockHash: hash32 }),
      proposalSignBytes('c', { height: 1, round: 0, polRound: -1, blockHash: hash32 }),
      txSignBytes('c', hash32),
    ].map(hex)
    expect(new Set(all).size).toBe(all.length)
  })

  it('no round or polRound aliasing at the u32 boundary', () => {
    const blockHashValue = new Uint8Array(32).fill(9)
    // Round 2^32 used to truncate to round 0, polRound 2^32-1 to polRound -1: same sign bytes, so a signature for
    // one was valid for the other. They now cannot be signed at all, and the decoders reject them.
    expect(() => voteSignBytes('c', { type: 'precommit', height: 1, round: 2 ** 32, blockHash: blockHashValue })).toThrow(RangeError)
    expect(() => proposalSignBytes('c', { height: 1, round: 2 ** 32, polRound: -1, blockHash: blockHashValue })).toThrow(RangeError)
    expect(() => proposalSignBytes('c', { height: 1, round: 0, polRound: U32_MAX, blockHash: blockHashValue })).toThrow(RangeError)
    expect(hex(voteSignBytes('c', { type: 'precommit', height: 1, round: U32_MAX, blockHash: blockHashValue }))).not.toBe(
      hex(voteSignBytes('c', { type: 'precommit', height: 1, round: 0, blockHash: blockHashValue })),
    )
    expect(hex(proposalSignBytes('c', { height: 1, round: 0, polRound: U32_MAX - 1, blockHash: blockHashValue }))).not.toBe(
      hex(proposalSignBytes('c', { height: 1, round: 0, polRound: -1, blockHash: blockHashValue })),
    )
    const signature = new Uint8Array(64)
    expectWireError(() => decodeConsensusMessage(encode(['vote', 'precommit', 1, 2 ** 32, blockHashValue, 0, signature])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeConsensusMessage(encode(['proposal', 1, 2 ** 32, -1, blockHashValue, 0, signature, new Uint8Array(0)])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeConsensusMessage(encode(['proposal', 1, 0, U32_MAX, blockHashValue, 0, signature, new Uint8Array(0)])), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeCertificate(encode([1, 2 ** 32, blockHashValue, []])), 'MALFORMED_CERTIFICATE')
    // The largest values still decode.
    expect(decodeConsensusMessage(encode(['vote', 'precommit', 1, U32_MAX, blockHashValue, 0, signature])).type).toBe('vote')
    expect(decodeConsensusMessage(encode(['proposal', 1, U32_MAX, U32_MAX - 1, blockHashValue, 0, signature, new Uint8Array(0)])).type).toBe('proposal')
    expect(decodeCertificate(encode([1, U32_MAX, blockHashValue, []])).round).toBe(U32_MAX)
  })

  it('random distinct vote fields never collide', () => {
    fc.assert(
      fc.property(chainIdArb, voteArb, chainIdArb, voteArb, (chainA, a, chainB, b) => {
        const key = (c: string, v: Vote) => JSON.stringify([c, v.type, v.height, v.round, v.blockHash === null ? null : hex(v.blockHash)])
        fc.pre(key(chainA, a) !== key(chainB, b))
        expect(hex(voteSignBytes(chainA, a))).not.toBe(hex(voteSignBytes(chainB, b)))
      }),
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// Fuzzing.
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'toJSON', 'hasOwnProperty', 'chainId', 'kind', 'sender', 'nonce', 'body', 'length', 'then']
const TAGS = ['vote', 'proposal', 'prevote', 'precommit', ...TX_KINDS, ...DANGEROUS_KEYS, '', 'VCS']

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -1, max: 64 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(-0, 0.5, 1.5, -1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, -(2 ** 63), 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 60, maxLength: 70 }),
  fc.constantFrom(...TAGS),
  fc.uint8Array({ maxLength: 80 }),
  bytes32,
  bytes64,
  validEncodingArb,
)

const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('value'), { maxLength: 9 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...DANGEROUS_KEYS)), tie('value'), { maxKeys: 6 }),
  ),
}))

/** Valid-looking shapes with one field replaced, added or removed, to get past each decoder's first checks. */
const shapedArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(
    fc.oneof<fc.Arbitrary<unknown[]>[]>(
      blockArb.map((b) => [encodeBlockHeader(b.header), b.txs, []]),
      headerArb.map((h) => [h.chainId, h.height, h.timeMs, h.previousBlockHash, h.txsHash, h.appHash, h.proposer, h.evidenceHash]),
      certificateArb.map((c) => [c.height, c.round, c.blockHash, c.signatures.map((s) => [s.validatorIndex, s.signature])]),
      proposalArb.map((p) => ['proposal', p.height, p.round, p.polRound, p.blockHash, p.validatorIndex, p.signature, new Uint8Array(3)]),
      voteArb.map((v) => ['vote', v.type, v.height, v.round, v.blockHash, v.validatorIndex, v.signature]),
      syncRequestArb.map((r) => [r.fromHeight, r.count]),
      syncResponseArb.map((r) => [r.latestHeight, r.blocks.map((b) => [b.block, b.certificate])]),
      signedTxArb.map((s) => [s.txBytes, s.signature]),
    ),
    fc.nat(),
    valueArb,
    fc.constantFrom('replace', 'append', 'remove', 'nest'),
  ).map(([fields, index, value, how]) => {
    const copy = [...fields]
    const at = index % Math.max(1, copy.length)
    if (how === 'replace') copy[at] = value
    else if (how === 'append') copy.push(value)
    else if (how === 'remove') copy.splice(at, 1)
    else copy[at] = [copy[at], value]
    return copy
  }),
  fc.tuple(txArb, fc.constantFrom('chainId', 'kind', 'sender', 'nonce', 'body', '__proto__', 'toString'), valueArb, fc.boolean()).map(([tx, key, value, remove]) => {
    const record: Record<string, unknown> = { chainId: tx.chainId, kind: tx.kind, sender: tx.sender, nonce: tx.nonce, body: tx.body }
    if (remove) delete record[key]
    else Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true })
    return record
  }),
)

/** msgpack-encodes a generated value; values msgpackr itself refuses to encode become null. */
function encodeOrNull(value: unknown): Uint8Array {
  try {
    return encode(value)
  } catch {
    return encode(null)
  }
}

describe('fuzzing every decoder', () => {
  it('(a) random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        runAllDecoders(input)
      }),
      { numRuns: 3_000 },
    )
  })

  it('(a) random bytes behind a plausible msgpack header byte', () => {
    const headerByte = fc.constantFrom(0x92, 0x94, 0x97, 0x98, 0x85, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xcf, 0xd3, 0xcb, 0xca, 0xc1)
    fc.assert(
      fc.property(headerByte, fc.uint8Array({ maxLength: 120 }), (first, rest) => {
        runAllDecoders(concatBytes(new Uint8Array([first]), rest))
      }),
      { numRuns: 3_000 },
    )
  })

  it('(b) random msgpack-encoded values: nested arrays and maps, huge, negative and float numbers, strings, binary', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        runAllDecoders(encodeOrNull(value))
      }),
      { numRuns: 2_000 },
    )
  })

  it('(b) fast-check anything, msgpack-encoded', () => {
    const anything = fc.anything({ maxDepth: 4, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true })
    fc.assert(
      fc.property(anything, (value) => {
        runAllDecoders(encodeOrNull(value))
      }),
      { numRuns: 1_500 },
    )
  })

  it('(b) valid shapes with one field wrong', () => {
    let accepted = 0
    fc.assert(
      fc.property(shapedArb, (value) => {
        const input = encodeOrNull(value)
        for (const decoder of DECODERS) if (runDecoder(decoder, input) === 'ok') accepted += 1
      }),
      { numRuns: 3_000 },
    )
    expect(accepted).toBeGreaterThan(0) // the generator does reach the accepting paths
  })

  const mutationArb = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), extra: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x7f, 0x80, 0x90, 0xc0, 0xc1, 0xc2, 0xc4, 0xcb, 0xcf, 0xd3, 0xd9, 0xdc, 0xdd, 0xde, 0xdf, 0xff) }),
  )

  it('(c) mutations of valid encodings: bit flips, truncation, appended, inserted, deleted and overwritten bytes', () => {
    fc.assert(
      fc.property(validEncodingArb, mutationArb, (valid, mutation) => {
        let input: Uint8Array
        switch (mutation.kind) {
          case 'flip':
            input = new Uint8Array(valid)
            for (const bit of mutation.bits) input[(bit >>> 3) % input.length]! ^= 1 << (bit & 7)
            break
          case 'truncate':
            input = valid.slice(0, mutation.at % valid.length)
            break
          case 'append':
            input = concatBytes(valid, mutation.extra)
            break
          case 'insert': {
            const at = mutation.at % (valid.length + 1)
            input = concatBytes(valid.subarray(0, at), mutation.extra, valid.subarray(at))
            break
          }
          case 'delete': {
            const at = mutation.at % valid.length
            input = concatBytes(valid.subarray(0, at), valid.subarray(at + mutation.count))
            break
          }
          case 'overwrite':
            input = new Uint8Array(valid)
            input[mutation.at % input.length] = mutation.byte
            break
        }
        for (const decoder of DECODERS) {
          const outcome = runDecoder(decoder, input)
          // msgpack is prefix-free: a strict prefix or trailing bytes never decode.
          if (mutation.kind === 'truncate' || mutation.kind === 'append') expect(outcome).toBe('rejected')
        }
      }),
      { numRuns: 4_000 },
    )
  })

  it('pathological inputs are rejected quickly (no hang, no stack overflow escaping)', () => {
    const u32Max = [0xff, 0xff, 0xff, 0xff]
    const inputs = [
      new Uint8Array(0),
      new Uint8Array([0xdd, ...u32Max]), // array32 of 2^32-1 elements, no data
      new Uint8Array([0xdf, ...u32Max]), // map32
      new Uint8Array([0xc6, ...u32Max]), // bin32
      new Uint8Array([0xdb, ...u32Max]), // str32
      new Uint8Array([0xc9, ...u32Max, 0x01]), // ext32
      new Uint8Array(200_000).fill(0x91), // [[[[...]]]] nested far beyond the stack
      new Uint8Array(200_000).fill(0x81), // {k: {k: ...}} with fixint keys
      concatBytes(new Uint8Array([0xdd, 0x00, 0x10, 0x00, 0x00]), new Uint8Array(0x100000).fill(0xc0)), // 1M nils
      concatBytes(new Uint8Array([0xdc, 0xff, 0xff]), new Uint8Array(0xffff).fill(0x92)), // 65535 truncated pairs
      new Uint8Array([0xc1]), // never used
      new Uint8Array([0xd4, 0x05, 0x00]), // unknown extension
      new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]), // timestamp extension (a Date)
      new Uint8Array([0xc7, 9, 0x74, 8, 0, 0, 0, 0, 0, 0, 0, 0]), // typed-array extension
      new Uint8Array([0xd4, 0x72, 0x00]), // msgpackr record definition
    ]
    for (const input of inputs) {
      const started = performance.now()
      runAllDecoders(input)
      expect(performance.now() - started).toBeLessThan(5_000)
    }
  })
})

describe('targeted rejections', () => {
  const sig = new Uint8Array(64)
  const key = new Uint8Array(32)
  const validTx = { chainId: 'tonne-test', kind: 'credit.transfer', sender: key, nonce: 0, body: {} }

  it('oversize transactions are TX_TOO_LARGE', () => {
    expect(decodeSignedTx(encodeSignedTx({ txBytes: new Uint8Array(TX_BYTES_MAX), signature: sig })).txBytes.length).toBe(TX_BYTES_MAX)
    expectWireError(() => decodeSignedTx(encodeSignedTx({ txBytes: new Uint8Array(TX_BYTES_MAX + 1), signature: sig })), 'TX_TOO_LARGE')
    expectWireError(() => decodeSignedTx(encodeSignedTx({ txBytes: new Uint8Array(TX_BYTES_MAX * 4), signature: sig })), 'TX_TOO_LARGE')
    // Rejected on size before being parsed at all: these bytes are not even msgpack.
    expectWireError(() => decodeSignedTx(new Uint8Array(TX_BYTES_MAX + 129).fill(0xc1)), 'TX_TOO_LARGE')
    fc.assert(
      fc.property(fc.integer({ min: TX_BYTES_MAX + 1, max: TX_BYTES_MAX + 5_000 }), (length) => {
        expectWireError(() => decodeSignedTx(encodeSignedTx({ txBytes: new Uint8Array(length), signature: sig })), 'TX_TOO_LARGE')
      }),
      { numRuns: 20 },
    )
  })

  it('oversize blocks, too many txs, signatures or synced blocks', () => {
    expectWireError(() => decodeBlock(new Uint8Array(BLOCK_BYTES_MAX + 1)), 'BLOCK_TOO_LARGE')
    const header = encodeBlockHeader({ chainId: 'c', height: 1, timeMs: 0, previousBlockHash: key, txsHash: key, appHash: key, proposer: key, evidenceHash: key })
    expect(decodeBlock(encode([header, new Array(BLOCK_TXS_MAX).fill(new Uint8Array(1)), []])).txs.length).toBe(BLOCK_TXS_MAX)
    expectWireError(() => decodeBlock(encode([header, new Array(BLOCK_TXS_MAX + 1).fill(new Uint8Array(1)), []])), 'MALFORMED_BLOCK')
    expectWireError(() => decodeCertificate(encode([1, 0, key, new Array(1_001).fill([0, sig])])), 'MALFORMED_CERTIFICATE')
    const entry = [new Uint8Array(1), new Uint8Array(1)]
    expect(decodeSyncResponse(encode([1, new Array(SYNC_BLOCKS_PER_RESPONSE_MAX).fill(entry)])).blocks.length).toBe(SYNC_BLOCKS_PER_RESPONSE_MAX)
    expectWireError(() => decodeSyncResponse(encode([1, new Array(SYNC_BLOCKS_PER_RESPONSE_MAX + 1).fill(entry)])), 'MALFORMED_MESSAGE')
  })

  it('transaction envelopes', () => {
    expect(decodeTx(encode(validTx)).kind).toBe('credit.transfer')
    const cases: [Record<string, unknown>, string][] = [
      [{ ...validTx, chainId: '' }, 'MALFORMED_TX'],
      [{ ...validTx, chainId: 'x'.repeat(65) }, 'MALFORMED_TX'],
      [{ ...validTx, chainId: 7 }, 'MALFORMED_TX'],
      [{ ...validTx, kind: 'credit.mint' }, 'UNKNOWN_KIND'],
      [{ ...validTx, kind: 5 }, 'UNKNOWN_KIND'],
      // An object whose toString is not a function used to escape as a TypeError from the error message itself.
      [{ ...validTx, kind: { toString: 1 } }, 'UNKNOWN_KIND'],
      [{ ...validTx, kind: { toString: {}, valueOf: {} } }, 'UNKNOWN_KIND'],
      [{ ...validTx, kind: ['credit.transfer'] }, 'UNKNOWN_KIND'],
      [{ ...validTx, sender: new Uint8Array(31) }, 'MALFORMED_TX'],
      [{ ...validTx, sender: bytesToHex(key) }, 'MALFORMED_TX'],
      [{ ...validTx, nonce: -1 }, 'MALFORMED_TX'],
      [{ ...validTx, nonce: 1.5 }, 'MALFORMED_TX'],
      [{ ...validTx, nonce: 2 ** 53 }, 'MALFORMED_TX'],
      [{ ...validTx, nonce: '0' }, 'MALFORMED_TX'],
      [{ ...validTx, body: [] }, 'MALFORMED_TX'],
      [{ ...validTx, body: null }, 'MALFORMED_TX'],
      [{ ...validTx, body: 'x' }, 'MALFORMED_TX'],
    ]
    for (const [value, code] of cases) expectWireError(() => decodeTx(encode(value)), code)
    for (const value of [[], null, 'tx', 1, new Uint8Array(3)]) expectWireError(() => decodeTx(encode(value)), 'MALFORMED_TX')
  })

  it('a "__proto__" map key is renamed "__proto_" by msgpackr (so a body with that key does not round-trip)', () => {
    const body = Object.defineProperty({}, '__proto__', { value: 'x', enumerable: true }) as Record<string, unknown>
    const decoded = decodeTx(encode({ ...validTx, body })).body as unknown as Record<string, unknown>
    expect(Object.keys(decoded)).toEqual(['__proto_'])
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
  })

  it('a "__proto__" key cannot smuggle envelope fields in through the prototype', () => {
    const inner = encode(validTx)
    // { "__proto__": { ...validTx } } built by hand: fixmap(1), fixstr "__proto__", inner map.
    const raw = concatBytes(new Uint8Array([0x81, 0xa9]), new TextEncoder().encode('__proto__'), inner)
    expectWireError(() => decodeTx(raw), 'MALFORMED_TX')
    expect(Object.getPrototypeOf(decode(raw))).toBe(Object.prototype)
  })

  it('consensus messages', () => {
    const h = new Uint8Array(32)
    const good = ['vote', 'prevote', 1, 0, h, 0, sig]
    expect(decodeConsensusMessage(encode(good)).type).toBe('vote')
    const bad: unknown[][] = [
      ['vote', 'prevote', 1, 0, h, 0],
      ['vote', 'commit', 1, 0, h, 0, sig],
      ['vote', 'prevote', -1, 0, h, 0, sig],
      ['vote', 'prevote', 1, 0.5, h, 0, sig],
      ['vote', 'prevote', 1, 0, new Uint8Array(31), 0, sig],
      ['vote', 'prevote', 1, 0, h, -1, sig],
      ['vote', 'prevote', 1, 0, h, 0, new Uint8Array(63)],
      ['proposal', 1, 0, -2, h, 0, sig, new Uint8Array(0)],
      ['proposal', 1, 0, -1, h, 0, sig, 'block'],
      ['proposal', 1, 0, -1, h, 0, sig],
      ['Vote', 'prevote', 1, 0, h, 0, sig],
    ]
    for (const value of bad) expectWireError(() => decodeConsensusMessage(encode(value)), 'MALFORMED_MESSAGE')
    expectWireError(() => decodeConsensusMessage(encode({ type: 'vote' })), 'MALFORMED_MESSAGE')
  })

  it('malformed msgpack is a DecodeError', () => {
    for (const input of [new Uint8Array(0), new Uint8Array([0x92, 0x01]), new Uint8Array([0x01, 0x02]), new Uint8Array([0xd4, 0x05, 0x00])]) {
      for (const decoder of DECODERS) expect(() => decoder.decode(input)).toThrow(DecodeError)
    }
  })
})
