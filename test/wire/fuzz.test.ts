// Property-based fuzzing of every decoder of client/wire.ts, of the hex helpers, of genesis parsing and of the
// HTTP API's POST /txs and GET routes. The contract under test:
// - a decoder returns a value or throws WireError; it throws DecodeError (the msgpack layer's own typed error)
//   only when the bytes are not msgpack at all, never a RangeError / TypeError / anything else;
// - whatever a decoder accepts re-encodes to bytes that decode to an equal value;
// - the API answers any body or path with a JSON 2xx/4xx, never a 5xx, and changes nothing.
// Inputs: arbitrary bytes, byte-level mutations (bit flips, truncation, extension, insertions, splices of two
// valid encodings, msgpack extension tokens), and structure-level mutations (one node of a valid encoding's
// msgpack tree replaced by a hostile value: bigint, timestamp, undefined, -0, NaN, huge integers, deep nesting,
// binaries of near-miss lengths). A hang fails the test by its timeout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { sign, signTx } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import {
  bytesToHex,
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
  encode,
  encodeBlock,
  encodeBlockHeader,
  encodeCertificate,
  encodeConsensusMessage,
  encodeSignedTx,
  encodeSyncRequest,
  encodeSyncResponse,
  encodeTxGossip,
  encodeTx,
  hexToBytes,
  txSignBytes,
  WireError,
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type ConsensusMessage,
  type SyncResponse,
} from '../../client/wire.ts'
import { buildApi, toJson } from '../../node/api/server.ts'
import { ConfigError, loadGenesis } from '../../node/config/config.ts'
import { genesisAccounts, GenesisError } from '../../node/ledger/genesis.ts'
import { chainId, cleanup, genesis, openApp, registry } from '../review/helpers.ts'

const FUZZ_RUNS = 300

// ---------------------------------------------------------------------------------------------------------
// Valid encodings of every wire type, built from real signed transactions where the type carries them.
const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })
const nat = fc.nat({ max: Number.MAX_SAFE_INTEGER })

const signedTxArb = fc.record({ nonce: fc.nat({ max: 1_000 }), name: fc.string({ maxLength: 40 }) }).map(({ nonce, name }) => signTx(registry, chainId, 'project.register', nonce, build.projectRegister({ registry: 'VCS', projectId: `p${nonce}`, name })))

const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  chainId: fc.string({ minLength: 1, maxLength: 64 }),
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  timeMs: nat,
  previousBlockHash: bytesOf(32),
  txsHash: bytesOf(32),
  appHash: bytesOf(32),
  proposer: bytesOf(32),
  evidenceHash: bytesOf(32),
})
// Blocks carrying evidence are fuzzed in test/evidence/wire.test.ts.
const blockArb: fc.Arbitrary<Block> = fc.record({ header: headerArb, txs: fc.array(signedTxArb.map((signed) => signed.bytes), { maxLength: 3 }), evidence: fc.constant([]) })
const certificateArb: fc.Arbitrary<CommitCertificate> = fc.record({
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  round: fc.nat({ max: 0xffff_ffff }),
  blockHash: bytesOf(32),
  signatures: fc.array(fc.record({ validatorIndex: fc.nat({ max: 100 }), signature: bytesOf(64) }), { maxLength: 4 }),
})
const consensusArb: fc.Arbitrary<ConsensusMessage> = fc.oneof(
  fc.record({
    type: fc.constant('proposal' as const),
    proposal: fc.record({ height: nat, round: fc.nat({ max: 0xffff_ffff }), polRound: fc.integer({ min: -1, max: 100 }), blockHash: bytesOf(32), validatorIndex: fc.nat({ max: 100 }), signature: bytesOf(64) }),
    block: blockArb.map(encodeBlock),
  }),
  fc.record({
    type: fc.constant('vote' as const),
    vote: fc.record({ type: fc.constantFrom('prevote' as const, 'precommit' as const), height: nat, round: fc.nat({ max: 0xffff_ffff }), blockHash: fc.option(bytesOf(32), { nil: null }), validatorIndex: fc.nat({ max: 100 }), signature: bytesOf(64) }),
  }),
)
const syncResponseArb: fc.Arbitrary<SyncResponse> = fc.record({
  latestHeight: nat,
  blocks: fc.array(fc.record({ block: blockArb.map(encodeBlock), certificate: certificateArb.map(encodeCertificate) }), { maxLength: 2 }),
})

const validEncodingArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  signedTxArb.map((signed) => signed.bytes),
  signedTxArb.map((signed) => signed.txBytes),
  blockArb.map(encodeBlock),
  headerArb.map(encodeBlockHeader),
  certificateArb.map(encodeCertificate),
  consensusArb.map(encodeConsensusMessage),
  fc.record({ fromHeight: nat, count: fc.nat({ max: 50 }) }).map(encodeSyncRequest),
  syncResponseArb.map(encodeSyncResponse),
)

// ---------------------------------------------------------------------------------------------------------
// Mutations.
/** msgpack extension tokens msgpackr knows (bigint 0x42, typed array 0x74, undefined 0, timestamp -1) or not. */
const extensionTokenArb = fc.oneof(
  fc.constant(Uint8Array.of(0xd4, 0x00, 0x00)),
  fc.constant(Uint8Array.of(0xd4, 0x42, 0x01)),
  fc.constant(Uint8Array.of(0xd5, 0x74, 0x01, 0x02)),
  fc.constant(Uint8Array.of(0xd6, 0xff, 0, 0, 0, 1)),
  fc.tuple(fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 16 })).map(([head, type, data]) => Uint8Array.of(head, type, ...data)),
  // containers and strings that claim far more than follows
  fc.constantFrom(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0xdb, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0xc6, 0x7f, 0xff, 0xff, 0xff)),
)

type Mutation = (input: Uint8Array) => Uint8Array
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 7 })).map(([at, bit]): Mutation => (input) => {
    const out = new Uint8Array(input)
    if (out.length > 0) out[at % out.length] = (out[at % out.length] as number) ^ (1 << bit)
    return out
  }),
  fc.nat().map((at): Mutation => (input) => input.slice(0, input.length === 0 ? 0 : at % input.length)),
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((tail): Mutation => (input) => Uint8Array.from([...input, ...tail])),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, inserted]): Mutation => (input) => {
    const cut = input.length === 0 ? 0 : at % input.length
    return Uint8Array.from([...input.subarray(0, cut), ...inserted, ...input.subarray(cut)])
  }),
  fc.tuple(fc.nat(), extensionTokenArb).map(([at, token]): Mutation => (input) => {
    const cut = input.length === 0 ? 0 : at % input.length
    return Uint8Array.from([...input.subarray(0, cut), ...token, ...input.subarray(cut)])
  }),
  fc.tuple(fc.nat(), fc.nat(), validEncodingArb).map(([cutA, cutB, other]): Mutation => (input) => {
    // splice: a prefix of this encoding followed by a suffix of another valid encoding
    const a = input.length === 0 ? 0 : cutA % input.length
    const b = other.length === 0 ? 0 : cutB % other.length
    return Uint8Array.from([...input.subarray(0, a), ...other.subarray(b)])
  }),
)

/** Hostile leaf values to put into a decoded msgpack tree. */
const hostileValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, -0, Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5, 2 ** 53, 2 ** 64, -(2 ** 63), 0xffff_ffff, 0x1_0000_0000, '', 'latest', true, new Date(0), 1n),
  fc.integer({ min: 0, max: 64 }).map((length) => new Uint8Array(length)),
  fc.constantFrom(31, 32, 33, 63, 64, 65).map((length) => new Uint8Array(length)),
  fc.integer({ min: 1, max: 40 }).map((depth) => {
    let value: unknown = 1
    for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value }
    return value
  }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constantFrom<unknown>(1, 'x', null, new Uint8Array(32)), { maxLength: 10 }),
)

