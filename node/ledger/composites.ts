// Composite assets (composite.define, composite.mint, composite.transfer, composite.redeem, composite.retire).
//
// Model. A composite class (composite/<classId>) has rules every component must meet (CompositeRules in
// client/wire.ts) and a custody account, compositeCustodyOf(classId) (node/ledger/fractions.ts): an account id no
// one holds the key of. composite.mint moves the depositor's fractions into that custody account (they stay ordinary
// fraction balances, so a serial's parts held + retired = FRACTION_PARTS_PER_TONNE still holds) and mints units
// numbered 1, 2, ... per class (compositeunit/<classId>/<padded n>), each recording its components: exactly which
// (batch, serial, parts) make it up, summing to FRACTION_PARTS_PER_TONNE. The deposited parts are assigned to units
// in order (deposits in body order, each lowest serials first), a serial's parts split between two units when a unit
// fills up. Invariant: the components of the live (active) units of a class sum, per serial, to exactly the custody
// account's balance of that serial, and every live unit's components sum to one tonne.
//
// Removal. A batch counts as a removal when it is labelled 'Verified Removal' (ACR's yes/no column, imported as a
// label by client/registries/acr.ts) or its project's attribute 'Reduction/Removal' is 'Removal' (CAR's column,
// imported as a project attribute by client/registries/car.ts). Verra, Gold Standard and Cercarbono exports say
// nothing either way, so their credits never meet removalOnly. Vintage: the year of the batch's vintageStart (a batch
// without one never meets vintageFrom > 0). Methodology and country: the project's, compared exactly.
//
// Bounds: COMPOSITE_DEPOSITS_PER_TX_MAX deposits and COMPOSITE_UNITS_PER_TX_MAX units minted, moved, redeemed or
// retired per transaction; FRACTION_SERIALS_PER_TX_MAX serials deposited per mint; COMPOSITE_COMPONENTS_PER_TX_MAX
// components dissolved per redeem or retire.
import { FRACTION_PARTS_PER_TONNE, type CompositeRules, type CompositeSelection, type TxResult } from '../../client/wire.ts'
import type { StateReader } from '../state/view.ts'
import { keys, prefixEnd, readRange, readRecord, type BatchRecord, type CompositeClassRecord, type CompositeUnitRecord, type ProjectRecord } from './keys.ts'
import { invariant, reject } from './result.ts'

/** Deposits (batches) one composite.mint may carry. */
export const COMPOSITE_DEPOSITS_PER_TX_MAX = 16
/** Composite units one transaction mints, transfers, redeems or retires. */
export const COMPOSITE_UNITS_PER_TX_MAX = 100
/** Components (serial parts) one composite.redeem or composite.retire dissolves. */
export const COMPOSITE_COMPONENTS_PER_TX_MAX = 1_000
/** Entries of a class's rule lists (methodologies, countries). */
export const COMPOSITE_RULE_ENTRIES_MAX = 64

export const REMOVAL_LABEL = 'Verified Removal'
export const REMOVAL_ATTRIBUTE = 'Reduction/Removal'
export const REMOVAL_ATTRIBUTE_VALUE = 'Removal'

/** WRONG_ROLE when `account` is the custody of a composite class (only composite.mint puts parts into one), else null. */
export async function custodyRejection(reader: StateReader, account: string, what: string): Promise<TxResult | null> {
  const classId = await readRecord<string>(reader, keys.compositeCustody(account))
  if (classId === undefined) return null
  return reject('WRONG_ROLE', `${account} is the custody account of composite class ${classId}: ${what} cannot be sent to it (parts enter it only by composite.mint)`)
}

export async function readClass(reader: StateReader, classId: string): Promise<CompositeClassRecord | undefined> {
  return readRecord<CompositeClassRecord>(reader, keys.composite(classId))
}

/** Whether a batch's credits are removals, from what the registries' exports say (see the header). */
export function isRemoval(batch: BatchRecord, project: ProjectRecord | undefined): boolean {
  return batch.labels.includes(REMOVAL_LABEL) || project?.attributes[REMOVAL_ATTRIBUTE] === REMOVAL_ATTRIBUTE_VALUE
}

