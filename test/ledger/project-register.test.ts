import { describe, expect, it } from 'vitest'
import { getProject } from '../../node/ledger/index.ts'
import { BANK, GOLD, projectBody, TestLedger, testTxId, VERRA, VERRA_2 } from './helpers.ts'

describe('project.register', () => {
  it('records the project with its attributes, the registering account and the block context', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody({ attributes: { region: 'Africa', ccb: 'Gold' } }))
    const project = await getProject(ledger.state, 'VCS', '1340')
    expect(project).toMatchObject({
      registry: 'VCS',
      projectId: '1340',
      name: 'Bale Mountains Eco-region REDD+ project',
      methodology: 'VM0015',
      attributes: { ccb: 'Gold', region: 'Africa' },
      registeredBy: VERRA.id,
      height: 1,
      timeMs: ledger.timeMs,
      txId: testTxId(0),
    })
    // Attributes are stored in sorted order whatever the sender's order.
    expect(Object.keys(project?.attributes ?? {})).toEqual(['ccb', 'region'])
  })

  it('rejects a sender without the registry role (WRONG_ROLE)', async () => {
    const ledger = new TestLedger()
    await ledger.rejected(BANK, 'project.register', projectBody(), 'WRONG_ROLE')
    expect(await getProject(ledger.state, 'VCS', '1340')).toBeUndefined()
  })

  it('rejects the registry account of another registry (WRONG_REGISTRY)', async () => {
    const ledger = new TestLedger()
    await ledger.rejected(GOLD, 'project.register', projectBody(), 'WRONG_REGISTRY')
  })

  it('rejects a project that exists (PROJECT_EXISTS), also from another account of the same registry', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody())
    await ledger.rejected(VERRA, 'project.register', projectBody({ name: 'renamed' }), 'PROJECT_EXISTS')
    await ledger.rejected(VERRA_2, 'project.register', projectBody(), 'PROJECT_EXISTS')
    expect((await getProject(ledger.state, 'VCS', '1340'))?.name).toBe('Bale Mountains Eco-region REDD+ project')
  })

  it('keeps projects of different registries with the same id apart', async () => {
    const ledger = new TestLedger()
    await ledger.ok(VERRA, 'project.register', projectBody({ projectId: '11236' }))
    await ledger.ok(GOLD, 'project.register', projectBody({ registry: 'GS', program: 'Gold Standard', projectId: '11236', name: 'BioLite' }))
    expect((await getProject(ledger.state, 'GS', '11236'))?.name).toBe('BioLite')
    expect((await getProject(ledger.state, 'VCS', '11236'))?.registry).toBe('VCS')
  })

  it('rejects an invalid body before looking at roles (INVALID_BODY)', async () => {
    const ledger = new TestLedger()
    const result = await ledger.rejected(BANK, 'project.register', projectBody({ projectId: 'a/b' }), 'INVALID_BODY')
    expect(result.message).toContain('body.projectId')
  })
})
