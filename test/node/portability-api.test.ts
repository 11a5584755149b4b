// Portability over a real Application and the HTTP API: a port signed by both registries and an import are committed;
// GET /batches/:batchId shows the ranges of record, holdings and provenance show them too, with the port event;
// ports with a forged or malformed countersignature and an overlapping import are committed with their codes.
import type { FastifyInstance } from 'fastify'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { generateKeyPair, signPort, signTx, type KeyPair } from '../../client/keys.ts'
import { bytesToHex, type Genesis } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import { Application } from '../../node/app/application.ts'
import { Store } from '../../node/storage/store.ts'

const chainId = 'port-api-test'
const validators: KeyPair[] = Array.from({ length: 4 }, () => generateKeyPair())
const verra = generateKeyPair()
const gold = generateKeyPair()
const holder = generateKeyPair()
const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: validators.map((key, index) => ({ name: `v${index}`, publicKey: bytesToHex(key.publicKey), peerId: `peer${index}`, address: '/ip4/127.0.0.1/tcp/1' })),
  accounts: [
    { name: 'registry-vcs', publicKey: bytesToHex(verra.publicKey), role: 'registry', registry: 'VCS' },
    { name: 'registry-gs', publicKey: bytesToHex(gold.publicKey), role: 'registry', registry: 'GS' },
  ],
}

describe('portability routes', () => {
  let dir = ''
  let store: Store
  let app: Application
  let api: FastifyInstance
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tonne-port-api-'))
    store = await Store.open(join(dir, 'data'))
    app = await Application.open(genesis, store)
    const t0 = genesis.genesisTimeMs + 1_000
    const terms = build.portTerms({ batchId: 'VCS:1-100', range: { start: 41, end: 60 }, fromRegistry: 'VCS', toRegistry: 'GS', toSigner: bytesToHex(gold.publicKey), expiresAtMs: t0 + 60_000, reason: 'moved to GS' })
    const txs = {
      registerVcs: signTx(verra, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1340', name: 'Bale Mountains' })),
      issue: signTx(verra, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '1340', space: 'VCS', serialStart: 1, serialEnd: 100, to: bytesToHex(holder.publicKey) })),
      port: signTx(verra, chainId, 'credit.port', 2, signPort(gold, chainId, terms)),
      forged: signTx(verra, chainId, 'credit.port', 3, { ...signPort(gold, chainId, terms), range: { start: 61, end: 70 } }),
      malformed: signTx(verra, chainId, 'credit.port', 4, { ...signPort(gold, chainId, terms), toSignature: 'not bytes' } as never),
      registerGs: signTx(gold, chainId, 'project.register', 0, build.projectRegister({ registry: 'GS', projectId: 'GS11236', name: 'Takeover' })),
      importOk: signTx(gold, chainId, 'batch.import', 1, build.batchImport({ registry: 'GS', origin: 'PURO', projectId: 'GS11236', space: 'PURO', serialStart: 1, serialEnd: 50 })),
      importOverlap: signTx(gold, chainId, 'batch.import', 2, build.batchImport({ registry: 'GS', origin: 'VCS', projectId: 'GS11236', space: 'VCS', serialStart: 90, serialEnd: 120 })),
    }
    for (const [name, tx] of Object.entries(txs)) {
      expect((await app.submit(tx.bytes)).ok, name).toBe(true)
      ids[name] = tx.id
    }
    const prepared = await app.prepareProposal(1, t0, validators[1]!.publicKey)
    await app.commit(prepared.blockHash, new Uint8Array())
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
  })

  afterAll(async () => {
    await api?.close()
    await store?.close().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('commits the port and the import, and the bad ones with their codes', async () => {
    const result = async (name: string) => (await get(`/txs/${ids[name]}`)).json().result.name
    expect(await result('port')).toBe('OK')
    expect(await result('importOk')).toBe('OK')
    expect(await result('forged')).toBe('BAD_COUNTERSIGNATURE')
    expect(await result('malformed')).toBe('INVALID_BODY')
    expect(await result('importOverlap')).toBe('IMPORT_OVERLAP')
    expect((await get(`/txs/${ids.importOverlap}`)).json().result.message).toMatch(/batch VCS:1-100 .*of record at VCS/)
  })

  it('GET /batches/:batchId shows the registry of record of each range; holdings and provenance show it too', async () => {
    const batch = await get(`/batches/${encodeURIComponent('VCS:1-100')}`)
    expect(batch.statusCode).toBe(200)
    expect(batch.json()).toMatchObject({ batchId: 'VCS:1-100', registry: 'VCS', supply: { issued: 100, active: 100 }, recordOf: { ranges: [{ start: 1, end: 40, registry: 'VCS' }, { start: 41, end: 60, registry: 'GS' }, { start: 61, end: 100, registry: 'VCS' }], truncated: false } })
    const imported = await get(`/batches/${encodeURIComponent('PURO:1-50')}`)
    expect(imported.json()).toMatchObject({ registry: 'GS', space: 'PURO', importedFrom: 'PURO', recordOf: { ranges: [{ start: 1, end: 50, registry: 'GS' }] } })
    const holdings = (await get(`/accounts/${bytesToHex(holder.publicKey)}/holdings`)).json()
    expect(holdings.batches[0].recordOf).toEqual([{ start: 1, end: 40, registry: 'VCS' }, { start: 41, end: 60, registry: 'GS' }, { start: 61, end: 100, registry: 'VCS' }])
    const history = (await get('/provenance?space=VCS&serial=50')).json()
    expect(history.events.map((event: { type: string }) => event.type)).toEqual(['issue', 'port'])
    expect(history.events[1]).toMatchObject({ from: bytesToHex(holder.publicKey), to: bytesToHex(holder.publicKey), details: { fromRegistry: 'VCS', toRegistry: 'GS', reason: 'moved to GS' } })
    expect(history.recordOf).toEqual([{ start: 50, end: 50, registry: 'GS' }])
  })
})
