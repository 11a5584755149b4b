// The evidence wire format: canonical encoding and id, round trips, blocks that carry evidence, and rejection of
// malformed evidence (never anything but a WireError).
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BLOCK_EVIDENCE_MAX,
  blockHash,
  bytesToHex,
  canonicalEvidence,
  decode,
  decodeBlock,
  decodeEvidence,
  encode,
  encodeBlock,
  encodeBlockHeader,
  encodeEvidence,
  evidenceHashOf,
  evidenceId,
  EVIDENCE_BYTES_MAX,
  U32_MAX,
  WireError,
  ZERO_HASH,
  type Block,
  type Evidence,
  type Proposal,
  type Vote,
} from '../../client/wire.ts'

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })
const heightArb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const roundArb = fc.oneof(fc.nat({ max: 20 }), fc.constant(U32_MAX))
const indexArb = fc.nat({ max: 100 })

const voteArb: fc.Arbitrary<Vote> = fc.record({
  type: fc.constantFrom('prevote' as const, 'precommit' as const),
  height: heightArb,
  round: roundArb,
  blockHash: fc.option(bytes(32), { nil: null }),
  validatorIndex: indexArb,
  signature: bytes(64),
})

const proposalArb: fc.Arbitrary<Proposal> = fc.record({
  height: heightArb,
  round: roundArb,
  polRound: fc.oneof(fc.constant(-1), fc.nat({ max: 20 }), fc.constant(U32_MAX - 1)),
  blockHash: bytes(32),
  validatorIndex: indexArb,
  signature: bytes(64),
})

// Structurally valid evidence: two different messages (the rule, not the codec, checks that they conflict).
const evidenceArb: fc.Arbitrary<Evidence> = fc.oneof(
  fc.tuple(voteArb, voteArb).map(([first, second]): Evidence => ({ kind: 'duplicateVote', first, second })),
  fc.tuple(proposalArb, proposalArb).map(([first, second]): Evidence => ({ kind: 'duplicateProposal', first, second })),
).filter((evidence) => bytesToHex(encode(Object.values(evidence.first))) !== bytesToHex(encode(Object.values(evidence.second))))

function swapped(evidence: Evidence): Evidence {
  return evidence.kind === 'duplicateVote' ? { kind: evidence.kind, first: evidence.second, second: evidence.first } : { kind: evidence.kind, first: evidence.second, second: evidence.first }
}

function expectMalformed(run: () => unknown, code = 'MALFORMED_EVIDENCE'): void {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WireError)
    expect((error as WireError).code).toBe(code)
    return
  }
  throw new Error('expected a WireError')
}

const vote: Vote = { type: 'prevote', height: 5, round: 1, blockHash: new Uint8Array(32).fill(7), validatorIndex: 2, signature: new Uint8Array(64).fill(1) }
const nilVote: Vote = { ...vote, blockHash: null, signature: new Uint8Array(64).fill(2) }
const sample: Evidence = { kind: 'duplicateVote', first: vote, second: nilVote }

