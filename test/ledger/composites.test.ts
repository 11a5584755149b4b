// Composite assets (node/ledger/composites.ts and the composite.* rules): classes and their rules, minting from
// fractions of several projects, the look-through of each unit, transfer, redeem, retire, every rejection code, and
// "a composite equals the sum of its components".
import { describe, expect, it } from 'vitest'
import { FRACTION_PARTS_PER_TONNE, type CompositeMintBody, type CompositeRules } from '../../client/wire.ts'
import * as build from '../../client/builders.ts'
import {
  compositeCustodyOf,
  compositesOf,
  fractionsOf,
  getComposite,
  getCompositeUnit,
  getFractionRetirement,
  keys,
  prefixRange,
  readRange,
  serialFractions,
  type EventRecord,
} from '../../node/ledger/index.ts'
import { COMPOSITE_COMPONENTS_PER_TX_MAX, COMPOSITE_UNITS_PER_TX_MAX } from '../../node/ledger/composites.ts'
import { FRACTION_SERIALS_PER_TX_MAX } from '../../node/ledger/fractions.ts'
import { checkComposites, checkFractions } from '../sim/invariants.ts'
import { BANK, BATCH_VCS, issueBody, MARKET, OUTSIDER, projectBody, TestLedger, VERRA } from './helpers.ts'

const T = FRACTION_PARTS_PER_TONNE
const A = BATCH_VCS // project VCS 1340 (ET, VM0015), vintage 2020, not a removal
const B = 'VCS:5000-5009' // project VCS R1 (BR, VM0047), vintage 2022, a CAR-style 'Reduction/Removal' = 'Removal'
const C = 'VCS:6000-6009' // project VCS 1340, vintage 2021, labelled ACR-style 'Verified Removal'
const CUSTODY = compositeCustodyOf('NBS')

/** MARKET holds batches A, B and C, with 3 units of each fractionalised. */
async function setUp(): Promise<TestLedger> {
  const ledger = new TestLedger()
  await ledger.withVerraBatch(MARKET)
  await ledger.ok(VERRA, 'project.register', projectBody({ projectId: 'R1', name: 'Removal project', country: 'BR', methodology: 'VM0047', attributes: { 'Reduction/Removal': 'Removal' } }))
  await ledger.ok(VERRA, 'batch.issue', issueBody({ projectId: 'R1', serialStart: 5000, serialEnd: 5009, vintageStart: '2022-01-01', vintageEnd: '2022-12-31', to: MARKET.id, originalSerial: 'B' }))
  await ledger.ok(VERRA, 'batch.issue', issueBody({ serialStart: 6000, serialEnd: 6009, vintageStart: '2021-01-01', vintageEnd: '2021-12-31', labels: ['Verified Removal'], to: MARKET.id, originalSerial: 'C' }))
  for (const batchId of [A, B, C]) await ledger.ok(MARKET, 'credit.fractionalise', build.creditFractionalise({ batchId, quantity: 3 }))
  return ledger
}

function define(rules: Partial<CompositeRules> = {}, classId = 'NBS') {
  return build.compositeDefine({ classId, name: 'Nature-based blend', rules })
}

function mint(deposits: { batchId: string; amount: number | string; fromSerial?: number }[], classId = 'NBS'): CompositeMintBody {
  return build.compositeMint({ classId, deposits })
}

async function events(ledger: TestLedger, batchId: string): Promise<EventRecord[]> {
  return (await readRange<EventRecord>(ledger.state, prefixRange(keys.eventPrefix(batchId)))).map(([, event]) => event)
}

async function invariants(ledger: TestLedger): Promise<string[]> {
  return [...(await checkFractions(ledger.state)), ...(await checkComposites(ledger.state))]
}

