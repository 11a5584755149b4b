// GET /offers/:offerId and GET /prices over a real Application: a live offer is shown, an unknown one is 404, price
// queries validate their filters (400 with a stable code) and answer the documented shape.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { signTx } from '../../client/keys.ts'
import { bytesToHex } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { chainId, cleanup, genesis, openApp, registerProjectTx, registry, validatorKeys } from '../review/helpers.ts'

describe('trade routes', () => {
  let app: Application
  let api: FastifyInstance
  let offerId = ''

  beforeAll(async () => {
    app = await openApp()
    const t0 = genesis.genesisTimeMs + 1_000
    const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '0', space: 'VCS', serialStart: 1, serialEnd: 100 }))
    const offer = signTx(registry, chainId, 'trade.offer', 2, build.tradeOffer({ batchId: 'VCS:1-100', quantity: 25, pricePerTonne: 1_250, currency: 'USD', expiresAtMs: t0 + 60_000, disclosePrice: true }))
    for (const tx of [registerProjectTx(0), issue, offer]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    const prepared = await app.prepareProposal(1, t0, validatorKeys[1] as Uint8Array)
    await app.commit(prepared.blockHash, new Uint8Array())
    offerId = offer.id
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('shows a live offer and 404s an unknown one', async () => {
    const response = await get(`/offers/${offerId}`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ id: offerId, seller: bytesToHex(registry.publicKey), quantity: 25, pricePerTonne: 1_250, currency: 'USD', buyer: '', disclosePrice: true })
    const missing = await get(`/offers/${'0'.repeat(64)}`)
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'UNKNOWN_OFFER' })
  })

  it('answers price statistics (none settled yet) and refuses bad filters', async () => {
    const response = await get('/prices?currency=USD&registry=VCS&vintage=2020&fromMs=0')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ filter: { currency: 'USD', registry: 'VCS', vintage: '2020', fromMs: 0 }, count: 0, volume: 0, notional: '0', vwapPerTonne: null, minPerTonne: null, maxPerTonne: null, disclosed: [], truncated: false })
    for (const url of ['/prices', '/prices?currency=usd', '/prices?currency=USD&vintage=20', '/prices?currency=USD&fromMs=1e3', '/prices?currency=USD&unknown=1', '/prices?currency=USD&registry=verra', `/offers/${'A'.repeat(64)}`]) {
      const bad = await get(url)
      expect(bad.statusCode, url).toBe(400)
      expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST' })
    }
  })
})
