// Quality information and private retirements over a real Application and the HTTP API: GET /projects/:registry/
// :projectId keeps its fields and adds `quality` (current ratings, rating history, attestations), GET /provenance
// shows the commitment on the retire event (and the project's quality), GET /private-retirements/:txId answers the
// commitment that TonneClient.verifyBeneficiary checks locally; bad requests get a 4xx.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as build from '../../client/builders.ts'
import { TonneClient, type PrivateRetirementView, type ProjectQualityView } from '../../client/http.ts'
import { generateKeyPair, signTx, type KeyPair, type SignedTxWithId } from '../../client/keys.ts'
import { bytesToHex, type Genesis } from '../../client/wire.ts'
import { buildApi } from '../../node/api/server.ts'
import { Application } from '../../node/app/application.ts'
import { Store } from '../../node/storage/store.ts'
import { commitBlock } from '../review/helpers.ts'

const validators = Array.from({ length: 4 }, () => generateKeyPair())
const proposerKeys = validators.map((validator) => validator.publicKey)
const registry = generateKeyPair()
const rater = generateKeyPair()
const verifier = generateKeyPair()
const id = (key: KeyPair): string => bytesToHex(key.publicKey)
const chainId = 'quality-test'
// 2023-11-14T22:13:20Z: block dates in this test are 2023-11-14.
const genesis: Genesis = {
  chainId,
  genesisTimeMs: 1_700_000_000_000,
  validators: validators.map((key, index) => ({ name: `v${index}`, publicKey: id(key), peerId: `peer${index}`, address: '/ip4/127.0.0.1/tcp/1' })),
  accounts: [
    { name: 'registry-vcs', publicKey: id(registry), role: 'registry', registry: 'VCS' },
    { name: 'rating-agency', publicKey: id(rater), role: 'rating' },
    { name: 'verifier', publicKey: id(verifier), role: 'verifier' },
  ],
}
const DATA_HASH = '5f'.repeat(32)
const BENEFICIARY = 'Acme Reisen GmbH'