describe('composite.define', () => {
  it('records the class, its rules and its custody; the same id again is COMPOSITE_EXISTS', async () => {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define({ removalOnly: true, vintageFrom: 2021, countries: ['BR', 'ET'] }))
    expect(await getComposite(ledger.state, 'NBS')).toMatchObject({ classId: 'NBS', definedBy: BANK.id, custody: CUSTODY, rules: { removalOnly: true, vintageFrom: 2021, methodologies: [], countries: ['BR', 'ET'] }, minted: 0, outstanding: 0, projects: [] })
    await ledger.rejected(MARKET, 'composite.define', define(), 'COMPOSITE_EXISTS')
    await ledger.rejected(MARKET, 'composite.define', { ...define({}, 'bad/id') }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'composite.define', { ...define(), classId: 'X', rules: { ...define().rules, vintageFrom: 20210 } }, 'INVALID_BODY')
  })
})

describe('composite.mint', () => {
  it('mints whole tonnes from fractions of two projects; each unit records exactly its components, which sum to one tonne', async () => {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define({ removalOnly: true }))
    // 1.5 t of B and 0.5 t of C: two units. Unit 1 = serial 5000 (1 t); unit 2 = 0.5 t of 5001 + 0.5 t of 6000.
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: B, amount: '1.5' }, { batchId: C, amount: '500kg' }]))
    const mintId = ledger.lastTxId
    expect(await getCompositeUnit(ledger.state, 'NBS', 1)).toMatchObject({ n: 1, owner: MARKET.id, status: 'active', totalParts: T, mintTxId: mintId, components: [{ batchId: B, serial: 5000, parts: T, projectId: 'R1', country: 'BR', methodology: 'VM0047', vintageStart: '2022-01-01' }] })
    expect((await getCompositeUnit(ledger.state, 'NBS', 2))?.components.map((component) => [component.batchId, component.serial, component.parts, component.projectId])).toEqual([
      [B, 5001, T / 2, 'R1'],
      [C, 6000, T / 2, '1340'],
    ])
    expect(await getComposite(ledger.state, 'NBS')).toMatchObject({ minted: 2, outstanding: 2, projects: [{ registry: 'VCS', projectId: '1340', parts: T / 2 }, { registry: 'VCS', projectId: 'R1', parts: 1.5 * T }] })
    // The parts are in the class's custody, and still count for their serials.
    expect((await fractionsOf(ledger.state, CUSTODY)).fractions).toEqual([
      { batchId: B, serial: 5000, parts: T },
      { batchId: B, serial: 5001, parts: T / 2 },
      { batchId: C, serial: 6000, parts: T / 2 },
    ])
    expect(await serialFractions(ledger.state, B, 5001)).toMatchObject({ heldParts: T, retiredParts: 0 })
    expect((await events(ledger, C)).at(-1)).toMatchObject({ type: 'composite-deposit', range: { start: 6000, end: 6000 }, from: MARKET.id, to: CUSTODY, details: { parts: String(T / 2), classId: 'NBS', units: '1-2' } })
    expect((await compositesOf(ledger.state, MARKET.id)).units.map((unit) => unit.n)).toEqual([1, 2])
    expect(await invariants(ledger)).toEqual([])
  })

  it('rejects an unknown class, parts that are not whole tonnes, too many tonnes, an unknown batch, more parts than held', async () => {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define())
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: 1 * T }], 'NOPE'), 'UNKNOWN_COMPOSITE')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: '0.5' }, { batchId: B, amount: '0.4' }]), 'NOT_WHOLE_TONNES')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: (COMPOSITE_UNITS_PER_TX_MAX + 1) * T }]), 'FRACTION_LIMIT')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: 'VCS:1-5', amount: T }]), 'UNKNOWN_BATCH')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: 3 * T + 1 }, { batchId: B, amount: T - 1 }]), 'INSUFFICIENT_FRACTIONS')
    await ledger.rejected(OUTSIDER, 'composite.mint', mint([{ batchId: A, amount: T }]), 'INSUFFICIENT_FRACTIONS')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: T / 2 }, { batchId: A, amount: T / 2 }]), 'INVALID_BODY')
    await ledger.rejected(MARKET, 'composite.mint', { classId: 'NBS', deposits: [] }, 'INVALID_BODY')
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: A, amount: 3 * T }]))
  })

  it('a mint touching more than FRACTION_SERIALS_PER_TX_MAX serials is FRACTION_LIMIT; exactly that many is fine', async () => {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define())
    await ledger.ok(MARKET, 'credit.fractionalise', build.creditFractionalise({ batchId: A, quantity: FRACTION_SERIALS_PER_TX_MAX - 3 }))
    // BANK gets 10 kg of each of A's first 100 serials (one tonne in all) and a whole tonne of B.
    for (let serial = 941467007; serial < 941467007 + FRACTION_SERIALS_PER_TX_MAX; serial += 1) {
      await ledger.ok(MARKET, 'fraction.transfer', build.fractionTransfer({ batchId: A, amount: '10kg', fromSerial: serial, to: BANK.id }))
    }
    await ledger.ok(MARKET, 'fraction.transfer', build.fractionTransfer({ batchId: B, amount: '1', to: BANK.id }))
    await ledger.rejected(BANK, 'composite.mint', mint([{ batchId: A, amount: '1' }, { batchId: B, amount: '1' }]), 'FRACTION_LIMIT')
    await ledger.ok(BANK, 'composite.mint', mint([{ batchId: A, amount: '1' }]))
    expect((await getCompositeUnit(ledger.state, 'NBS', 1))?.components).toHaveLength(FRACTION_SERIALS_PER_TX_MAX)
    expect(await invariants(ledger)).toEqual([])
  })

  it('applies each rule: removal only, vintage from, methodologies, countries (INELIGIBLE_COMPONENT)', async () => {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define({ removalOnly: true }, 'REM'))
    await ledger.ok(BANK, 'composite.define', define({ vintageFrom: 2021 }, 'V2021'))
    await ledger.ok(BANK, 'composite.define', define({ methodologies: ['VM0047'] }, 'VM47'))
    await ledger.ok(BANK, 'composite.define', define({ countries: ['ET'] }, 'ET'))
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: T }], 'REM'), 'INELIGIBLE_COMPONENT')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: A, amount: T }], 'V2021'), 'INELIGIBLE_COMPONENT')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: C, amount: T }], 'VM47'), 'INELIGIBLE_COMPONENT')
    await ledger.rejected(MARKET, 'composite.mint', mint([{ batchId: B, amount: T }], 'ET'), 'INELIGIBLE_COMPONENT')
    // And what meets them: B (attribute) and C (label) are removals; B and C are 2021 or later; B is VM0047; A and C are ET.
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: B, amount: T / 2 }, { batchId: C, amount: T / 2 }], 'REM'))
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: B, amount: T / 2 }, { batchId: C, amount: T / 2 }], 'V2021'))
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: B, amount: T }], 'VM47'))
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: A, amount: T }, { batchId: C, amount: T }], 'ET'))
    expect(await invariants(ledger)).toEqual([])
  })
})

