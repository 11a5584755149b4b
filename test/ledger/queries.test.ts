import { describe, expect, it } from 'vitest'
import {
  batchSupply,
  findBatchBySerial,
  getAccount,
  getBatch,
  getProject,
  holdingsOf,
  listBatches,
  listProjects,
  provenance,
} from '../../node/ledger/index.ts'
import { BANK, BATCH_VCS, GOLD, issueBody, MARKET, OUTSIDER, projectBody, retireBody, TestLedger, transferBody, VERRA } from './helpers.ts'

const START = 941467007
const END = 941467431

describe('provenance', () => {
  it('lists issuance, each owner and the retirement of a serial, in order', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    const serial = START + 42
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, quantity: 100 }))
    await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 40, end: START + 59 } }))
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: OUTSIDER.id, quantity: 5 })) // other serials
    await ledger.ok(MARKET, 'credit.retire', retireBody({ batchId: BATCH_VCS, range: { start: serial, end: serial }, beneficiary: 'Kinaxis Inc.' }))

    const history = await provenance(ledger.state, { space: 'VCS', serial })
    expect(history?.batch.batchId).toBe(BATCH_VCS)
    expect(history?.project?.name).toBe('Bale Mountains Eco-region REDD+ project')
    expect(history?.range).toEqual({ start: serial, end: serial })
    expect(history?.events.map((event) => [event.type, event.from, event.to])).toEqual([
      ['issue', null, VERRA.id],
      ['transfer', VERRA.id, BANK.id],
      ['transfer', BANK.id, MARKET.id],
      ['retire', MARKET.id, null],
    ])
    expect(history?.events[0]).toMatchObject({ range: { start: START, end: END }, height: 2, details: { originalSerial: issueBody().originalSerial } })
    expect(history?.events[3]).toMatchObject({ range: { start: serial, end: serial }, details: { beneficiary: 'Kinaxis Inc.' } })
    // Events carry increasing heights and the sender of each transaction.
    const heights = history?.events.map((event) => event.height) ?? []
    expect([...heights].sort((a, b) => a - b)).toEqual(heights)
    expect(history?.events.map((event) => event.by)).toEqual([VERRA.id, VERRA.id, BANK.id, MARKET.id])
    expect(history?.holdings).toEqual([{ batchId: BATCH_VCS, start: serial, end: serial, owner: MARKET.id, status: 'retired' }])
    expect(history?.truncated).toBe(false)
  })

  it('for a range, lists every event that touched any of its serials', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: BANK.id, range: { start: START, end: START + 9 } }))
    await ledger.ok(VERRA, 'credit.transfer', transferBody({ batchId: BATCH_VCS, to: MARKET.id, range: { start: START + 100, end: START + 109 } }))
    const nearStart = await provenance(ledger.state, { batchId: BATCH_VCS, range: { start: START + 5, end: START + 50 } })
    expect(nearStart?.events.map((event) => event.type)).toEqual(['issue', 'transfer'])
    expect(nearStart?.events[1]?.to).toBe(BANK.id)
    // A range reaching past the batch is clipped to it.
    const whole = await provenance(ledger.state, { batchId: BATCH_VCS, range: { start: 1, end: Number.MAX_SAFE_INTEGER } })
    expect(whole?.range).toEqual({ start: START, end: END })
    expect(whole?.events).toHaveLength(3)
    expect(whole?.holdings).toHaveLength(4)
  })

  it('is undefined for serials no batch has', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    expect(await provenance(ledger.state, { space: 'VCS', serial: START - 1 })).toBeUndefined()
    expect(await provenance(ledger.state, { space: 'VCS', serial: END + 1 })).toBeUndefined()
    expect(await provenance(ledger.state, { space: 'GS/1', serial: START })).toBeUndefined()
    expect(await provenance(ledger.state, { batchId: 'VCS:1-2', range: { start: 1, end: 2 } })).toBeUndefined()
    expect(await provenance(ledger.state, { batchId: BATCH_VCS, range: { start: 1, end: 2 } })).toBeUndefined()
  })
})

describe('findBatchBySerial', () => {
  it('finds the batch whose range contains the serial, at both ends and in between, and nothing in gaps', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody())
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 10, serialEnd: 20 }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 30, serialEnd: 30 }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ space: 'VCS/7', serialStart: 1, serialEnd: 100 }))
    const found = async (space: string, serial: number) => (await findBatchBySerial(ledger.state, space, serial))?.batchId
    expect(await found('VCS', 10)).toBe('VCS:10-20')
    expect(await found('VCS', 15)).toBe('VCS:10-20')
    expect(await found('VCS', 20)).toBe('VCS:10-20')
    expect(await found('VCS', 30)).toBe('VCS:30-30')
    expect(await found('VCS', 9)).toBeUndefined()
    expect(await found('VCS', 21)).toBeUndefined()
    expect(await found('VCS', 31)).toBeUndefined()
    expect(await found('VCS', 0)).toBeUndefined()
    expect(await found('VCS/7', 50)).toBe('VCS/7:1-100')
    expect(await found('VCS/70', 50)).toBeUndefined()
  })
})