describe('quality routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonne-quality-'))
  let store: Store
  let app: Application
  let api: FastifyInstance
  let client: TonneClient
  let issue: SignedTxWithId
  let retirement: SignedTxWithId
  let salt = ''
  let commitment = ''
  let rating: SignedTxWithId
  let wrongRole: SignedTxWithId
  let attest: SignedTxWithId

  beforeAll(async () => {
    store = await Store.open(join(dir, 'data'))
    app = await Application.open(genesis, store)
    const t0 = genesis.genesisTimeMs + 1_000
    const register = signTx(registry, chainId, 'project.register', 0, build.projectRegister({ registry: 'VCS', projectId: '1340', name: 'Bale Mountains Eco-region REDD+ project' }))
    issue = signTx(registry, chainId, 'batch.issue', 1, build.batchIssue({ registry: 'VCS', projectId: '1340', space: 'VCS', serialStart: 1, serialEnd: 100 }))
    const privateRetire = build.creditRetirePrivate({ batchId: 'VCS:1-100', quantity: 10, beneficiary: BENEFICIARY, purpose: 'Voluntary' })
    salt = privateRetire.salt
    commitment = privateRetire.commitment
    retirement = signTx(registry, chainId, 'credit.retire-private', 2, privateRetire.body)
    rating = signTx(rater, chainId, 'project.rate', 0, build.projectRate({ registry: 'VCS', projectId: '1340', scale: 'BeZero Carbon Rating (AAA-D)', grade: 'BBB', ratedOn: '2023-06-01', reportUri: 'https://example.org/r/1340' }))
    attest = signTx(verifier, chainId, 'project.attest', 0, build.projectAttest({ registry: 'VCS', projectId: '1340', periodStart: '2022-01-01', periodEnd: '2022-12-31', measuredTonnes: 182_344, dataHash: DATA_HASH, dataUri: 'ipfs://bafy/mrv-2022.json' }))
    // A registry account may not rate: committed with WRONG_ROLE.
    wrongRole = signTx(registry, chainId, 'project.rate', 3, build.projectRate({ registry: 'VCS', projectId: '1340', scale: 'self', grade: 'AAA', ratedOn: '2023-06-01', reportUri: 'https://example.org/self' }))
    for (const tx of [register, issue, retirement, rating, attest, wrongRole]) expect((await app.submit(tx.bytes)).ok).toBe(true)
    await commitBlock(app, t0, proposerKeys)
    // The agency rates again: the new rating is current, the first one superseded.
    const again = signTx(rater, chainId, 'project.rate', 1, build.projectRate({ registry: 'VCS', projectId: '1340', scale: 'BeZero Carbon Rating (AAA-D)', grade: 'A', ratedOn: '2023-10-01', reportUri: 'https://example.org/r/1340-v2' }))
    expect((await app.submit(again.bytes)).ok).toBe(true)
    await commitBlock(app, t0 + 1_000, proposerKeys)
    api = await buildApi({ app, genesis, nodeId: 'n', validatorName: 'v0', peers: () => [], catchingUp: () => false, onAccepted: () => undefined })
    await api.listen({ host: '127.0.0.1', port: 0 })
    const address = api.server.address() as { port: number }
    client = new TonneClient(`http://127.0.0.1:${address.port}`)
  })

  afterAll(async () => {
    await api.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (url: string) => api.inject({ method: 'GET', url })

  it('GET /projects/:registry/:projectId keeps the project fields and adds current ratings, their history and attestations', async () => {
    const response = await get('/projects/VCS/1340')
    expect(response.statusCode).toBe(200)
    const project = response.json() as { registry: string; projectId: string; name: string; registeredBy: string; quality: ProjectQualityView }
    expect(project).toMatchObject({ registry: 'VCS', projectId: '1340', name: 'Bale Mountains Eco-region REDD+ project', registeredBy: id(registry) })
    expect(project.quality.ratings).toHaveLength(1)
    expect(project.quality.ratings[0]).toMatchObject({ agency: id(rater), agencyName: 'rating-agency', seq: 1, grade: 'A', ratedOn: '2023-10-01', reportUri: 'https://example.org/r/1340-v2', superseded: false, height: 2 })
    expect(project.quality.ratingHistory.map((entry) => [entry.grade, entry.superseded, entry.height])).toEqual([
      ['BBB', true, 1],
      ['A', false, 2],
    ])
    expect(project.quality.ratingHistory[0]?.txId).toBe(rating.id)
    expect(project.quality.attestations).toEqual([
      {
        registry: 'VCS',
        projectId: '1340',
        verifier: id(verifier),
        verifierName: 'verifier',
        seq: 0,
        periodStart: '2022-01-01',
        periodEnd: '2022-12-31',
        measuredTonnes: 182_344,
        dataHash: DATA_HASH,
        dataUri: 'ipfs://bafy/mrv-2022.json',
        height: 1,
        timeMs: genesis.genesisTimeMs + 1_000,
        // Wherever the proposer placed it in block 1.
        txIndex: expect.any(Number),
        txId: attest.id,
      },
    ])
    expect(project.quality.truncated).toBe(false)
    const status = (await get(`/txs/${wrongRole.id}`)).json() as { result: { name: string } }
    expect(status.result.name).toBe('WRONG_ROLE')
    // The typed client reads the same answer.
    expect((await client.projectQuality('VCS', '1340')).quality.ratings[0]?.grade).toBe('A')
  })

  it('GET /provenance shows the commitment, not a name, on the retirement event, and the project quality', async () => {
    const response = await get('/provenance?space=VCS&serial=5')
    expect(response.statusCode).toBe(200)
    const body = response.json() as { events: { type: string; txId: string; details: Record<string, string> }[]; quality: ProjectQualityView }
    const retire = body.events.find((event) => event.type === 'retire')
    expect(retire?.txId).toBe(retirement.id)
    expect(retire?.details).toEqual({ beneficiaryCommitment: commitment, purpose: 'Voluntary', reason: '', retiredOn: '' })
    expect(response.body.includes(BENEFICIARY)).toBe(false)
    expect(response.body.includes(salt)).toBe(false)
    expect(body.quality.ratings.map((entry) => entry.grade)).toEqual(['A'])
    expect(body.quality.attestations.map((entry) => entry.measuredTonnes)).toEqual([182_344])
  })

  it('GET /private-retirements/:txId answers the commitment; the client checks name and salt locally', async () => {
    const response = await get(`/private-retirements/${retirement.id}`)
    expect(response.statusCode).toBe(200)
    const record = response.json() as PrivateRetirementView
    expect(record).toMatchObject({ txId: retirement.id, batchId: 'VCS:1-100', beneficiaryCommitment: commitment, retiredBy: id(registry), units: 10, runs: [{ range: { start: 1, end: 10 } }] })
    expect(record.events.map((event) => event.details.beneficiaryCommitment)).toEqual([commitment])
    expect(await client.verifyBeneficiary(retirement.id, BENEFICIARY, salt)).toEqual({ txId: retirement.id, beneficiaryCommitment: commitment, matches: true })
    expect((await client.verifyBeneficiary(retirement.id, 'Acme Reisen', salt)).matches).toBe(false)
    expect((await client.verifyBeneficiary(retirement.id, BENEFICIARY, '0'.repeat(64))).matches).toBe(false)
  })

  it('refuses bad requests with 400 and other transactions with 404 UNKNOWN_RETIREMENT', async () => {
    for (const url of ['/private-retirements/zz', `/private-retirements/${retirement.id.toUpperCase()}`, `/private-retirements/${retirement.id}0`]) {
      const response = await get(url)
      expect(response.statusCode, url).toBe(400)
      expect(response.json()).toMatchObject({ code: 'BAD_REQUEST' })
    }
    for (const txId of [issue.id, '0'.repeat(64)]) {
      const response = await get(`/private-retirements/${txId}`)
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'UNKNOWN_RETIREMENT' })
    }
    await expect(client.privateRetirement(issue.id)).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_RETIREMENT' })
    expect((await get('/projects/VCS/9999')).statusCode).toBe(404)
    expect((await get('/private-retirements/')).statusCode).toBe(400)
  })
})