describe('evidence encoding', () => {
  it('round-trips, whatever the order of the two messages', () => {
    fc.assert(
      fc.property(evidenceArb, (evidence) => {
        const encoded = encodeEvidence(evidence)
        expect(bytesToHex(encodeEvidence(swapped(evidence)))).toBe(bytesToHex(encoded))
        const decoded = decodeEvidence(encoded)
        expect(decoded).toEqual(canonicalEvidence(evidence))
        expect(bytesToHex(encodeEvidence(decoded))).toBe(bytesToHex(encoded))
        expect(encoded.length).toBeLessThanOrEqual(EVIDENCE_BYTES_MAX)
      }),
    )
  })

  it('the id is sha256 of the canonical encoding, the same for A/B and B/A, and differs for other evidence', () => {
    fc.assert(
      fc.property(evidenceArb, evidenceArb, (a, b) => {
        expect(evidenceId(a)).toBe(createHash('sha256').update(encodeEvidence(a)).digest('hex'))
        expect(evidenceId(swapped(a))).toBe(evidenceId(a))
        if (bytesToHex(encodeEvidence(a)) !== bytesToHex(encodeEvidence(b))) expect(evidenceId(a)).not.toBe(evidenceId(b))
      }),
    )
  })

  it('canonical order is by the msgpack bytes of each message', () => {
    const canonical = canonicalEvidence(sample)
    const fields = (message: Vote) => encode([message.type, message.height, message.round, message.blockHash, message.validatorIndex, message.signature])
    const [a, b] = [fields(canonical.first as Vote), fields(canonical.second as Vote)]
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBeLessThan(0)
  })

  it('evidenceHashOf is sha256 of the concatenated ids, and changes with any item or their order', () => {
    fc.assert(
      fc.property(fc.array(evidenceArb, { minLength: 2, maxLength: 4 }), (items) => {
        const ids = items.map((item) => Buffer.from(evidenceId(item), 'hex'))
        expect(bytesToHex(evidenceHashOf(items))).toBe(createHash('sha256').update(Buffer.concat(ids)).digest('hex'))
        fc.pre(evidenceId(items[0] as Evidence) !== evidenceId(items[1] as Evidence))
        expect(bytesToHex(evidenceHashOf([items[1] as Evidence, items[0] as Evidence, ...items.slice(2)]))).not.toBe(bytesToHex(evidenceHashOf(items)))
        expect(bytesToHex(evidenceHashOf(items.slice(1)))).not.toBe(bytesToHex(evidenceHashOf(items)))
      }),
    )
  })
})

describe('blocks with evidence', () => {
  const header = { chainId: 'c', height: 9, timeMs: 1, previousBlockHash: ZERO_HASH, txsHash: ZERO_HASH, appHash: ZERO_HASH, proposer: ZERO_HASH, evidenceHash: evidenceHashOf([sample]) }

  it('round-trip with their evidence; the block hash covers the evidence hash', () => {
    fc.assert(
      fc.property(fc.array(evidenceArb, { maxLength: 5 }), (evidence) => {
        const block: Block = { header: { ...header, evidenceHash: evidenceHashOf(evidence) }, txs: [new Uint8Array([1, 2])], evidence }
        const decoded = decodeBlock(encodeBlock(block))
        expect(decoded.evidence).toEqual(evidence.map(canonicalEvidence))
        expect(decoded.header.evidenceHash).toEqual(block.header.evidenceHash)
        expect(bytesToHex(evidenceHashOf(decoded.evidence))).toBe(bytesToHex(block.header.evidenceHash))
      }),
    )
    const other = { ...header, evidenceHash: evidenceHashOf([]) }
    expect(bytesToHex(blockHash(other))).not.toBe(bytesToHex(blockHash(header)))
  })

  it('refuse more than BLOCK_EVIDENCE_MAX items, non-binary items and malformed items', () => {
    const headerBytes = encodeBlockHeader(header)
    const item = encodeEvidence(sample)
    expect(decodeBlock(encode([headerBytes, [], new Array(BLOCK_EVIDENCE_MAX).fill(item)])).evidence).toHaveLength(BLOCK_EVIDENCE_MAX)
    expectMalformed(() => decodeBlock(encode([headerBytes, [], new Array(BLOCK_EVIDENCE_MAX + 1).fill(item)])), 'MALFORMED_BLOCK')
    expectMalformed(() => decodeBlock(encode([headerBytes, [], [[1, 2]]])), 'MALFORMED_BLOCK')
    expectMalformed(() => decodeBlock(encode([headerBytes, [], [item.slice(0, -1)]])), 'MALFORMED_BLOCK')
    expectMalformed(() => decodeBlock(encode([headerBytes, []])), 'MALFORMED_BLOCK')
    // A header without the evidence hash (the 7-field format) is not a header.
    const fields = decode(headerBytes) as unknown[]
    expectMalformed(() => decodeBlock(encode([encode(fields.slice(0, 7)), [], []])), 'MALFORMED_BLOCK')
    expectMalformed(() => decodeBlock(encode([encode([...fields.slice(0, 7), new Uint8Array(31)]), [], []])), 'MALFORMED_BLOCK')
  })
})