describe('accounts and holdings', () => {
  it('getAccount gives role, registry and next nonce, also for accounts outside genesis', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch()
    expect(await getAccount(ledger.state, VERRA.id)).toEqual({ id: VERRA.id, name: 'verra', role: 'registry', registry: 'VCS', nextNonce: 2 })
    expect(await getAccount(ledger.state, BANK.id)).toEqual({ id: BANK.id, name: 'bank', role: 'bank', registry: null, nextNonce: 0 })
    expect(await getAccount(ledger.state, OUTSIDER.id)).toEqual({ id: OUTSIDER.id, name: null, role: null, registry: null, nextNonce: 0 })
    expect(await getAccount(ledger.state, 'nope')).toBeNull()
  })

  it('holdingsOf groups by batch with totals by status', async () => {
    const ledger = new TestLedger()
    await ledger.withVerraBatch(BANK)
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 1, serialEnd: 1000, to: BANK.id }))
    await ledger.ok(BANK, 'credit.retire', retireBody({ batchId: BATCH_VCS, quantity: 25 }))
    await ledger.ok(BANK, 'credit.transfer', transferBody({ batchId: 'VCS:1-1000', to: MARKET.id, quantity: 400 }))
    const holdings = await holdingsOf(ledger.state, BANK.id)
    expect(holdings.batches.map((group) => [group.batchId, group.totals])).toEqual([
      ['VCS:1-1000', { active: 600, retired: 0, cancelled: 0, locked: 0, fractionalised: 0 }],
      [BATCH_VCS, { active: 400, retired: 25, cancelled: 0, locked: 0, fractionalised: 0 }],
    ])
    expect(holdings.totals).toEqual({ active: 1000, retired: 25, cancelled: 0, locked: 0, fractionalised: 0 })
    expect(holdings.next).toBeNull()
    const firstPage = await holdingsOf(ledger.state, BANK.id, { limit: 2 })
    expect(firstPage.batches.flatMap((group) => group.holdings)).toHaveLength(2)
    const secondPage = await holdingsOf(ledger.state, BANK.id, { limit: 2, after: firstPage.next ?? '' })
    expect(secondPage.batches.flatMap((group) => group.holdings)).toHaveLength(1)
    expect(secondPage.next).toBeNull()
  })
})

describe('projects and batches', () => {
  async function populated(): Promise<TestLedger> {
    const ledger = new TestLedger()
    for (const projectId of ['1340', '3005', '5962']) await ledger.ok(VERRA, 'project.register', projectBody({ projectId }))
    await ledger.ok(GOLD, 'project.register', projectBody({ registry: 'GS', projectId: 'GS11236' }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 1, serialEnd: 10 }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ projectId: '3005', serialStart: 11, serialEnd: 20 }))
    await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 21, serialEnd: 30 }))
    await ledger.ok(GOLD, 'batch.issue', issueBody({ registry: 'GS', projectId: 'GS11236', space: 'GS/30307', serialStart: 1, serialEnd: 19149 }))
    return ledger
  }

  it('getProject and getBatch read one record', async () => {
    const ledger = await populated()
    expect((await getProject(ledger.state, 'GS', 'GS11236'))?.registry).toBe('GS')
    expect(await getProject(ledger.state, 'GS', '1340')).toBeUndefined()
    expect((await getBatch(ledger.state, 'GS/30307:1-19149'))?.space).toBe('GS/30307')
    expect(await getBatch(ledger.state, 'GS/30307:1-19148')).toBeUndefined()
    expect(await batchSupply(ledger.state, 'GS/30307:1-19148')).toBeUndefined()
  })

  it('listProjects pages through all projects, or those of one registry', async () => {
    const ledger = await populated()
    const first = await listProjects(ledger.state, 2)
    expect(first.items.map((project) => `${project.registry}/${project.projectId}`)).toEqual(['GS/GS11236', 'VCS/1340'])
    const second = await listProjects(ledger.state, 2, first.next ?? undefined)
    expect(second.items.map((project) => project.projectId)).toEqual(['3005', '5962'])
    expect(second.next).toBeNull()
    const verra = await listProjects(ledger.state, 2, undefined, { registry: 'VCS' })
    expect(verra.items.map((project) => project.projectId)).toEqual(['1340', '3005'])
    const verraRest = await listProjects(ledger.state, 2, verra.next ?? undefined, { registry: 'VCS' })
    expect(verraRest.items.map((project) => project.projectId)).toEqual(['5962'])
  })

  it('listBatches pages through all batches, those of a registry, or those of a project', async () => {
    const ledger = await populated()
    const all = await listBatches(ledger.state, 100)
    expect(all.items.map((batch) => batch.batchId)).toEqual(['GS/30307:1-19149', 'VCS:1-10', 'VCS:11-20', 'VCS:21-30'])
    const page = await listBatches(ledger.state, 3)
    expect(page.items).toHaveLength(3)
    expect((await listBatches(ledger.state, 3, page.next ?? undefined)).items.map((batch) => batch.batchId)).toEqual(['VCS:21-30'])
    const gold = await listBatches(ledger.state, 100, undefined, { registry: 'GS' })
    expect(gold.items.map((batch) => batch.batchId)).toEqual(['GS/30307:1-19149'])
    const verraPage = await listBatches(ledger.state, 2, undefined, { registry: 'VCS' })
    expect(verraPage.items.map((batch) => batch.batchId)).toEqual(['VCS:1-10', 'VCS:11-20'])
    expect((await listBatches(ledger.state, 2, verraPage.next ?? undefined, { registry: 'VCS' })).items.map((batch) => batch.batchId)).toEqual(['VCS:21-30'])
    const project = await listBatches(ledger.state, 100, undefined, { registry: 'VCS', projectId: '1340' })
    expect(project.items.map((batch) => batch.batchId)).toEqual(['VCS:1-10', 'VCS:21-30'])
  })
})