describe('composite.transfer, composite.redeem, composite.retire', () => {
  async function minted(): Promise<TestLedger> {
    const ledger = await setUp()
    await ledger.ok(BANK, 'composite.define', define())
    await ledger.ok(MARKET, 'composite.mint', mint([{ batchId: A, amount: '1.25' }, { batchId: B, amount: '1.75' }]))
    return ledger
  }

  it('transfers units by quantity and by number', async () => {
    const ledger = await minted()
    await ledger.ok(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', quantity: 1, to: BANK.id }))
    await ledger.ok(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', units: [3], to: BANK.id }))
    expect((await compositesOf(ledger.state, BANK.id)).units.map((unit) => unit.n)).toEqual([1, 3])
    expect((await compositesOf(ledger.state, MARKET.id)).units.map((unit) => unit.n)).toEqual([2])
    expect(await invariants(ledger)).toEqual([])
  })

  it('rejects a self transfer, an unknown class or unit, a unit of someone else, more units than held, bad selections', async () => {
    const ledger = await minted()
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', quantity: 1, to: MARKET.id }), 'SELF_TRANSFER')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', quantity: 1, to: CUSTODY }), 'WRONG_ROLE')
    // Parts enter a custody only by composite.mint: a plain transfer to it would leave parts backing no unit.
    await ledger.rejected(MARKET, 'fraction.transfer', build.fractionTransfer({ batchId: A, amount: 1, to: CUSTODY }), 'WRONG_ROLE')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NOPE', quantity: 1, to: BANK.id }), 'UNKNOWN_COMPOSITE')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', units: [4], to: BANK.id }), 'UNKNOWN_COMPOSITE_UNIT')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', quantity: 4, to: BANK.id }), 'NOT_UNIT_HOLDER')
    await ledger.rejected(BANK, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', units: [1], to: OUTSIDER.id }), 'NOT_UNIT_HOLDER')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', quantity: COMPOSITE_UNITS_PER_TX_MAX + 1, to: BANK.id }), 'FRACTION_LIMIT')
    await ledger.rejected(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', units: [1, 1], to: BANK.id }), 'INVALID_BODY')
    await ledger.rejected(MARKET, 'composite.transfer', { classId: 'NBS', quantity: 1, units: [1], to: BANK.id }, 'INVALID_BODY')
    await ledger.rejected(MARKET, 'composite.redeem', build.compositeRedeem({ classId: 'NOPE', quantity: 1 }), 'UNKNOWN_COMPOSITE')
    await ledger.rejected(MARKET, 'composite.redeem', build.compositeRedeem({ classId: 'NBS', quantity: COMPOSITE_UNITS_PER_TX_MAX + 1 }), 'FRACTION_LIMIT')
    await ledger.rejected(BANK, 'composite.retire', build.compositeRetire({ classId: 'NBS', units: [2] }), 'NOT_UNIT_HOLDER')
    await ledger.rejected(MARKET, 'composite.retire', build.compositeRetire({ classId: 'NBS', units: [9] }), 'UNKNOWN_COMPOSITE_UNIT')
    await ledger.rejected(MARKET, 'composite.retire', build.compositeRetire({ classId: 'NOPE', units: [1] }), 'UNKNOWN_COMPOSITE')
    await ledger.rejected(MARKET, 'composite.retire', build.compositeRetire({ classId: 'NBS', quantity: COMPOSITE_UNITS_PER_TX_MAX + 1 }), 'FRACTION_LIMIT')
    expect(COMPOSITE_COMPONENTS_PER_TX_MAX).toBeGreaterThan(COMPOSITE_UNITS_PER_TX_MAX)
  })

  it('redeems a unit into its component fractions, to the redeemer; a redeemed unit is gone for good', async () => {
    const ledger = await minted()
    // Unit 2 is 0.25 t of A's second serial and 0.75 t of B's first.
    const unit = await getCompositeUnit(ledger.state, 'NBS', 2)
    expect(unit?.components.map((component) => [component.batchId, component.parts])).toEqual([[A, T / 4], [B, (3 * T) / 4]])
    await ledger.ok(MARKET, 'composite.transfer', build.compositeTransfer({ classId: 'NBS', units: [2], to: OUTSIDER.id }))
    await ledger.ok(OUTSIDER, 'composite.redeem', build.compositeRedeem({ classId: 'NBS', quantity: 1 }))
    expect((await fractionsOf(ledger.state, OUTSIDER.id)).fractions).toEqual([
      { batchId: B, serial: 5000, parts: (3 * T) / 4 },
      { batchId: A, serial: 941467008, parts: T / 4 },
    ])
    expect(await getCompositeUnit(ledger.state, 'NBS', 2)).toMatchObject({ status: 'redeemed', owner: OUTSIDER.id, endTxId: ledger.lastTxId })
    expect(await getComposite(ledger.state, 'NBS')).toMatchObject({ minted: 3, outstanding: 2, redeemed: 1, retired: 0 })
    expect((await events(ledger, B)).at(-1)).toMatchObject({ type: 'composite-redeem', from: CUSTODY, to: OUTSIDER.id, details: { parts: String((3 * T) / 4), classId: 'NBS' } })
    await ledger.rejected(OUTSIDER, 'composite.redeem', build.compositeRedeem({ classId: 'NBS', units: [2] }), 'UNKNOWN_COMPOSITE_UNIT')
    // The redeemed fractions are the redeemer's like any other: 0.25 t of A moves on.
    await ledger.ok(OUTSIDER, 'fraction.transfer', build.fractionTransfer({ batchId: A, amount: '250kg', to: BANK.id }))
    expect(await invariants(ledger)).toEqual([])
  })

  it('retires a unit: its components are retired and the retirement lists them with the class and unit', async () => {
    const ledger = await minted()
    await ledger.ok(MARKET, 'composite.retire', build.compositeRetire({ classId: 'NBS', units: [2, 3], beneficiary: 'Acme', purpose: 'Net zero 2026' }))
    const retirementId = ledger.lastTxId
    expect(await getFractionRetirement(ledger.state, retirementId)).toMatchObject({
      retiredBy: MARKET.id,
      totalParts: 2 * T,
      parts: [
        { batchId: A, serial: 941467008, parts: T / 4 },
        { batchId: B, serial: 5000, parts: T },
        { batchId: B, serial: 5001, parts: (3 * T) / 4 },
      ],
      beneficiary: 'Acme',
      compositeClass: 'NBS',
      compositeUnits: [2, 3],
    })
    expect(await serialFractions(ledger.state, B, 5000)).toMatchObject({ retiredParts: T, heldParts: 0, holders: [] })
    expect(await serialFractions(ledger.state, B, 5001)).toMatchObject({ retiredParts: (3 * T) / 4, heldParts: T / 4, holders: [{ account: MARKET.id, parts: T / 4 }] })
    expect((await events(ledger, B)).at(-1)).toMatchObject({ type: 'fraction-retire', range: { start: 5001, end: 5001 }, from: CUSTODY, to: null, by: MARKET.id, details: { parts: String((3 * T) / 4), compositeClass: 'NBS', retirementId, beneficiary: 'Acme' } })
    expect(await getComposite(ledger.state, 'NBS')).toMatchObject({ minted: 3, outstanding: 1, retired: 2, projects: [{ projectId: '1340', parts: T }] })
    expect(await getCompositeUnit(ledger.state, 'NBS', 3)).toMatchObject({ status: 'retired', endTxId: retirementId })
    await ledger.rejected(MARKET, 'composite.redeem', build.compositeRedeem({ classId: 'NBS', units: [3] }), 'UNKNOWN_COMPOSITE_UNIT')
    expect(await invariants(ledger)).toEqual([])
  })

  it('a composite equals the sum of its components: the check catches a unit whose parts are not in custody', async () => {
    const ledger = await minted()
    // Tamper: take a part out of the custody account behind the ledger's back.
    const { encode } = await import('../../client/wire.ts')
    ledger.state.apply([
      [keys.fraction(A, 941467007, CUSTODY), encode(T - 1)],
      [keys.fractionOwner(CUSTODY, A, 941467007), encode(T - 1)],
    ])
    expect((await checkComposites(ledger.state)).join('\n')).toMatch(/custody holds 999999 parts of VCS:941467007-941467431#941467007, its live units 1000000/)
    expect((await checkFractions(ledger.state)).join('\n')).toMatch(/parts held 999999 \+ retired 0 != 1000000/)
  })
})
