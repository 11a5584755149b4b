// Rule composite.retire: the sender retires composite units it holds: their components' parts are retired (taken
// from the class's custody; each serial's retired parts grow, with a 'fraction-retire' event naming the class), the
// retirement record fractionretirement/<txId> lists every (batch, serial, parts) with the class and unit numbers,
// and the units are marked retired.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_COMPOSITE       no class with body.classId
//   FRACTION_LIMIT          more than COMPOSITE_UNITS_PER_TX_MAX units, or their components are more than
//                           COMPOSITE_COMPONENTS_PER_TX_MAX
//   UNKNOWN_COMPOSITE_UNIT  a listed unit was never minted, or was redeemed or retired
//   NOT_UNIT_HOLDER         a listed unit is another account's, or the sender holds fewer units than the quantity
import type { CompositeRetireBody, CompositeSelection, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { COMPOSITE_COMPONENTS_PER_TX_MAX, COMPOSITE_UNITS_PER_TX_MAX, componentsOf, readClass, selectCompositeUnits } from './composites.ts'
import { writeFractionRetirement } from './fraction-retire.ts'
import { mergeParts, moveParts } from './fractions.ts'
import { encodeRecord, keys, type CompositeUnitRecord, type FractionPart } from './keys.ts'
import { ok, reject } from './result.ts'

export async function compositeRetire(context: RuleContext, body: CompositeRetireBody): Promise<TxResult> {
  const ended = await endUnits(context, body, 'retired', body)
  if (!ended.ok) return ended.result
  return ok(`retired ${ended.units.length} units of composite ${body.classId}: ${ended.parts.length} serials' parts`)
}

/**
 * What composite.redeem and composite.retire share: select the sender's units, check the bounds, dissolve their
 * components (to the sender, or retired), mark the units ended and update the class's counts.
 */
export async function endUnits(
  context: RuleContext,
  body: CompositeSelection,
  how: 'redeemed' | 'retired',
  retirement?: Pick<CompositeRetireBody, 'beneficiary' | 'purpose' | 'reason' | 'retiredOn'>,
): Promise<{ ok: true; units: CompositeUnitRecord[]; parts: FractionPart[] } | { ok: false; result: TxResult }> {
  const { view, sender } = context
  const composite = await readClass(view, body.classId)
  if (composite === undefined) return { ok: false, result: reject('UNKNOWN_COMPOSITE', `no composite class ${body.classId}`) }
  if (body.quantity > COMPOSITE_UNITS_PER_TX_MAX) return { ok: false, result: reject('FRACTION_LIMIT', `${body.quantity} units, more than COMPOSITE_UNITS_PER_TX_MAX (${COMPOSITE_UNITS_PER_TX_MAX})`) }
  const selection = await selectCompositeUnits(view, composite, body, sender)
  if (!selection.ok) return selection
  const components = componentsOf(selection.units)
  if (components.length > COMPOSITE_COMPONENTS_PER_TX_MAX) {
    return { ok: false, result: reject('FRACTION_LIMIT', `the units have ${components.length} components, more than COMPOSITE_COMPONENTS_PER_TX_MAX (${COMPOSITE_COMPONENTS_PER_TX_MAX}): end fewer units at once`) }
  }
  const parts = mergeParts(components)
  const numbers = selection.units.map((unit) => unit.n)
  if (retirement === undefined) {
    await moveParts(context, parts, composite.custody, sender, 'composite-redeem', { classId: composite.classId })
  } else {
    await writeFractionRetirement(
      context,
      { txId: context.txId, retiredBy: sender, ...retirement, compositeClass: composite.classId, compositeUnits: numbers, height: context.height, timeMs: context.timeMs },
      parts,
      composite.custody,
    )
  }
  for (const unit of selection.units) {
    view.del(keys.compositeOwner(sender, composite.classId, unit.n))
    view.put(keys.compositeUnit(composite.classId, unit.n), encodeRecord({ ...unit, status: how, endTxId: context.txId }))
  }
  const count = selection.units.length
  view.put(keys.composite(composite.classId), encodeRecord({ ...composite, outstanding: composite.outstanding - count, redeemed: composite.redeemed + (how === 'redeemed' ? count : 0), retired: composite.retired + (how === 'retired' ? count : 0) }))
  return { ok: true, units: selection.units, parts }
}
