// Rule composite.transfer: the sender moves composite units it holds (a quantity, its lowest-numbered first, or
// listed unit numbers) to another account. Their components stay in the class's custody.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts): exactly one of quantity and units; distinct unit numbers
//   SELF_TRANSFER           body.to is the sender
//   WRONG_ROLE              body.to is a composite class's custody account
//   UNKNOWN_COMPOSITE       no class with body.classId
//   FRACTION_LIMIT          more than COMPOSITE_UNITS_PER_TX_MAX units
//   UNKNOWN_COMPOSITE_UNIT  a listed unit was never minted, or was redeemed or retired
//   NOT_UNIT_HOLDER         a listed unit is another account's, or the sender holds fewer units than the quantity
import type { CompositeTransferBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { COMPOSITE_UNITS_PER_TX_MAX, custodyRejection, readClass, selectCompositeUnits } from './composites.ts'
import { encodeRecord, keys } from './keys.ts'
import { ok, reject } from './result.ts'

export async function compositeTransfer(context: RuleContext, body: CompositeTransferBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.to === sender) return reject('SELF_TRANSFER', 'the recipient is the sender')
  const custody = await custodyRejection(view, body.to, 'composite units')
  if (custody !== null) return custody
  const composite = await readClass(view, body.classId)
  if (composite === undefined) return reject('UNKNOWN_COMPOSITE', `no composite class ${body.classId}`)
  if (body.quantity > COMPOSITE_UNITS_PER_TX_MAX) return reject('FRACTION_LIMIT', `${body.quantity} units, more than COMPOSITE_UNITS_PER_TX_MAX (${COMPOSITE_UNITS_PER_TX_MAX})`)
  const selection = await selectCompositeUnits(view, composite, body, sender)
  if (!selection.ok) return selection.result
  for (const unit of selection.units) {
    view.del(keys.compositeOwner(sender, composite.classId, unit.n))
    view.put(keys.compositeOwner(body.to, composite.classId, unit.n), encodeRecord(null))
    view.put(keys.compositeUnit(composite.classId, unit.n), encodeRecord({ ...unit, owner: body.to }))
  }
  return ok(`transferred ${selection.units.length} units of composite ${composite.classId} to ${body.to}`)
}