describe('malformed evidence', () => {
  const canonical = canonicalEvidence(sample) as Evidence & { kind: 'duplicateVote' }
  const voteFields = (message: Vote): unknown[] => [message.type, message.height, message.round, message.blockHash, message.validatorIndex, message.signature]
  const withField = (message: Vote, index: number, value: unknown): unknown[] => {
    const fields = voteFields(message)
    fields[index] = value
    return fields
  }

  it.each([
    ['not an array', () => encode({ kind: 'duplicateVote' })],
    ['unknown kind', () => encode(['tripleVote', voteFields(canonical.first), voteFields(canonical.second)])],
    ['missing message', () => encode(['duplicateVote', voteFields(canonical.first)])],
    ['messages in the wrong order', () => encode(['duplicateVote', voteFields(canonical.second), voteFields(canonical.first)])],
    ['the same message twice', () => encode(['duplicateVote', voteFields(canonical.first), voteFields(canonical.first)])],
    ['a proposal under duplicateVote', () => encode(['duplicateVote', [5, 1, -1, new Uint8Array(32), 2, new Uint8Array(64)], voteFields(canonical.second)])],
    ['bad vote type', () => encode(['duplicateVote', withField(canonical.first, 0, 'commit'), voteFields(canonical.second)])],
    ['height 0', () => encode(['duplicateVote', withField(canonical.first, 1, 0), voteFields(canonical.second)])],
    ['negative round', () => encode(['duplicateVote', withField(canonical.first, 2, -1), voteFields(canonical.second)])],
    ['round above u32', () => encode(['duplicateVote', withField(canonical.first, 2, U32_MAX + 1), voteFields(canonical.second)])],
    ['short block hash', () => encode(['duplicateVote', withField(canonical.first, 3, new Uint8Array(31)), voteFields(canonical.second)])],
    ['fractional validator index', () => encode(['duplicateVote', withField(canonical.first, 4, 1.5), voteFields(canonical.second)])],
    ['short signature', () => encode(['duplicateVote', withField(canonical.first, 5, new Uint8Array(63)), voteFields(canonical.second)])],
    ['proposal polRound below -1', () => encode(['duplicateProposal', [5, 1, -2, new Uint8Array(32), 2, new Uint8Array(64)], [5, 1, 0, new Uint8Array(32), 2, new Uint8Array(64)]])],
    ['proposal with a nil block hash', () => encode(['duplicateProposal', [5, 1, -1, null, 2, new Uint8Array(64)], [5, 1, 0, new Uint8Array(32), 2, new Uint8Array(64)]])],
    ['too large', () => new Uint8Array(EVIDENCE_BYTES_MAX + 1)],
    ['not msgpack', () => new Uint8Array([0xc1])],
  ])('%s', (_name, build) => {
    expectMalformed(() => decodeEvidence(build()))
  })

  it('a non-minimal msgpack encoding of valid evidence is refused (one encoding per evidence)', () => {
    const encoded = encodeEvidence(sample)
    // Re-encode the height 5 (positive fixint 0x05) of the first message as uint8 0xcc 0x05: the same value, other bytes.
    const hexString = bytesToHex(encoded)
    const firstHeight = hexString.indexOf(bytesToHex(encode(canonical.first.type)) + '05')
    expect(firstHeight).toBeGreaterThan(0)
    const at = firstHeight + bytesToHex(encode(canonical.first.type)).length
    const altered = Buffer.from(hexString.slice(0, at) + 'cc05' + hexString.slice(at + 2), 'hex')
    // Same values: re-encoding what it decodes to gives back the canonical bytes.
    expect(bytesToHex(encode(decode(altered)))).toBe(hexString)
    expectMalformed(() => decodeEvidence(new Uint8Array(altered)))
  })

  it('never throws anything but a WireError on arbitrary or mutated input', () => {
    const valid = encodeEvidence(sample)
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })).map(([at, value]) => {
        const copy = new Uint8Array(valid)
        copy[at] = value
        return copy
      })), (input) => {
        try {
          const decoded = decodeEvidence(input)
          // Whatever decodes is canonical: re-encoding gives the input bytes.
          expect(bytesToHex(encodeEvidence(decoded))).toBe(bytesToHex(input))
        } catch (error) {
          expect(error).toBeInstanceOf(WireError)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})
