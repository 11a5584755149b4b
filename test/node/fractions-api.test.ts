// The fraction routes over a real Application: an account's fractions, a batch's fractionalised serials, one
// serial's holders and retired parts, a fractional retirement, the batch supply counting fractionalised units, and
// 4xx for bad requests.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import { bytesToHex } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { chainId, cleanup, commitBlock, genesis, openApp, registerProjectTx, registry } from '../review/helpers.ts'

const buyer = generateKeyPair()
const buyerId = bytesToHex(buyer.publicKey)
const registryId = bytesToHex(registry.publicKey)

describe('fraction routes', () => {
  let app: Application
  let api: FastifyInstance
  let retirementId = ''

  beforeAll(async () => {
    app = await openApp()
    const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '0', space: 'VCS', serialStart: 1, serialEnd: 10 }))
    const fractionalise = signTx(registry, chainId, 'credit.fractionalise', 2, build.creditFractionalise({ batchId: 'VCS:1-10', quantity: 2 }))
    const transfer = signTx(registry, chainId, 'fraction.transfer', 3, build.fractionTransfer({ batchId: 'VCS:1-10', amount: '1.25', to: buyerId }))
    const retire = signTx(buyer, chainId, 'fraction.retire', 0, build.fractionRetire({ batchId: 'VCS:1-10', amount: '250kg', beneficiary: 'A traveller' }))
    for (const tx of [registerProjectTx(0), issue, fractionalise, transfer, retire]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    await commitBlock(app, genesis.genesisTimeMs + 1_000)
    retirementId = retire.id
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('shows what each account holds, per serial, in parts', async () => {
    const buyerView = await get(`/accounts/${buyerId}/fractions`)
    expect(buyerView.statusCode).toBe(200)
    expect(buyerView.json()).toEqual({ account: buyerId, fractions: [{ batchId: 'VCS:1-10', serial: 1, parts: 750_000 }, { batchId: 'VCS:1-10', serial: 2, parts: 250_000 }], totalParts: 1_000_000, next: null })
    expect((await get(`/accounts/${registryId}/fractions`)).json()).toMatchObject({ fractions: [{ serial: 2, parts: 750_000 }], totalParts: 750_000 })
    const page = (await get(`/accounts/${buyerId}/fractions?limit=1`)).json() as { fractions: unknown[]; next: string }
    expect(page.fractions).toHaveLength(1)
    expect((await get(`/accounts/${buyerId}/fractions?limit=1&after=${encodeURIComponent(page.next)}`)).json()).toMatchObject({ fractions: [{ serial: 2 }], next: null })
  })

  it('shows a serial\'s holders and retired parts, the batch\'s fractionalised serials, and the retirement', async () => {
    const serial = (await get('/batches/VCS%3A1-10/serials/1/fractions')).json()
    expect(serial).toMatchObject({ batchId: 'VCS:1-10', serial: 1, fractionalisedBy: registryId, holders: [{ account: buyerId, parts: 750_000 }], heldParts: 750_000, retiredParts: 250_000 })
    const batch = (await get('/batches/VCS%3A1-10/fractions')).json() as { serials: { serial: number; heldParts: number; retiredParts: number }[] }
    expect(batch.serials.map((entry) => [entry.serial, entry.heldParts + entry.retiredParts])).toEqual([[1, 1_000_000], [2, 1_000_000]])
    expect((await get('/batches/VCS%3A1-10')).json()).toMatchObject({ supply: { issued: 10, active: 8, fractionalised: 2 } })
    expect((await get(`/fraction-retirements/${retirementId}`)).json()).toMatchObject({ retiredBy: buyerId, totalParts: 250_000, parts: [{ batchId: 'VCS:1-10', serial: 1, parts: 250_000 }], beneficiary: 'A traveller' })
    const provenance = (await get('/provenance?batchId=VCS%3A1-10&start=1&end=1')).json() as { events: { type: string; details: Record<string, string> }[] }
    expect(provenance.events.map((event) => event.type)).toEqual(['issue', 'fractionalise', 'fraction-transfer', 'fraction-retire'])
  })

  it('404 for what does not exist, 400 for malformed requests', async () => {
    expect((await get('/batches/VCS%3A1-10/serials/5/fractions')).json()).toMatchObject({ code: 'NOT_FRACTIONALISED' })
    expect((await get('/batches/VCS%3A1-99/fractions')).statusCode).toBe(404)
    expect((await get(`/fraction-retirements/${'ab'.repeat(32)}`)).statusCode).toBe(404)
    for (const url of ['/accounts/xyz/fractions', '/batches/VCS%3A1-10/serials/0/fractions', '/batches/VCS%3A1-10/serials/1e3/fractions', '/batches/VCS%3A1-10/fractions?after=x', `/accounts/${buyerId}/fractions?limit=0`, '/fraction-retirements/nothex']) {
      expect((await get(url)).statusCode, url).toBe(400)
    }
  })
})
