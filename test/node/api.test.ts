// The HTTP API against bad input: every bad request gets a clear 4xx and changes nothing; good requests work.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { bytesToHex, encode, encodeSignedTx, type Genesis } from '../../client/wire.ts'
import { Application } from '../../node/app/application.ts'
import { buildApi } from '../../node/api/server.ts'
import { Store } from '../../node/storage/store.ts'

const chainId = 'api-test'
const registry = generateKeyPair()
const validator = generateKeyPair()
const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: [{ name: 'v0', publicKey: bytesToHex(validator.publicKey), peerId: '12D3KooWtest', address: '/ip4/127.0.0.1/tcp/1' }],
  accounts: [{ name: 'registry-vcs', publicKey: bytesToHex(registry.publicKey), role: 'registry', registry: 'VCS' }],
}

describe('HTTP API', () => {
  let dir: string
  let store: Store
  let app: Application
  let api: FastifyInstance
  const accepted: Uint8Array[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tonne-api-'))
    store = await Store.open(join(dir, 'data'))
    app = await Application.open(genesis, store)
    api = await buildApi({ app, genesis, nodeId: 'test-node', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: (bytes) => accepted.push(bytes) })
  })

  afterAll(async () => {
    await api.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const post = (payload: string | Buffer, contentType: string, url = '/txs') => api.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } })

  async function expectNothingChanged(): Promise<void> {
    expect(app.mempool.size).toBe(0)
    expect(accepted).toHaveLength(0)
    expect(app.latest.height).toBe(0)
  }

  it('reports status', async () => {
    const response = await api.inject({ method: 'GET', url: '/status' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ chainId, nodeId: 'test-node', height: 0, catchingUp: false })
  })

  it.each([
    ['malformed JSON', '{"tx": ', 'application/json', 400],
    ['JSON of the wrong type', '{"tx": 42}', 'application/json', 400],
    ['a non-hex tx string', '{"tx": "zz"}', 'application/json', 400],
    ['a text body instead of a transaction', 'hello', 'text/plain', 415],
    ['an unsupported content type', 'hello', 'application/xml', 415],
    ['malformed msgpack bytes', Buffer.from([0xc1, 0xff, 0x00]), 'application/octet-stream', 400],
    ['msgpack that is not a signed transaction', Buffer.from(encode({ hello: 'world' })), 'application/octet-stream', 400],
    ['a huge body', Buffer.alloc(2 * 1024 * 1024, 1), 'application/octet-stream', 413],
  ])('rejects %s with a clear 4xx', async (_label, payload, contentType, status) => {
    const response = await post(payload, contentType)
    expect(response.statusCode).toBe(status)
    const body = response.json() as { code: string; message: string }
    expect(typeof body.code).toBe('string')
    expect(body.message.length).toBeGreaterThan(0)
    await expectNothingChanged()
  })

  it('rejects an invalid signature, another chain id, an unknown kind and a bad query', async () => {
    const good = signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1', name: 'p' }))
    const forged = new Uint8Array(good.signature)
    forged[0] = (forged[0] as number) ^ 1
    const badSignature = await post(Buffer.from(encodeSignedTx({ txBytes: good.txBytes, signature: forged })), 'application/octet-stream')
    expect(badSignature.json()).toMatchObject({ code: 'BAD_SIGNATURE' })
    const otherChain = signTx(registry, 'another-chain', 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1', name: 'p' }))
    expect((await post(Buffer.from(otherChain.bytes), 'application/octet-stream')).json()).toMatchObject({ code: 'WRONG_CHAIN' })
    const unknownKind = signTx(registry, chainId, 'credit.steal' as never, 0, {} as never)
    expect((await post(Buffer.from(unknownKind.bytes), 'application/octet-stream')).json()).toMatchObject({ code: 'UNKNOWN_KIND' })
    expect((await post(Buffer.from(good.bytes), 'application/octet-stream', '/txs?wait=forever')).statusCode).toBe(400)
    await expectNothingChanged()
  })

  it('rejects bad ids and heights on queries, and 404s unknown things', async () => {
    expect((await api.inject({ method: 'GET', url: '/txs/not-an-id' })).statusCode).toBe(400)
    expect((await api.inject({ method: 'GET', url: `/txs/${'ab'.repeat(32)}` })).json()).toMatchObject({ status: 'unknown' })
    expect((await api.inject({ method: 'GET', url: '/blocks/-1' })).statusCode).toBe(400)
    expect((await api.inject({ method: 'GET', url: '/blocks/99' })).statusCode).toBe(404)
    expect((await api.inject({ method: 'GET', url: '/accounts/xyz' })).statusCode).toBe(400)
    expect((await api.inject({ method: 'GET', url: '/batches/VCS%3A1-2' })).statusCode).toBe(404)
    expect((await api.inject({ method: 'GET', url: '/provenance?space=VCS' })).statusCode).toBe(400)
    expect((await api.inject({ method: 'GET', url: '/provenance?space=VCS&serial=5' })).statusCode).toBe(404)
    expect((await api.inject({ method: 'GET', url: '/nothing-here' })).json()).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('accepts a good transaction into the mempool, once, and reports it pending', async () => {
    const signed = signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1340', name: 'Bale Mountains' }))
    const first = await post(Buffer.from(signed.bytes), 'application/octet-stream')
    expect(first.statusCode).toBe(202)
    expect(first.json()).toEqual({ id: signed.id, status: 'pending' })
    const again = await post(JSON.stringify({ tx: bytesToHex(signed.bytes) }), 'application/json')
    expect(again.json()).toEqual({ id: signed.id, status: 'pending' })
    expect(app.mempool.size).toBe(1)
    expect(accepted).toHaveLength(1)
    expect((await api.inject({ method: 'GET', url: `/txs/${signed.id}` })).json()).toEqual({ id: signed.id, status: 'pending' })
    const account = (await api.inject({ method: 'GET', url: `/accounts/${bytesToHex(registry.publicKey)}` })).json()
    expect(account).toMatchObject({ role: 'registry', registry: 'VCS', nextNonce: 0 })
  })
})