/** Replaces the `index`-th node (depth-first, modulo the node count) of a decoded msgpack tree with `value`. */
function replaceNode(tree: unknown, index: number, value: unknown): unknown {
  const nodes: { parent: unknown[] | Record<string, unknown> | null; key: number | string }[] = [{ parent: null, key: 0 }]
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach((child, key) => (nodes.push({ parent: node, key }), walk(child)))
    else if (node !== null && typeof node === 'object' && !(node instanceof Uint8Array)) for (const [key, child] of Object.entries(node)) (nodes.push({ parent: node as Record<string, unknown>, key }), walk(child))
  }
  walk(tree)
  const target = nodes[index % nodes.length] as (typeof nodes)[number]
  if (target.parent === null) return value
  ;(target.parent as Record<string | number, unknown>)[target.key] = value
  return tree
}

/** A valid encoding with one node of its msgpack tree replaced (and, inside a block, of its header's tree). */
const structureMutantArb: fc.Arbitrary<Uint8Array> = fc.tuple(validEncodingArb, fc.nat(), hostileValueArb, fc.boolean()).map(([bytes, index, value, inner]) => {
  const tree = decode(bytes)
  if (inner && Array.isArray(tree) && tree.length === 2 && tree[0] instanceof Uint8Array) {
    // [headerBytes, txs] of a block or [txBytes, signature] of a signed transaction: mutate the nested encoding
    try {
      tree[0] = encode(replaceNode(decode(tree[0]), index, value))
      return encode(tree)
    } catch {
      // the nested bytes are not msgpack (a signature-free txBytes always is; keep the outer mutation)
    }
  }
  return encode(replaceNode(tree, index, value))
})

// ---------------------------------------------------------------------------------------------------------
// The decoders and their encoders.
interface Decoder {
  name: string
  decode: (bytes: Uint8Array) => unknown
  encode: (value: never) => Uint8Array
}
const DECODERS: Decoder[] = [
  { name: 'decodeSignedTx', decode: decodeSignedTx, encode: encodeSignedTx },
  { name: 'decodeTx', decode: decodeTx, encode: encodeTx },
  { name: 'decodeBlock', decode: decodeBlock, encode: encodeBlock },
  { name: 'decodeBlockHeader', decode: decodeBlockHeader, encode: encodeBlockHeader },
  { name: 'decodeCertificate', decode: decodeCertificate, encode: encodeCertificate },
  { name: 'decodeConsensusMessage', decode: decodeConsensusMessage, encode: encodeConsensusMessage },
  { name: 'decodeSyncRequest', decode: decodeSyncRequest, encode: encodeSyncRequest },
  { name: 'decodeSyncResponse', decode: decodeSyncResponse, encode: encodeSyncResponse },
  { name: 'decodeTxGossip', decode: decodeTxGossip, encode: encodeTxGossip },
]

const shown = (input: Uint8Array) => bytesToHex(input.subarray(0, 120)) + (input.length > 120 ? `... (${input.length} bytes)` : '')

/** Checks the decoder contract on one input; returns how many decoders accepted it. */
function checkAllDecoders(input: Uint8Array): number {
  let isMsgpack = true
  try {
    decode(input)
  } catch (error) {
    if (!(error instanceof DecodeError)) throw new Error(`decode threw ${(error as Error).name} on ${shown(input)}`)
    isMsgpack = false
  }
  let accepted = 0
  for (const decoder of DECODERS) {
    let value: unknown
    try {
      value = decoder.decode(input)
    } catch (error) {
      if (error instanceof WireError) continue
      if (error instanceof DecodeError && !isMsgpack) continue
      throw new Error(`${decoder.name} threw ${(error as Error).name} (${(error as Error).message}) on ${isMsgpack ? 'valid msgpack ' : ''}${shown(input)}`)
    }
    accepted += 1
    let again: unknown
    try {
      again = decoder.decode((decoder.encode as (value: unknown) => Uint8Array)(value))
    } catch (error) {
      throw new Error(`${decoder.name} accepted ${shown(input)} but its re-encoding does not decode: ${(error as Error).message}`)
    }
    expect(again, `${decoder.name} round trip of ${shown(input)}`).toEqual(value)
    // What the node may serve as JSON (GET /blocks renders transactions with toJson) must render.
    expect(() => JSON.stringify(toJson(value)), `${decoder.name} value of ${shown(input)} renders as JSON`).not.toThrow()
  }
  return accepted
}

