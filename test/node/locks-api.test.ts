// The lock routes over a real Application: GET /accounts/:id/locks and GET /locks/:lockId answer live locks, a lock
// released by expiry at a block boundary (node/app/execute.ts runs it on every block) is gone, and bad requests get
// a 4xx.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, signTx } from '../../client/keys.ts'
import { bytesToHex } from '../../client/wire.ts'
import type { LockView } from '../../client/http.ts'
import { buildApi } from '../../node/api/server.ts'
import type { Application } from '../../node/app/application.ts'
import { chainId, cleanup, commitBlock, genesis, openApp, registerProjectTx, registry } from '../review/helpers.ts'

const lender = generateKeyPair()
const lenderId = bytesToHex(lender.publicKey)
const registryId = bytesToHex(registry.publicKey)
const HOUR_MS = 60 * 60 * 1000

describe('lock routes', () => {
  let app: Application
  let api: FastifyInstance
  let lockId = ''
  let expiresAtMs = 0

  beforeAll(async () => {
    app = await openApp()
    const t0 = genesis.genesisTimeMs + 1_000
    expiresAtMs = t0 + HOUR_MS
    const issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '0', space: 'VCS', serialStart: 1, serialEnd: 100 }))
    const lock = signTx(registry, chainId, 'credit.lock', 2, build.creditLock({ batchId: 'VCS:1-100', quantity: 40, securedParty: lenderId, expiresAtMs }))
    for (const tx of [registerProjectTx(0), issue, lock]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    await commitBlock(app, t0)
    lockId = lock.id
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api.close()
    await cleanup()
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('lists the lock under both its owner and its secured party, and shows it by id', async () => {
    for (const account of [registryId, lenderId]) {
      const response = await get(`/accounts/${account}/locks`)
      expect(response.statusCode).toBe(200)
      expect((response.json() as { locks: LockView[] }).locks.map((lock) => lock.id)).toEqual([lockId])
    }
    const lock = (await get(`/locks/${lockId}`)).json() as LockView
    expect(lock).toMatchObject({ id: lockId, kind: 'collateral', batchId: 'VCS:1-100', owner: registryId, securedParty: lenderId, expiresAtMs, pieces: [{ start: 1, end: 40, owner: registryId }] })
    const holdings = (await get(`/accounts/${registryId}/holdings`)).json() as { totals: Record<string, number> }
    expect(holdings.totals).toEqual({ active: 60, retired: 0, cancelled: 0, locked: 40, fractionalised: 0 })
  })

  it('refuses bad requests with 400 and an unknown lock with 404', async () => {
    for (const url of [`/locks/${'A'.repeat(64)}`, '/locks/123', `/accounts/${lenderId}/locks?limit=0`, `/accounts/${lenderId}/locks?limit=1e3`, '/accounts/zz/locks']) {
      const response = await get(url)
      expect(response.statusCode, url).toBe(400)
      expect(response.json()).toMatchObject({ code: 'BAD_REQUEST' })
    }
    const missing = await get(`/locks/${'0'.repeat(64)}`)
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'UNKNOWN_LOCK' })
  })

  it('the first block at the expiry time releases the lock by itself: it is gone and the units are active', async () => {
    await commitBlock(app, expiresAtMs - 1)
    expect((await get(`/locks/${lockId}`)).statusCode).toBe(200)
    await commitBlock(app, expiresAtMs)
    expect((await get(`/locks/${lockId}`)).statusCode).toBe(404)
    expect(((await get(`/accounts/${lenderId}/locks`)).json() as { locks: LockView[] }).locks).toEqual([])
    const holdings = (await get(`/accounts/${registryId}/holdings`)).json() as { totals: Record<string, number> }
    expect(holdings.totals).toEqual({ active: 100, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 })
  })
})
