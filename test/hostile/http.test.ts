// The HTTP API under hostile input. Every bad request (malformed or wrongly typed bodies, oversize bodies and
// transactions, wrong content types, bad signatures, another chain's id, replayed nonces, unknown kinds, bad
// route parameters, unknown routes and methods) gets a 4xx with a JSON { code, message }, changes nothing
// (height, app hash, mempool, gossip) and leaves the node serving. The mempool's count and byte limits answer
// 503 MEMPOOL_FULL naming the limit; a transaction that left the mempool without being committed reads
// `unknown`, never `pending`; resubmitting the same signed bytes is safe and is committed once.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { generateKeyPair, sign, signTx, type KeyPair } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { bytesToHex, encode, encodeCertificate, encodeSignedTx, encodeTx, txSignBytes } from '../../client/wire.ts'
import { Application } from '../../node/app/application.ts'
import { buildApi, HTTP_BODY_BYTES_MAX, LIST_LIMIT_MAX, ROUTE_PARAM_CHARS_MAX, WAIT_COMMIT_REQUESTS_MAX } from '../../node/api/server.ts'
import { Mempool, MEMPOOL_NONCE_AHEAD_MAX } from '../../node/mempool/mempool.ts'
import { Store } from '../../node/storage/store.ts'
import { certificateFor, chainId, cleanup, genesis, openApp, registerProjectTx, registry, validatorKeys } from '../review/helpers.ts'

const OCTETS = 'application/octet-stream'
const JSON_TYPE = 'application/json'

interface Node {
  app: Application
  api: FastifyInstance
  /** Bytes handed to gossip (onAccepted), in order. */
  accepted: Uint8Array[]
  /** Resolves on the next onAccepted call. */
  nextAccepted: () => Promise<Uint8Array>
}

const extraDirs: string[] = []
const extraStores: Store[] = []
const apis: FastifyInstance[] = []

async function startNode(mempool?: Mempool): Promise<Node> {
  let app: Application
  if (mempool === undefined) app = await openApp()
  else {
    const dir = mkdtempSync(join(tmpdir(), 'tonne-hostile-'))
    extraDirs.push(dir)
    const store = await Store.open(join(dir, 'data'))
    extraStores.push(store)
    app = await Application.open(genesis, store, mempool)
  }
  const accepted: Uint8Array[] = []
  let waiters: ((bytes: Uint8Array) => void)[] = []
  const api = await buildApi({
    app,
    genesis,
    nodeId: 'hostile',
    validatorName: null,
    peers: () => [],
    catchingUp: () => false,
    onAccepted: (bytes) => {
      accepted.push(bytes)
      for (const resolve of waiters.splice(0)) resolve(bytes)
    },
  })
  apis.push(api)
  return { app, api, accepted, nextAccepted: () => new Promise((resolve) => (waiters = [...waiters, resolve])) }
}