describe('fuzzing the decoders of client/wire.ts', () => {
  it('valid encodings are accepted by their decoder (the generators are meaningful)', () => {
    fc.assert(fc.property(validEncodingArb, (bytes) => {
      expect(checkAllDecoders(bytes)).toBeGreaterThan(0)
    }), { numRuns: 100 })
  })

  it('arbitrary bytes: a value or WireError; DecodeError only for bytes that are not msgpack', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void checkAllDecoders(bytes)), { numRuns: FUZZ_RUNS })
  })

  it('byte-level mutations of valid encodings (bit flips, truncation, extension, insertion, splices, extension tokens)', () => {
    fc.assert(fc.property(validEncodingArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (bytes, mutations) => void checkAllDecoders(mutations.reduce((input, mutate) => mutate(input), bytes))), { numRuns: FUZZ_RUNS * 3 })
  })

  it('structure-level mutations: one field of a valid encoding (or of its nested header / transaction) replaced by a hostile value', () => {
    fc.assert(fc.property(structureMutantArb, (bytes) => void checkAllDecoders(bytes)), { numRuns: FUZZ_RUNS * 3 })
  })

  it('decodeBlock reports a header that is not msgpack as a WireError (MALFORMED_BLOCK), not as a raw DecodeError', () => {
    for (const header of [Uint8Array.of(), Uint8Array.of(0x92, 0x01), Uint8Array.of(0xc1, 0xff, 0x00)]) {
      const block = encode([header, []])
      expect(() => decode(block)).not.toThrow()
      expect(() => decode(header)).toThrow(DecodeError)
      let thrown: unknown
      try {
        decodeBlock(block)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(WireError)
      expect((thrown as WireError).code).toBe('MALFORMED_BLOCK')
    }
  })

  it('a transaction body holding a bigint, a timestamp, undefined, a typed array or nesting deeper than 16 is MALFORMED_TX', () => {
    // Each of these was accepted before: a bigint re-encodes as a plain integer (another value) and cannot be
    // rendered as JSON, and a body nested a few thousand deep overflows the stack of any recursive renderer.
    const marker = 'BODY-MARKER-0123456789'
    const envelope = encodeTx({ chainId, kind: 'project.register', sender: registry.publicKey, nonce: 0, body: { attributes: marker } as never })
    const markerBytes = encode(marker)
    const at = Buffer.from(envelope).indexOf(Buffer.from(markerBytes))
    expect(at).toBeGreaterThan(0)
    const withBody = (value: Uint8Array) => Uint8Array.from([...envelope.subarray(0, at), ...value, ...envelope.subarray(at + markerBytes.length)])
    const deep = (depth: number) => Uint8Array.from([...new Array<number>(depth).fill(0x91), 0x01])
    expect(decodeTx(withBody(deep(14)))).toMatchObject({ kind: 'project.register' })
    for (const value of [Uint8Array.of(0xd4, 0x42, 0x01), Uint8Array.of(0xd6, 0xff, 0, 0, 0, 1), Uint8Array.of(0xd4, 0x00, 0x00), Uint8Array.of(0xd5, 0x74, 0x00, 0x02), deep(16), deep(3_000)]) {
      let thrown: unknown
      try {
        decodeTx(withBody(value))
      } catch (error) {
        thrown = error
      }
      expect(thrown, shown(value)).toBeInstanceOf(WireError)
      expect((thrown as WireError).code).toBe('MALFORMED_TX')
    }
  })
})

describe('fuzzing the hex helpers', () => {
  it('hexToBytes accepts exactly even-length hex (either case) and round-trips through bytesToHex', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxz -'.split('')), maxLength: 20 })
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 20 }), hexish), (text) => {
        const wellFormed = /^([0-9a-fA-F]{2})*$/.test(text)
        let out: Uint8Array | undefined
        try {
          out = hexToBytes(text)
        } catch (error) {
          // noble's re-exported helper throws its own RangeError; every caller on untrusted input validates first
          expect(error).toBeInstanceOf(Error)
        }
        expect(out !== undefined).toBe(wellFormed)
        if (out !== undefined) expect(bytesToHex(out)).toBe(text.toLowerCase())
      }),
      { numRuns: FUZZ_RUNS },
    )
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(hexToBytes(bytesToHex(bytes))).toEqual(bytes)
    }), { numRuns: 100 })
  })
})

