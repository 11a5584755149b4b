// The offtake routes over a real Application: the bank funds a financier, the financier and a developer agree an
// offtake (both sign), a batch issued to the developer delivers it in the same block, and GET /offtakes/:id,
// /accounts/:id/offtakes and /projects/:registry/:projectId/offtakes show it; bad parameters are 400/404.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, offtakeIdOf, signOfftake, signTx, type SignedTxWithId } from '../../client/keys.ts'
import { bytesToHex, type Genesis } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import { Application } from '../../node/app/application.ts'
import { Store } from '../../node/storage/store.ts'
import { registry, validators, validatorKeys } from '../review/helpers.ts'

const chainId = 'offtake-api-test'
const bank = generateKeyPair()
const financier = generateKeyPair()
const developer = generateKeyPair()
const hex = (key: { publicKey: Uint8Array }): string => bytesToHex(key.publicKey)
const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: validators.map((key, index) => ({ name: `v${index}`, publicKey: hex(key), peerId: `peer${index}`, address: '/ip4/127.0.0.1/tcp/1' })),
  accounts: [
    { name: 'registry-vcs', publicKey: hex(registry), role: 'registry', registry: 'VCS' },
    { name: 'bank', publicKey: hex(bank), role: 'bank' },
  ],
}

describe('offtake routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonne-offtake-api-'))
  let store: Store
  let app: Application
  let api: FastifyInstance
  let offtakeId = ''
  let issueId = ''
  const t0 = genesis.genesisTimeMs + 1_000

  async function commitBlock(height: number, txs: SignedTxWithId[]): Promise<void> {
    for (const tx of txs) expect((await app.submit(tx.bytes)).ok).toBe(true)
    const prepared = await app.prepareProposal(height, t0 + height * 1_000, validatorKeys[height % 4] as Uint8Array)
    await app.commit(prepared.blockHash, new Uint8Array())
  }

  beforeAll(async () => {
    store = await Store.open(join(dir, 'data'))
    app = await Application.open(genesis, store)
    const terms = build.offtakeTerms({ financier: hex(financier), developer: hex(developer), registry: 'VCS', projectId: 'P1', quantity: 30, pricePerTonne: 1_500, currency: 'USD', prepaid: 15_000, dueAtMs: t0 + 3_600_000 })
    offtakeId = offtakeIdOf(chainId, terms)
    await commitBlock(1, [
      signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: 'P1', name: 'project P1' })),
      signTx(bank, chainId, 'cash.mint', 0, build.cashMint({ currency: 'USD', to: hex(financier), amount: 100_000 })),
    ])
    await commitBlock(2, [signTx(financier, chainId, 'offtake.agree', 0, signOfftake(developer, chainId, terms))])
    const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: 'P1', space: 'VCS', serialStart: 1, serialEnd: 100, to: hex(developer) }))
    issueId = issue.id
    await commitBlock(3, [issue])
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('shows the agreement delivered by the issuance, with its delivery and the payments', async () => {
    const response = await get(`/offtakes/${offtakeId}`)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({
      id: offtakeId,
      status: 'delivered',
      financier: hex(financier),
      developer: hex(developer),
      quantity: 30,
      delivered: 30,
      prepaid: 15_000,
      paidOnDelivery: 30_000,
      escrowed: 0,
      closedHeight: 3,
      deliveryRecords: [{ seq: 0, batchId: 'VCS:1-100', range: { start: 1, end: 30 }, units: 30, payment: 30_000, height: 3, txId: issueId }],
      deliveriesTruncated: false,
    })
    const balances = (await get(`/accounts/${hex(developer)}/balances`)).json() as { balances: { currency: string; amount: number }[] }
    expect(balances.balances).toEqual([{ currency: 'USD', amount: 45_000 }])
    expect(((await get(`/accounts/${hex(financier)}/holdings`)).json() as { totals: { active: number } }).totals.active).toBe(30)
    expect((await get('/cash/USD')).json()).toMatchObject({ supply: 100_000, holders: 2 })
  })

  it('lists it for both parties and for the project, and pages', async () => {
    for (const account of [financier, developer]) {
      const page = (await get(`/accounts/${hex(account)}/offtakes`)).json() as { offtakes: { id: string }[]; next: string | null }
      expect(page.offtakes.map((record) => record.id)).toEqual([offtakeId])
      expect(page.next).toBeNull()
    }
    expect((await get(`/accounts/${hex(bank)}/offtakes`)).json()).toEqual({ account: hex(bank), offtakes: [], next: null })
    const project = (await get('/projects/VCS/P1/offtakes?limit=1')).json() as { registry: string; projectId: string; offtakes: { id: string }[]; next: string | null }
    expect(project).toMatchObject({ registry: 'VCS', projectId: 'P1', next: null })
    expect(project.offtakes.map((record) => record.id)).toEqual([offtakeId])
    const provenance = (await get('/provenance?space=VCS&serial=1')).json() as { events: { type: string; details: Record<string, string> }[] }
    expect(provenance.events.map((event) => event.type)).toEqual(['issue', 'offtake'])
    expect(provenance.events[1]?.details).toMatchObject({ offtakeId, payment: '30000', currency: 'USD' })
  })

  it('answers 404 and 400 with stable codes', async () => {
    for (const [url, status, code] of [
      [`/offtakes/${'0'.repeat(64)}`, 404, 'UNKNOWN_OFFTAKE'],
      ['/offtakes/xyz', 400, 'BAD_REQUEST'],
      ['/projects/VCS/none/offtakes', 404, 'UNKNOWN_PROJECT'],
      ['/projects/VCS/P1/offtakes?after=bad', 400, 'BAD_REQUEST'],
      [`/accounts/${hex(bank)}/offtakes?limit=1001`, 400, 'BAD_REQUEST'],
    ] as const) {
      const response = await get(url)
      expect(response.statusCode, url).toBe(status)
      expect(response.json()).toMatchObject({ code })
    }
  })
})