afterAll(async () => {
  for (const api of apis.splice(0)) await api.close()
  await cleanup()
  for (const store of extraStores.splice(0)) await store.close().catch(() => undefined)
  for (const dir of extraDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Commits the app's next block (its mempool's ready transactions) with a real 3-of-4 commit certificate. */
async function commitNext(app: Application): Promise<number> {
  const height = app.latest.height + 1
  const proposer = validatorKeys[height % validatorKeys.length] as Uint8Array
  const { blockHash } = await app.prepareProposal(height, app.latest.timeMs + 1_000, proposer)
  await app.commit(blockHash, encodeCertificate(certificateFor(height, 0, blockHash, [0, 1, 2])))
  return height
}

function post(api: FastifyInstance, payload: string | Buffer | Uint8Array | undefined, contentType: string | undefined, url = '/txs') {
  return api.inject({ method: 'POST', url, payload: payload instanceof Uint8Array && !Buffer.isBuffer(payload) ? Buffer.from(payload) : payload, headers: contentType === undefined ? {} : { 'content-type': contentType } })
}

/** A 4xx/5xx answer that is JSON { code, message } with the expected status and code. */
function expectError(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string): { code: string; message: string } {
  expect(String(response.headers['content-type']), response.body.slice(0, 200)).toMatch(/^application\/json/)
  const body = JSON.parse(response.body) as { code: string; message: string }
  expect({ status: response.statusCode, code: body.code }, body.message).toEqual({ status, code })
  expect(typeof body.message).toBe('string')
  expect(body.message.length).toBeGreaterThan(0)
  return body
}

/** Signs arbitrary transaction bytes as the registry (a well-signed transaction whose content is hostile). */
function signRaw(txBytes: Uint8Array, signer: KeyPair = registry): Uint8Array {
  return encodeSignedTx({ txBytes, signature: sign(txSignBytes(chainId, txBytes), signer.secretKey) })
}

/** The envelope of a project.register by the registry with `attributes` replaced by raw msgpack bytes. */
function txBytesWithRawAttributes(raw: Uint8Array, nonce = 0): Uint8Array {
  const marker = 'ATTRIBUTES-MARKER-0123456789'
  const envelope = encodeTx({ chainId, kind: 'project.register', sender: registry.publicKey, nonce, body: { ...build.projectRegister({ registry: 'VCS', projectId: 'raw', name: 'raw' }), attributes: marker } as never })
  const markerBytes = encode(marker)
  const at = Buffer.from(envelope).indexOf(Buffer.from(markerBytes))
  if (at < 0) throw new Error('marker not found')
  return Uint8Array.from([...envelope.subarray(0, at), ...raw, ...envelope.subarray(at + markerBytes.length)])
}
const nested = (depth: number) => Uint8Array.from([...new Array<number>(depth).fill(0x91), 0x01])

describe('hostile input on the HTTP API: a clear 4xx, nothing changes, the node keeps serving', () => {
  let node: Node
  const registryHex = bytesToHex(registry.publicKey)

  beforeAll(async () => {
    node = await startNode()
    // one committed transaction, so that replays and block routes have something to hit
    expect((await post(node.api, registerProjectTx(0, 'first').bytes, OCTETS)).statusCode).toBe(202)
    await commitNext(node.app)
    node.accepted.length = 0
  })

  async function snapshot() {
    const { app } = node
    return { height: app.latest.height, appHash: bytesToHex(app.latest.appHash), mempool: app.mempool.size, mempoolBytes: app.mempool.sizeBytes, gossiped: node.accepted.length, nextNonce: await app.nextNonce(registryHex) }
  }

  async function expectUnchangedAndServing(before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
    expect(await snapshot()).toEqual(before)
    const health = await node.api.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(200)
    expect(health.json()).toEqual({ ok: true })
  }

  const good = () => registerProjectTx(1, 'good')
  const oversize = () => signTx(registry, chainId, 'project.register', 1, build.projectRegister({ registry: 'VCS', projectId: 'big', name: 'x'.repeat(70_000) }))
  const forged = () => {
    const signed = good()
    const signature = new Uint8Array(signed.signature)
    signature[5] = (signature[5] as number) ^ 0x40
    return encodeSignedTx({ txBytes: signed.txBytes, signature })
  }
  const deepJson = (depth: number, open: string, close: string) => `{"tx":${open.repeat(depth)}1${close.repeat(depth)}}`

  const bodyCases: [label: string, payload: () => string | Uint8Array | undefined, contentType: string | undefined, status: number, code: string][] = [
    ['malformed JSON', () => '{"tx": ', JSON_TYPE, 400, 'MALFORMED_JSON'],
    ['JSON with a number for tx', () => '{"tx": 5}', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with non-hex tx', () => '{"tx":"zz"}', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with odd-length hex', () => '{"tx":"abc"}', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with an empty tx string', () => '{"tx":""}', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['a JSON array', () => JSON.stringify([bytesToHex(good().bytes)]), JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON null', () => 'null', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with tx null', () => '{"tx":null}', JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with tx an array', () => JSON.stringify({ tx: [bytesToHex(good().bytes)] }), JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON arrays nested 50 000 deep', () => deepJson(50_000, '[', ']'), JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON objects nested 20 000 deep', () => deepJson(20_000, '{"a":', '}'), JSON_TYPE, 400, 'BAD_REQUEST'],
    ['JSON with a __proto__ key', () => `{"__proto__":{"tx":"${bytesToHex(good().bytes)}"}}`, JSON_TYPE, 400, 'MALFORMED_JSON'],
    ['an empty JSON body', () => '', JSON_TYPE, 400, 'EMPTY_BODY'],
    ['an empty octet-stream body', () => new Uint8Array(0), OCTETS, 400, 'EMPTY_BODY'],
    ['no body and no content type', () => undefined, undefined, 400, 'BAD_REQUEST'],
    ['bytes that are not msgpack', () => Uint8Array.of(0xc1, 0xff, 0x00), OCTETS, 400, 'MALFORMED_TX'],
    ['msgpack that is not a signed transaction', () => encode({ hello: 'world' }), OCTETS, 400, 'MALFORMED_TX'],
    ['a msgpack array header claiming 4 G entries', () => Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 0x01), 'application/msgpack', 400, 'MALFORMED_TX'],
    ['a 63-byte signature', () => encode([good().txBytes, new Uint8Array(63)]), OCTETS, 400, 'MALFORMED_TX'],
    ['a signed envelope whose transaction is not msgpack', () => signRaw(Uint8Array.of(0xc1, 0x00)), OCTETS, 400, 'MALFORMED_TX'],
    ['a signed envelope whose transaction lacks a sender', () => signRaw(encode({ chainId, kind: 'project.register', nonce: 1, body: {} })), OCTETS, 400, 'MALFORMED_TX'],
    ['a signed transaction whose body nests 3 000 deep', () => signRaw(txBytesWithRawAttributes(nested(3_000), 1)), OCTETS, 400, 'MALFORMED_TX'],
    ['a signed transaction whose body holds a msgpack bigint', () => signRaw(txBytesWithRawAttributes(Uint8Array.of(0xd4, 0x42, 0x01), 1)), OCTETS, 400, 'MALFORMED_TX'],
    ['a text body', () => 'hello', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['hex sent as text/plain', () => bytesToHex(good().bytes), 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an XML body', () => '<tx/>', 'application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a form body', () => 'tx=00', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an octet-stream body over the size limit', () => new Uint8Array(HTTP_BODY_BYTES_MAX + 1).fill(0x90), OCTETS, 413, 'BODY_TOO_LARGE'],
    ['a JSON body over the size limit', () => JSON.stringify({ tx: 'ab'.repeat(HTTP_BODY_BYTES_MAX) }), JSON_TYPE, 413, 'BODY_TOO_LARGE'],
    ['an oversize transaction as bytes', () => oversize().bytes, OCTETS, 400, 'TX_TOO_LARGE'],
    ['an oversize transaction as JSON hex', () => JSON.stringify({ tx: bytesToHex(oversize().bytes) }), JSON_TYPE, 400, 'TX_TOO_LARGE'],
    ['a bad signature', forged, OCTETS, 400, 'BAD_SIGNATURE'],
    ['a transaction signed by another key than its sender', () => encodeSignedTx({ txBytes: good().txBytes, signature: sign(txSignBytes(chainId, good().txBytes), generateKeyPair().secretKey) }), OCTETS, 400, 'BAD_SIGNATURE'],
    ["another chain's id", () => signTx(registry, 'another-chain', 'project.register', 1, build.projectRegister({ registry: 'VCS', projectId: 'x', name: 'x' })).bytes, OCTETS, 400, 'WRONG_CHAIN'],
    ['an unknown kind', () => signTx(registry, chainId, 'credit.steal' as never, 1, {} as never).bytes, OCTETS, 400, 'UNKNOWN_KIND'],
    ['a replayed nonce (already committed)', () => registerProjectTx(0, 'replay').bytes, OCTETS, 400, 'BAD_NONCE'],
    ['a nonce further ahead than MEMPOOL_NONCE_AHEAD_MAX', () => registerProjectTx(1 + MEMPOOL_NONCE_AHEAD_MAX + 1, 'far').bytes, OCTETS, 400, 'BAD_NONCE'],
  ]

  it.each(bodyCases)('POST /txs with %s', async (_label, payload, contentType, status, code) => {
    const before = await snapshot()
    expectError(await post(node.api, payload(), contentType), status, code)
    await expectUnchangedAndServing(before)
  })

  it('POST /txs with a valid transaction but a bad query is refused before it is looked at', async () => {
    const before = await snapshot()
    for (const query of ['?wait=forever', '?wait=commit&wait=commit', '?wait[x]=1', '?other=1']) expectError(await post(node.api, good().bytes, OCTETS, `/txs${query}`), 400, 'BAD_REQUEST')
    await expectUnchangedAndServing(before)
  })

  it('a second pending transaction with the same nonce is NONCE_TAKEN, and only the first stays pending', async () => {
    const first = registerProjectTx(1, 'taken-first')
    const response = await post(node.api, first.bytes, OCTETS)
    expect(response.statusCode).toBe(202)
    const before = await snapshot()
    expectError(await post(node.api, registerProjectTx(1, 'taken-second').bytes, OCTETS), 400, 'NONCE_TAKEN')
    await expectUnchangedAndServing(before)
    expect((await node.api.inject({ method: 'GET', url: `/txs/${registerProjectTx(1, 'taken-second').id}` })).json()).toMatchObject({ status: 'unknown' })
    await commitNext(node.app)
    expect((await node.api.inject({ method: 'GET', url: `/txs/${first.id}` })).json()).toMatchObject({ status: 'committed', height: node.app.latest.height })
    node.accepted.length = 0
  })

  const routeCases: [method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, status: number, code: string][] = [
    ['GET', '/blocks/abc', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/-1', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/1e99', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/1e0', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/0x1', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/1.5', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/%201', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/0', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/99999999999999999999', 400, 'BAD_REQUEST'],
    ['GET', '/blocks/99', 404, 'NOT_FOUND'],
    ['GET', '/txs/not-hex', 400, 'BAD_REQUEST'],
    ['GET', `/txs/${'AB'.repeat(32)}`, 400, 'BAD_REQUEST'],
    ['GET', `/txs/${'ab'.repeat(33)}`, 400, 'BAD_REQUEST'],
    ['GET', '/txs/%zz', 400, 'BAD_URL'],
    ['GET', '/accounts/zz', 400, 'BAD_REQUEST'],
    ['GET', '/accounts/zz/holdings', 400, 'BAD_REQUEST'],
    ['GET', '/accounts/%E0%A4%A', 400, 'BAD_URL'],
    ['GET', '/accounts/zz/balances', 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'AB'.repeat(32)}/balances`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/balances?limit=0`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/balances?limit=1e2`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/balances?limit=${LIST_LIMIT_MAX + 1}`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/balances?after=usd`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/balances?currency=USD`, 400, 'BAD_REQUEST'],
    ['GET', '/cash/usd', 400, 'BAD_REQUEST'],
    ['GET', '/cash/US', 400, 'BAD_REQUEST'],
    ['GET', '/cash/ABCDEFGHIJKLM', 400, 'BAD_REQUEST'],
    ['GET', '/cash/US%2FD', 400, 'BAD_REQUEST'],
    ['GET', '/cash/%zz', 400, 'BAD_URL'],
    ['GET', '/cash/USD', 404, 'UNKNOWN_CURRENCY'],
    ['GET', '/cash', 404, 'NOT_FOUND'],
    ['POST', '/cash/USD', 404, 'NOT_FOUND'],
    ['GET', '/provenance', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=abc', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=-1', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=1e3', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=1&serial=2', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?batchId=VCS%3A1-2&start=1', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=5&extra=1', 400, 'BAD_REQUEST'],
    ['GET', '/provenance?space=VCS&serial=5', 404, 'NOT_FOUND'],
    ['GET', '/projects?limit=-1', 400, 'BAD_REQUEST'],
    ['GET', '/projects?limit=0', 400, 'BAD_REQUEST'],
    ['GET', `/projects?limit=${LIST_LIMIT_MAX + 1}`, 400, 'BAD_REQUEST'],
    ['GET', '/projects?limit=100000', 400, 'BAD_REQUEST'],
    ['GET', '/projects?limit=abc', 400, 'BAD_REQUEST'],
    ['GET', '/projects?limit=1&limit=2', 400, 'BAD_REQUEST'],
    ['GET', '/projects?foo=1', 400, 'BAD_REQUEST'],
    ['GET', `/projects?after=${'a'.repeat(600)}`, 400, 'BAD_REQUEST'],
    ['GET', '/batches?limit=1e3', 400, 'BAD_REQUEST'],
    ['GET', `/projects/VCS/${'x'.repeat(300)}`, 400, 'BAD_REQUEST'],
    ['GET', `/batches/VCS%3A${'1'.repeat(200)}`, 404, 'UNKNOWN_BATCH'],
    ['GET', `/batches/${'x'.repeat(ROUTE_PARAM_CHARS_MAX + 1)}`, 400, 'PARAM_TOO_LONG'],
    ['GET', '/projects/VCS/nope', 404, 'UNKNOWN_PROJECT'],
    ['GET', '/batches/VCS%3A1-2', 404, 'UNKNOWN_BATCH'],
    ['GET', '/nope', 404, 'NOT_FOUND'],
    ['GET', '/txs', 404, 'NOT_FOUND'],
    ['PUT', '/txs', 404, 'NOT_FOUND'],
    ['PATCH', '/txs', 404, 'NOT_FOUND'],
    ['DELETE', '/blocks/1', 404, 'NOT_FOUND'],
    ['POST', '/status', 404, 'NOT_FOUND'],
    ['POST', '/blocks/1', 404, 'NOT_FOUND'],
    ['GET', '/private-retirements/zz', 400, 'BAD_REQUEST'],
    ['GET', `/private-retirements/${'A'.repeat(64)}`, 400, 'BAD_REQUEST'],
    ['GET', `/private-retirements/${'0'.repeat(64)}`, 404, 'UNKNOWN_RETIREMENT'],
    ['POST', `/private-retirements/${'0'.repeat(64)}`, 404, 'NOT_FOUND'],
    ['GET', '/offtakes/zz', 400, 'BAD_REQUEST'],
    ['GET', `/offtakes/${'A'.repeat(64)}`, 400, 'BAD_REQUEST'],
    ['GET', `/offtakes/${'0'.repeat(64)}`, 404, 'UNKNOWN_OFFTAKE'],
    ['GET', '/offtakes/%zz', 400, 'BAD_URL'],
    ['POST', `/offtakes/${'0'.repeat(64)}`, 404, 'NOT_FOUND'],
    ['GET', '/accounts/zz/offtakes', 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/offtakes?limit=0`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/offtakes?after=../../x`, 400, 'BAD_REQUEST'],
    ['GET', `/accounts/${'ab'.repeat(32)}/offtakes?after=0000000000000001%2F00000000000000001`, 400, 'BAD_REQUEST'],
    ['GET', '/projects/VCS/nope/offtakes', 404, 'UNKNOWN_PROJECT'],
    ['GET', `/projects/VCS/${'x'.repeat(300)}/offtakes`, 400, 'BAD_REQUEST'],
    ['GET', '/projects/VCS/first/offtakes?limit=1e3', 400, 'BAD_REQUEST'],
  ]

  it.each(routeCases)('%s %s', async (method, url, status, code) => {
    const before = await snapshot()
    expectError(await node.api.inject({ method, url }), status, code)
    await expectUnchangedAndServing(before)
  })

  it('the boundaries of the same routes are accepted (the checks above reject bad values, not everything)', async () => {
    for (const url of ['/blocks/1', '/blocks/latest', `/projects?limit=${LIST_LIMIT_MAX}`, '/projects?limit=1', '/batches?limit=1', `/accounts/${registryHex}`, `/accounts/${registryHex}/holdings`, `/accounts/${registryHex}/balances`, `/accounts/${registryHex}/balances?limit=${LIST_LIMIT_MAX}&after=USD`, '/projects/VCS/first', `/accounts/${registryHex}/offtakes?limit=${LIST_LIMIT_MAX}`, '/projects/VCS/first/offtakes?after=0000000000000001/0000000000000000']) {
      const response = await node.api.inject({ method: 'GET', url })
      expect(response.statusCode, `${url}: ${response.body.slice(0, 200)}`).toBe(200)
    }
  })

  it('after all of that a valid transaction still commits, and a committed block with an awkward (rejected) body renders', async () => {
    const before = await snapshot()
    const valid = registerProjectTx(before.nextNonce, 'after-the-storm')
    // nested 14 deep: within the body limit, so it is accepted and committed (the ledger rejects its body)
    const awkwardBytes = signRaw(txBytesWithRawAttributes(nested(14), before.nextNonce + 1))
    expect((await post(node.api, valid.bytes, OCTETS)).json()).toEqual({ id: valid.id, status: 'pending' })
    expect((await post(node.api, awkwardBytes, OCTETS)).statusCode).toBe(202)
    const height = await commitNext(node.app)
    const status = (await node.api.inject({ method: 'GET', url: `/txs/${valid.id}` })).json() as { status: string; height: number; result: { name: string } }
    expect(status).toMatchObject({ status: 'committed', height, result: { name: 'OK' } })
    const block = await node.api.inject({ method: 'GET', url: `/blocks/${height}` })
    expect(block.statusCode, block.body.slice(0, 300)).toBe(200)
    const txs = (block.json() as { txs: { id: string; result: { name: string } | null }[] }).txs
    expect(txs.map((tx) => tx.id)).toContain(valid.id)
    expect(txs).toHaveLength(2)
    expect(txs[1]?.result?.name).toBe('INVALID_BODY')
  })
})

describe('bounded mempool and truthful transaction status', () => {
  it('the count limit answers 503 MEMPOOL_FULL naming the count limit; the refused transaction reads unknown', async () => {
    const node = await startNode(new Mempool({ txsMax: 2, bytesMax: 1 << 20 }))
    const txs = [0, 1, 2].map((index) => registerProjectTx(0, `count-${index}`, generateKeyPair()))
    for (const tx of txs.slice(0, 2)) expect((await post(node.api, tx.bytes, OCTETS)).statusCode).toBe(202)
    const third = txs[2] as (typeof txs)[number]
    const full = expectError(await post(node.api, third.bytes, OCTETS), 503, 'MEMPOOL_FULL')
    expect(full.message).toMatch(/count limit is 2/)
    expect(node.app.mempool.size).toBe(2)
    expect(node.accepted).toHaveLength(2)
    expect((await node.api.inject({ method: 'GET', url: `/txs/${third.id}` })).json()).toEqual({ id: third.id, status: 'unknown' })
    expect((await node.api.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })

  it('the byte limit answers 503 MEMPOOL_FULL naming the byte limit', async () => {
    const first = registerProjectTx(0, 'bytes-1', generateKeyPair())
    const bytesMax = Math.floor(first.bytes.length * 1.5)
    const node = await startNode(new Mempool({ txsMax: 100, bytesMax }))
    expect((await post(node.api, first.bytes, OCTETS)).statusCode).toBe(202)
    const second = registerProjectTx(0, 'bytes-2', generateKeyPair())
    const full = expectError(await post(node.api, JSON.stringify({ tx: bytesToHex(second.bytes) }), JSON_TYPE), 503, 'MEMPOOL_FULL')
    expect(full.message).toMatch(new RegExp(`byte limit is ${bytesMax}`))
    expect({ size: node.app.mempool.size, bytes: node.app.mempool.sizeBytes }).toEqual({ size: 1, bytes: first.bytes.length })
    expect((await node.api.inject({ method: 'GET', url: `/txs/${second.id}` })).json()).toMatchObject({ status: 'unknown' })
  })

  it('a transaction evicted from a full mempool reads unknown, never pending', async () => {
    const node = await startNode(new Mempool({ txsMax: 2, bytesMax: 1 << 20 }))
    const attacker = generateKeyPair()
    // nonces 1 and 2 of a fresh key: they wait for a nonce 0 that never comes
    const gapped = [1, 2].map((nonce) => registerProjectTx(nonce, `gap-${nonce}`, attacker))
    for (const tx of gapped) expect((await post(node.api, tx.bytes, OCTETS)).json()).toEqual({ id: tx.id, status: 'pending' })
    const honest = registerProjectTx(0, 'honest')
    expect((await post(node.api, honest.bytes, OCTETS)).json()).toEqual({ id: honest.id, status: 'pending' })
    const [gap1, gap2] = gapped as [(typeof gapped)[number], (typeof gapped)[number]]
    expect((await node.api.inject({ method: 'GET', url: `/txs/${gap2.id}` })).json()).toEqual({ id: gap2.id, status: 'unknown' })
    expect((await node.api.inject({ method: 'GET', url: `/txs/${gap1.id}` })).json()).toEqual({ id: gap1.id, status: 'pending' })
    const height = await commitNext(node.app)
    expect((await node.api.inject({ method: 'GET', url: `/txs/${honest.id}` })).json()).toMatchObject({ status: 'committed', height })
    expect((await node.api.inject({ method: 'GET', url: `/txs/${gap2.id}` })).json()).toMatchObject({ status: 'unknown' })
  })

  it('a pending transaction whose nonce another transaction took in a block reads unknown; a client waiting on it hears 409 TX_DROPPED at once', async () => {
    const node = await startNode()
    const other = await openApp() // another validator, which received a conflicting transaction of the same sender
    const mine = registerProjectTx(0, 'mine')
    const theirs = registerProjectTx(0, 'theirs')
    expect((await post(node.api, mine.bytes, OCTETS)).statusCode).toBe(202)
    // The waiting request subscribes before it submits; once its submit has returned it is waiting.
    const submit = node.app.submit.bind(node.app)
    let submitted: () => void = () => undefined
    const submittedOnce = new Promise<void>((resolve) => (submitted = resolve))
    node.app.submit = async (bytes) => {
      const outcome = await submit(bytes)
      submitted()
      return outcome
    }
    const waiting = post(node.api, mine.bytes, OCTETS, '/txs?wait=commit')
    await submittedOnce
    node.app.submit = submit
    expect((await other.submit(theirs.bytes)).ok).toBe(true)
    const proposer = validatorKeys[1] as Uint8Array
    const prepared = await other.prepareProposal(1, genesis.genesisTimeMs + 1_000, proposer)
    expect(await node.app.processProposal(prepared.block, proposer, null)).toMatchObject({ valid: true })
    await node.app.commit(prepared.blockHash, encodeCertificate(certificateFor(1, 0, prepared.blockHash, [0, 1, 2])))
    const dropped = await waiting
    expect(expectError(dropped, 409, 'TX_DROPPED')).toMatchObject({ id: mine.id, status: 'unknown' })
    expect((await node.api.inject({ method: 'GET', url: `/txs/${mine.id}` })).json()).toEqual({ id: mine.id, status: 'unknown' })
    expect((await node.api.inject({ method: 'GET', url: `/txs/${theirs.id}` })).json()).toMatchObject({ status: 'committed', height: 1 })
    expectError(await post(node.api, mine.bytes, OCTETS), 400, 'BAD_NONCE')
    expect(node.app.mempool.size).toBe(0)
  })

  it('resubmitting the same signed bytes is safe: pending while pending, then committed with the same height, and committed once', async () => {
    const node = await startNode()
    const tx = registerProjectTx(0, 'resubmit')
    expect((await post(node.api, tx.bytes, OCTETS)).json()).toEqual({ id: tx.id, status: 'pending' })
    const again = await post(node.api, tx.bytes, OCTETS)
    expect({ status: again.statusCode, body: again.json() }).toEqual({ status: 202, body: { id: tx.id, status: 'pending' } })
    expect((await post(node.api, JSON.stringify({ tx: bytesToHex(tx.bytes) }), JSON_TYPE)).json()).toEqual({ id: tx.id, status: 'pending' })
    expect(node.accepted).toHaveLength(1) // gossiped once
    expect(node.app.mempool.size).toBe(1)
    const height = await commitNext(node.app)
    const committed = (await node.api.inject({ method: 'GET', url: `/txs/${tx.id}` })).json() as unknown
    expect(committed).toMatchObject({ id: tx.id, status: 'committed', height, index: 0, result: { code: 0, name: 'OK' } })
    for (const url of ['/txs', '/txs?wait=commit']) {
      const response = await post(node.api, tx.bytes, OCTETS, url)
      expect({ status: response.statusCode, body: response.json() as unknown }).toEqual({ status: 200, body: committed })
    }
    expect(node.app.mempool.size).toBe(0)
    expect(node.accepted).toHaveLength(1)
    // Later blocks do not carry it again.
    expect((await post(node.api, registerProjectTx(1, 'next').bytes, OCTETS)).statusCode).toBe(202)
    await commitNext(node.app)
    let occurrences = 0
    for (let blockHeight = 1; blockHeight <= node.app.latest.height; blockHeight += 1) {
      const block = (await node.api.inject({ method: 'GET', url: `/blocks/${blockHeight}` })).json() as { txs: { id: string }[] }
      occurrences += block.txs.filter((entry) => entry.id === tx.id).length
    }
    expect(node.app.latest.height).toBe(2)
    expect(occurrences).toBe(1)
  })

  it('?wait=commit answers with the commit; beyond WAIT_COMMIT_REQUESTS_MAX waiting requests a submission answers 202 at once', async () => {
    const node = await startNode()
    const tx = registerProjectTx(0, 'waited')
    const gossiped = node.nextAccepted()
    const submit = node.app.submit.bind(node.app)
    let submits = 0
    let allWaiting: () => void = () => undefined
    const waitingNow = new Promise<void>((resolve) => (allWaiting = resolve))
    node.app.submit = async (bytes) => {
      const outcome = await submit(bytes)
      if (++submits === WAIT_COMMIT_REQUESTS_MAX) allWaiting()
      return outcome
    }
    const waiters = Array.from({ length: WAIT_COMMIT_REQUESTS_MAX }, () => post(node.api, tx.bytes, OCTETS, '/txs?wait=commit'))
    await gossiped
    await waitingNow
    node.app.submit = submit
    const overflow = await post(node.api, tx.bytes, OCTETS, '/txs?wait=commit')
    expect({ status: overflow.statusCode, body: overflow.json() }).toEqual({ status: 202, body: { id: tx.id, status: 'pending' } })
    const height = await commitNext(node.app)
    const answers = await Promise.all(waiters)
    const committed = (await node.api.inject({ method: 'GET', url: `/txs/${tx.id}` })).json() as unknown
    expect(committed).toMatchObject({ id: tx.id, status: 'committed', height, index: 0, result: { code: 0, name: 'OK' } })
    expect(new Set(answers.map((answer) => `${answer.statusCode} ${answer.body}`))).toEqual(new Set([`200 ${JSON.stringify(committed)}`]))
    expect(node.accepted).toHaveLength(1)
  })
})

describe('errors raised before fastify sees the request', () => {
  it('headers over 16 KiB on a real socket answer 431 with JSON { code, message }, and the server keeps serving', async () => {
    const { buildApi } = await import('../../node/api/server.ts')
    const { openApp: open } = await import('../review/helpers.ts')
    const app = await open()
    const server = await buildApi({ app, genesis: app.genesis, nodeId: 'n', validatorName: null, peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    const url = await server.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { request } = await import('node:http')
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${url}/health`, { headers: { 'x-filler': 'a'.repeat(20_000) } }, (res) => {
          let body = ''
          res.on('data', (chunk) => (body += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        req.end()
      })
      expect(answer.status).toBe(431)
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'HEADERS_TOO_LARGE' })
      const health = await fetch(`${url}/health`)
      expect(await health.json()).toEqual({ ok: true })
    } finally {
      await server.close()
    }
  })
})