describe('fuzzing genesis parsing', () => {
  let dir: string
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'tonne-genesis-fuzz-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a mutated or arbitrary genesis file loads or throws ConfigError / GenesisError, nothing else', () => {
    const valid = JSON.parse(JSON.stringify(genesis)) as unknown
    let file = 0
    fc.assert(
      fc.property(fc.oneof(fc.constant(valid), fc.jsonValue({ maxDepth: 4 }), fc.tuple(fc.nat(), hostileValueArb.filter((value) => typeof value !== 'bigint')).map(([index, value]) => replaceNode(structuredClone(valid), index, value))), fc.boolean(), (value, truncate) => {
        const path = join(dir, `genesis-${file++}.json`)
        const text = JSON.stringify(value) ?? ''
        writeFileSync(path, truncate ? text.slice(0, Math.floor(text.length / 2)) : text)
        try {
          genesisAccounts(loadGenesis(path))
        } catch (error) {
          if (!(error instanceof ConfigError || error instanceof GenesisError)) throw new Error(`genesis ${text.slice(0, 200)} threw ${(error as Error).name}: ${(error as Error).message}`)
        }
      }),
      { numRuns: 200 },
    )
    const path = join(dir, 'valid.json')
    writeFileSync(path, JSON.stringify(valid))
    expect(loadGenesis(path)).toEqual(genesis)
  })
})

