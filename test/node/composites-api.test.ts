// The composite routes over a real Application: a class with its rules, counts and projects; its units with the
// look-through to batches, serials and projects; an account's live units; and 4xx for bad requests.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import { bytesToHex } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { compositeCustodyOf } from '../../node/ledger/fractions.ts'
import { chainId, cleanup, commitBlock, genesis, openApp, registerProjectTx, registry } from '../review/helpers.ts'

const buyer = generateKeyPair()
const buyerId = bytesToHex(buyer.publicKey)
const registryId = bytesToHex(registry.publicKey)

describe('composite routes', () => {
  let app: Application
  let api: FastifyInstance
  let retireId = ''

  beforeAll(async () => {
    app = await openApp()
    let nonce = 2
    const next = <K extends Parameters<typeof signTx>[2]>(kind: K, body: Parameters<typeof signTx<K>>[4]) => signTx(registry, chainId, kind, nonce++, body)
    const txs = [
      registerProjectTx(0),
      registerProjectTx(1),
      next('batch.issue', build.batchIssue({ registry: 'VCS', projectId: '0', space: 'VCS', serialStart: 1, serialEnd: 10, vintageStart: '2022-01-01' })),
      next('batch.issue', build.batchIssue({ registry: 'VCS', projectId: '1', space: 'VCS', serialStart: 11, serialEnd: 20, vintageStart: '2023-01-01' })),
      next('credit.fractionalise', build.creditFractionalise({ batchId: 'VCS:1-10', quantity: 1 })),
      next('credit.fractionalise', build.creditFractionalise({ batchId: 'VCS:11-20', quantity: 2 })),
      next('composite.define', build.compositeDefine({ classId: 'BLEND', name: 'Blend 2022+', rules: { vintageFrom: 2022 } })),
      next('composite.mint', build.compositeMint({ classId: 'BLEND', deposits: [{ batchId: 'VCS:1-10', amount: '0.6' }, { batchId: 'VCS:11-20', amount: '1.4' }] })),
      next('composite.transfer', build.compositeTransfer({ classId: 'BLEND', units: [2], to: buyerId })),
    ]
    const retire = next('composite.retire', build.compositeRetire({ classId: 'BLEND', units: [1], beneficiary: 'Acme' }))
    for (const tx of [...txs, retire]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    await commitBlock(app, genesis.genesisTimeMs + 1_000)
    retireId = retire.id
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('shows the class: rules, custody, counts and the projects behind its live units', async () => {
    const response = await get('/composites/BLEND')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ classId: 'BLEND', definedBy: registryId, custody: compositeCustodyOf('BLEND'), rules: { removalOnly: false, vintageFrom: 2022, methodologies: [], countries: [] }, minted: 2, outstanding: 1, retired: 1, redeemed: 0, projects: [{ registry: 'VCS', projectId: '1', parts: 1_000_000 }] })
  })

  it('looks through each unit to its batches, serials and projects', async () => {
    const unit = (await get('/composites/BLEND/units/1')).json()
    expect(unit).toMatchObject({ n: 1, status: 'retired', endTxId: retireId, totalParts: 1_000_000, components: [{ batchId: 'VCS:1-10', serial: 1, parts: 600_000, projectId: '0', vintageStart: '2022-01-01' }, { batchId: 'VCS:11-20', serial: 11, parts: 400_000, projectId: '1' }] })
    const page = (await get('/composites/BLEND/units?limit=1')).json() as { items: { n: number }[]; next: string }
    expect(page.items.map((item) => item.n)).toEqual([1])
    expect(((await get(`/composites/BLEND/units?after=${page.next}`)).json() as { items: { n: number; owner: string }[] }).items).toMatchObject([{ n: 2, owner: buyerId }])
    expect((await get(`/accounts/${buyerId}/composites`)).json()).toMatchObject({ account: buyerId, units: [{ n: 2, status: 'active', components: [{ batchId: 'VCS:11-20', serial: 11, parts: 600_000 }, { batchId: 'VCS:11-20', serial: 12, parts: 400_000 }] }] })
    expect((await get(`/accounts/${registryId}/composites`)).json()).toMatchObject({ units: [] })
    expect((await get(`/fraction-retirements/${retireId}`)).json()).toMatchObject({ compositeClass: 'BLEND', compositeUnits: [1], totalParts: 1_000_000, beneficiary: 'Acme' })
    // The custody account holds exactly the live unit's components.
    expect((await get(`/accounts/${compositeCustodyOf('BLEND')}/fractions`)).json()).toMatchObject({ fractions: [{ batchId: 'VCS:11-20', serial: 11, parts: 600_000 }, { batchId: 'VCS:11-20', serial: 12, parts: 400_000 }], totalParts: 1_000_000 })
  })

  it('404 for an unknown class or unit, 400 for malformed requests', async () => {
    expect((await get('/composites/NOPE')).json()).toMatchObject({ code: 'UNKNOWN_COMPOSITE' })
    expect((await get('/composites/NOPE/units')).statusCode).toBe(404)
    expect((await get('/composites/BLEND/units/3')).json()).toMatchObject({ code: 'UNKNOWN_COMPOSITE_UNIT' })
    for (const url of ['/composites/a%2Fb', '/composites/BLEND/units/0', '/composites/BLEND/units/-1', '/composites/BLEND/units?after=zz', '/accounts/nothex/composites', `/accounts/${buyerId}/composites?limit=0`]) {
      expect((await get(url)).statusCode, url).toBe(400)
    }
  })
})
