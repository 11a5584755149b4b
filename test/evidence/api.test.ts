// GET /evidence and GET /evidence/:id: pagination over committed evidence, pending evidence marked as such, and bad
// requests answered with a 4xx that changes nothing.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evidenceId } from '../../client/wire.ts'
import type { EvidenceList, EvidenceView } from '../../client/http.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { cleanup, genesis, openApp, validatorKeys } from '../review/helpers.ts'
import { doublePrevote, doubleProposal, hashOf } from './helpers.ts'

describe('evidence routes', () => {
  let app: Application
  let api: FastifyInstance
  const committed = [doublePrevote(0, 1, 0, hashOf(1), hashOf(2)), doublePrevote(1, 1, 0, hashOf(1), null), doubleProposal(1, 1, 0, hashOf(3), hashOf(4))]
  const pendingOne = doublePrevote(2, 2, 0, hashOf(1), hashOf(2))

  beforeAll(async () => {
    app = await openApp()
    for (const evidence of committed) await app.addEvidence(evidence)
    const prepared = await app.prepareProposal(1, genesis.genesisTimeMs + 1_000, validatorKeys[1] as Uint8Array)
    await app.processProposal(prepared.block, validatorKeys[1] as Uint8Array, null)
    await app.commit(prepared.blockHash, new Uint8Array())
    expect(await app.addEvidence(pendingOne)).toMatchObject({ ok: true, added: true })
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  const get = async (url: string) => api.inject({ method: 'GET', url })

  it('pages through committed evidence in ledger order and lists pending evidence separately', async () => {
    const seen: EvidenceView[] = []
    let after: string | null = null
    for (let page = 0; page < 5; page += 1) {
      const response = await get(`/evidence?limit=2${after === null ? '' : `&after=${after}`}`)
      expect(response.statusCode).toBe(200)
      const body = response.json() as EvidenceList
      seen.push(...body.items)
      expect(body.pending.map((item) => [item.id, item.status])).toEqual([[evidenceId(pendingOne), 'pending']])
      after = body.next
      if (after === null) break
    }
    expect(seen.map((item) => item.id)).toEqual(committed.map(evidenceId))
    expect(seen.map((item) => [item.status, item.includedHeight, item.includedIndex])).toEqual([
      ['committed', 1, 0],
      ['committed', 1, 1],
      ['committed', 1, 2],
    ])
    expect(seen.map((item) => item.validatorName)).toEqual(['v0', 'v1', 'v1'])
  })

  it('answers one item by id: committed, pending, or 404', async () => {
    expect((await get(`/evidence/${evidenceId(committed[2] as never)}`)).json()).toMatchObject({ status: 'committed', kind: 'duplicateProposal', step: 'proposal' })
    const pending = (await get(`/evidence/${evidenceId(pendingOne)}`)).json() as EvidenceView
    expect(pending).toMatchObject({ status: 'pending', kind: 'duplicateVote', validatorIndex: 2, height: 2 })
    expect(pending.includedHeight).toBeUndefined()
    const missing = await get(`/evidence/${'0'.repeat(64)}`)
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' })
  })

  it.each([
    '/evidence?limit=0',
    '/evidence?limit=1001',
    '/evidence?limit=abc',
    '/evidence?limit=1e3',
    '/evidence?limit=0x10',
    '/evidence?limit=%2B5',
    '/evidence?limit=1.0',
    '/evidence?limit=%205',
    '/evidence?limit=',
    '/evidence?after=xyz',
    '/evidence?after=0000000000000001',
    '/evidence?status=pending',
    `/evidence/${'A'.repeat(64)}`,
    '/evidence/123',
  ])('refuses %s with 400 and changes nothing', async (url) => {
    const height = app.latest.height
    const response = await get(url)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'BAD_REQUEST' })
    expect(app.latest.height).toBe(height)
    expect(app.evidencePool.size).toBe(1)
  })
})