describe('fuzzing the HTTP API', () => {
  let api: FastifyInstance
  let accepted = 0
  let app: Awaited<ReturnType<typeof openApp>>

  beforeAll(async () => {
    app = await openApp()
    api = await buildApi({ app, genesis, nodeId: 'fuzz', validatorName: null, peers: () => [], catchingUp: () => false, onAccepted: () => void (accepted += 1) })
  })
  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  function expectJsonAnswer(response: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string): void {
    expect(response.statusCode, `${what}: ${response.body.slice(0, 200)}`).toBeLessThan(500)
    expect(String(response.headers['content-type']), what).toMatch(/^application\/json/)
    const body = JSON.parse(response.body) as { code?: unknown; message?: unknown }
    if (response.statusCode >= 400) {
      expect(typeof body.code, what).toBe('string')
      expect(typeof body.message === 'string' && body.message.length > 0, what).toBe(true)
    }
  }

  it('POST /txs with arbitrary bodies, content types and queries: a JSON 4xx, never a 5xx, and nothing changes', async () => {
    const before = { height: app.latest.height, appHash: bytesToHex(app.latest.appHash) }
    const badSigned = fc.tuple(signedTxArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([signed, mutations]) => Buffer.from(mutations.reduce((input, mutate) => mutate(input), signed.bytes)))
    // A well-formed envelope whose signature is over other bytes: exercises the signature path.
    const forged = fc.tuple(signedTxArb, bytesOf(64)).map(([signed, signature]) => Buffer.from(encodeSignedTx({ txBytes: signed.txBytes, signature })))
    const payloadArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? ''),
      fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }), badSigned.map((bytes) => bytesToHex(bytes))).map((tx) => JSON.stringify({ tx })),
      badSigned,
      forged,
      structureMutantArb.map((bytes) => Buffer.from(bytes)),
    )
    const contentTypeArb = fc.option(fc.oneof(fc.constantFrom('application/json', 'application/octet-stream', 'application/msgpack', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1'), fc.string({ unit: fc.constantFrom(...'abcjson/+;= -'.split('')), maxLength: 30 })), { nil: undefined })
    const queryArb = fc.constantFrom('', '?wait=none', '?wait=', '?wait=forever', '?wait=none&wait=none', '?x=1', '?wait[a]=1', '?%zz')
    await fc.assert(
      fc.asyncProperty(payloadArb, contentTypeArb, queryArb, async (payload, contentType, query) => {
        const response = await api.inject({ method: 'POST', url: `/txs${query}`, payload, headers: contentType === undefined ? {} : { 'content-type': contentType } })
        expectJsonAnswer(response, `POST /txs${query} ${contentType} ${String(payload).slice(0, 80)}`)
        expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400)
      }),
      { numRuns: FUZZ_RUNS },
    )
    expect({ height: app.latest.height, appHash: bytesToHex(app.latest.appHash), mempool: app.mempool.size, accepted }).toEqual({ ...before, mempool: 0, accepted: 0 })
  })

  it('GET routes with arbitrary path segments and query strings: a JSON answer, never a 5xx', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.constantFrom('%', '%zz', '..', '-1', '1e99', '0x10', 'latest', '00', '9007199254740993', ' 1', '1.0', 'ab'.repeat(32), 'AB'.repeat(32)))
    const route = fc.oneof(
      segment.map((value) => `/blocks/${value}`),
      segment.map((value) => `/txs/${value}`),
      segment.map((value) => `/accounts/${value}`),
      segment.map((value) => `/accounts/${value}/holdings`),
      fc.tuple(segment, fc.array(fc.tuple(fc.constantFrom('limit', 'after', 'x'), segment), { maxLength: 3 })).map(([value, pairs]) => `/accounts/${value}/balances?${pairs.map(([key, entry]) => `${key}=${entry}`).join('&')}`),
      fc.tuple(fc.constantFrom('ab'.repeat(32), 'AB'.repeat(32)), fc.array(fc.tuple(fc.constantFrom('limit', 'after', 'x'), segment), { maxLength: 3 })).map(([value, pairs]) => `/accounts/${value}/balances?${pairs.map(([key, entry]) => `${key}=${entry}`).join('&')}`),
      fc.oneof(segment, fc.constantFrom('USD', 'USDC', 'usd', 'US', 'ABCDEFGHIJKLM')).map((value) => `/cash/${value}`),
      segment.map((value) => `/batches/${value}`),
      fc.tuple(segment, segment).map(([a, b]) => `/projects/${a}/${b}`),
      fc.tuple(fc.constantFrom('/projects', '/batches', '/provenance', '/status', '/health'), fc.array(fc.tuple(fc.constantFrom('limit', 'after', 'space', 'serial', 'batchId', 'start', 'end', 'x'), segment), { maxLength: 4 })).map(
        ([path, pairs]) => `${path}?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`,
      ),
      segment.map((value) => `/${value}`),
    )
    await fc.assert(
      fc.asyncProperty(route, fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), async (url, method) => {
        const response = await api.inject({ method: method as 'GET', url })
        if (method === 'HEAD') expect(response.statusCode, url).toBeLessThan(500)
        else expectJsonAnswer(response, `${method} ${url}`)
      }),
      { numRuns: FUZZ_RUNS },
    )
    expect(app.mempool.size).toBe(0)
  })

  it('signs and submits a structurally hostile but correctly signed transaction: never a 5xx, and the node stays consistent', async () => {
    // The mutant is signed by the genesis registry, so it reaches the mempool when its envelope is valid.
    const acceptedBefore = accepted
    await fc.assert(
      fc.asyncProperty(fc.nat(), hostileValueArb, async (index, value) => {
        const txBytes = encode(replaceNode(decode(signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: 'x', name: 'y' })).txBytes), index, value))
        const bytes = encodeSignedTx({ txBytes, signature: sign(txSignBytes(chainId, txBytes), registry.secretKey) })
        const response = await api.inject({ method: 'POST', url: '/txs', payload: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream' } })
        expectJsonAnswer(response, `signed mutant ${shown(txBytes)}`)
        if (response.statusCode < 300) {
          const id = (response.json() as { id: string }).id
          expect((await api.inject({ method: 'GET', url: `/txs/${id}` })).json()).toMatchObject({ id, status: 'pending' })
        }
      }),
      { numRuns: 150 },
    )
    // every 2xx answer put exactly one transaction into the mempool and was gossiped once
    expect(app.mempool.size).toBe(accepted - acceptedBefore)
  })
})
