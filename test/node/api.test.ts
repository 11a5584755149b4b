// The HTTP API against bad input: every bad request gets a clear 4xx and changes nothing; good requests work.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { generateKeyPair, sign, signTx } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { bytesToHex, encode, encodeCertificate, encodeSignedTx, hexToBytes, voteSignBytes, type Genesis } from '../../client/wire.ts'
import { Application } from '../../node/app/application.ts'
import { buildApi } from '../../node/api/server.ts'
import { Store } from '../../node/storage/store.ts'

const chainId = 'api-test'
const registry = generateKeyPair()
const bank = generateKeyPair()
const validator = generateKeyPair()
const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: [{ name: 'v0', publicKey: bytesToHex(validator.publicKey), peerId: '12D3KooWtest', address: '/ip4/127.0.0.1/tcp/1' }],
  accounts: [
    { name: 'registry-vcs', publicKey: bytesToHex(registry.publicKey), role: 'registry', registry: 'VCS' },
    { name: 'bank', publicKey: bytesToHex(bank.publicKey), role: 'bank' },
  ],
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

describe('HTTP API: cash routes', () => {
  let dir: string
  let store: Store
  let app: Application
  let api: FastifyInstance
  const bankHex = bytesToHex(bank.publicKey)
  const holder = generateKeyPair()
  const holderHex = bytesToHex(holder.publicKey)
  const registryHex = bytesToHex(registry.publicKey)

  /** Submits the transactions through POST /txs and commits them in one block, certified by the only validator. */
  async function commit(...txs: { bytes: Uint8Array }[]): Promise<void> {
    for (const tx of txs) expect((await api.inject({ method: 'POST', url: '/txs', payload: Buffer.from(tx.bytes), headers: { 'content-type': 'application/octet-stream' } })).statusCode).toBe(202)
    const height = app.latest.height + 1
    const { blockHash } = await app.prepareProposal(height, app.latest.timeMs + 1_000, validator.publicKey)
    const hashBytes = hexToBytes(blockHash)
    const signature = sign(voteSignBytes(chainId, { type: 'precommit', height, round: 0, blockHash: hashBytes }), validator.secretKey)
    await app.commit(blockHash, encodeCertificate({ height, round: 0, blockHash: hashBytes, signatures: [{ validatorIndex: 0, signature }] }))
    expect(app.mempool.size).toBe(0)
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tonne-api-cash-'))
    store = await Store.open(join(dir, 'data'))
    app = await Application.open(genesis, store)
    api = await buildApi({ app, genesis, nodeId: 'test-node', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    await commit(
      signTx(bank, chainId, 'cash.mint', 0, build.cashMint({ currency: 'USD', to: holderHex, amount: 10_000 })),
      signTx(bank, chainId, 'cash.mint', 1, build.cashMint({ currency: 'EUR', to: holderHex, amount: 250 })),
      signTx(bank, chainId, 'cash.mint', 2, build.cashMint({ currency: 'USD', to: bankHex, amount: 500 })),
      signTx(holder, chainId, 'cash.transfer', 0, build.cashTransfer({ currency: 'USD', to: registryHex, amount: 1_234 })),
      // Rejected: the registry is no bank; the holder has no GBP.
      signTx(registry, chainId, 'cash.mint', 0, build.cashMint({ currency: 'USD', to: registryHex, amount: 1 })),
      signTx(holder, chainId, 'cash.transfer', 1, build.cashTransfer({ currency: 'GBP', to: bankHex, amount: 1 })),
    )
  })

  afterAll(async () => {
    await api.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('GET /accounts/:id/balances lists every currency an account holds, in integer minor units', async () => {
    expect((await get(`/accounts/${holderHex}/balances`)).json()).toEqual({
      account: holderHex,
      balances: [
        { currency: 'EUR', amount: 250 },
        { currency: 'USD', amount: 8_766 },
      ],
      next: null,
    })
    expect((await get(`/accounts/${registryHex}/balances`)).json()).toMatchObject({ balances: [{ currency: 'USD', amount: 1_234 }] })
    expect((await get(`/accounts/${bankHex}/balances`)).json()).toMatchObject({ balances: [{ currency: 'USD', amount: 500 }] })
    // An account that holds nothing: an empty list, not an error.
    expect((await get(`/accounts/${'cd'.repeat(32)}/balances`)).json()).toEqual({ account: 'cd'.repeat(32), balances: [], next: null })
  })

  it('GET /accounts/:id/balances pages with limit and after', async () => {
    const first = (await get(`/accounts/${holderHex}/balances?limit=1`)).json() as { balances: unknown[]; next: string | null }
    expect(first).toEqual({ account: holderHex, balances: [{ currency: 'EUR', amount: 250 }], next: 'EUR' })
    expect((await get(`/accounts/${holderHex}/balances?limit=1&after=EUR`)).json()).toEqual({ account: holderHex, balances: [{ currency: 'USD', amount: 8_766 }], next: null })
  })

  it('GET /cash/:currency gives the supply and the number of holders', async () => {
    expect((await get('/cash/USD')).json()).toEqual({ currency: 'USD', supply: 10_500, holders: 3 })
    expect((await get('/cash/EUR')).json()).toEqual({ currency: 'EUR', supply: 250, holders: 1 })
    const unknown = await get('/cash/GBP')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_CURRENCY' })
  })

  it('records the rejected cash transactions with their codes', async () => {
    const block = (await get('/blocks/1')).json() as { txs: { kind: string; result: { name: string } }[] }
    // The proposer orders the block (by sender), so compare as a multiset.
    expect(block.txs.map((tx) => `${tx.kind} ${tx.result.name}`).sort()).toEqual([
      'cash.mint OK',
      'cash.mint OK',
      'cash.mint OK',
      'cash.mint WRONG_ROLE',
      'cash.transfer INSUFFICIENT_FUNDS',
      'cash.transfer OK',
    ])
  })

  it.each([
    ['/accounts/xyz/balances', 'account id'],
    [`/accounts/${'AB'.repeat(32)}/balances`, 'account id'],
    [`/accounts/${holderHex}/balances?limit=0`, 'query'],
    [`/accounts/${holderHex}/balances?limit=-1`, 'query'],
    [`/accounts/${holderHex}/balances?after=eur`, 'query'],
    [`/accounts/${holderHex}/balances?foo=1`, 'query'],
    ['/cash/usd', 'currency'],
    ['/cash/U', 'currency'],
    ['/cash/ABCDEFGHIJKLM', 'currency'],
    ['/cash/US%20D', 'currency'],
  ])('answers 400 BAD_REQUEST for %s', async (url, what) => {
    const heightBefore = app.latest.height
    const response = await get(url)
    expect(response.statusCode).toBe(400)
    const body = response.json() as { code: string; message: string }
    expect(body.code).toBe('BAD_REQUEST')
    expect(body.message.startsWith(what)).toBe(true)
    expect(app.latest.height).toBe(heightBefore)
    expect(app.mempool.size).toBe(0)
  })
})