/** null when the batch meets the rules, else why not. */
export function ineligibility(rules: CompositeRules, batch: BatchRecord, project: ProjectRecord | undefined): string | null {
  if (rules.removalOnly && !isRemoval(batch, project)) return `batch ${batch.batchId} is not a removal (no '${REMOVAL_LABEL}' label, project attribute '${REMOVAL_ATTRIBUTE}' is not '${REMOVAL_ATTRIBUTE_VALUE}')`
  if (rules.vintageFrom > 0) {
    const year = /^(\d{4})-/.exec(batch.vintageStart)?.[1]
    if (year === undefined || Number(year) < rules.vintageFrom) return `batch ${batch.batchId} has vintage ${year ?? 'none'}, before ${rules.vintageFrom}`
  }
  if (rules.methodologies.length > 0 && !rules.methodologies.includes(project?.methodology ?? '')) return `batch ${batch.batchId}'s methodology ${JSON.stringify(project?.methodology ?? '')} is not one of the class's`
  if (rules.countries.length > 0 && !rules.countries.includes(project?.country ?? '')) return `batch ${batch.batchId}'s country ${JSON.stringify(project?.country ?? '')} is not one of the class's`
  return null
}

export type UnitSelection = { ok: true; units: CompositeUnitRecord[] } | { ok: false; result: TxResult }

/**
 * The sender's live units of a class: by quantity its lowest-numbered ones (NOT_UNIT_HOLDER if it holds fewer), or
 * the listed ones (UNKNOWN_COMPOSITE_UNIT for a unit never minted, redeemed or retired; NOT_UNIT_HOLDER for one held
 * by another account), in the order given.
 */
export async function selectCompositeUnits(reader: StateReader, composite: CompositeClassRecord, selection: CompositeSelection, sender: string): Promise<UnitSelection> {
  const units: CompositeUnitRecord[] = []
  if (selection.units.length === 0) {
    const prefix = keys.compositeOwnerClassPrefix(sender, composite.classId)
    const entries = await readRange<null>(reader, { gte: prefix, lt: prefixEnd(prefix), limit: selection.quantity })
    if (entries.length < selection.quantity) return { ok: false, result: reject('NOT_UNIT_HOLDER', `${sender} holds ${entries.length} units of composite ${composite.classId}, ${selection.quantity} requested`) }
    for (const [key] of entries) {
      const unit = await readRecord<CompositeUnitRecord>(reader, keys.compositeUnit(composite.classId, Number(key.slice(prefix.length))))
      invariant(unit !== undefined && unit.status === 'active' && unit.owner === sender, `owner index ${key} names a unit that is not ${sender}'s live unit`)
      units.push(unit)
    }
    return { ok: true, units }
  }
  for (const n of selection.units) {
    const unit = await readRecord<CompositeUnitRecord>(reader, keys.compositeUnit(composite.classId, n))
    if (unit === undefined || unit.status !== 'active') return { ok: false, result: reject('UNKNOWN_COMPOSITE_UNIT', `composite ${composite.classId} has no live unit ${n}${unit === undefined ? '' : ` (it was ${unit.status})`}`) }
    if (unit.owner !== sender) return { ok: false, result: reject('NOT_UNIT_HOLDER', `unit ${n} of composite ${composite.classId} is not held by ${sender}`) }
    units.push(unit)
  }
  return { ok: true, units }
}

/** The components of units, checked to sum to one tonne each (a broken composite is a broken invariant). */
export function componentsOf(units: CompositeUnitRecord[]): CompositeUnitRecord['components'] {
  const out: CompositeUnitRecord['components'] = []
  for (const unit of units) {
    const sum = unit.components.reduce((total, component) => total + component.parts, 0)
    invariant(sum === FRACTION_PARTS_PER_TONNE, `unit ${unit.n} of composite ${unit.classId} has components summing to ${sum}`)
    out.push(...unit.components)
  }
  return out
}
