// Rule composite.redeem: the sender dissolves composite units it holds back into their component fractions: each
// component's parts go from the class's custody to the sender (one 'composite-redeem' event per serial), and the
// units are marked redeemed (their records stay, for the look-through history).
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_COMPOSITE       no class with body.classId
//   FRACTION_LIMIT          more than COMPOSITE_UNITS_PER_TX_MAX units, or their components are more than
//                           COMPOSITE_COMPONENTS_PER_TX_MAX
//   UNKNOWN_COMPOSITE_UNIT  a listed unit was never minted, or was redeemed or retired
//   NOT_UNIT_HOLDER         a listed unit is another account's, or the sender holds fewer units than the quantity
import type { CompositeRedeemBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { endUnits } from './composite-retire.ts'
import { ok } from './result.ts'

export async function compositeRedeem(context: RuleContext, body: CompositeRedeemBody): Promise<TxResult> {
  const ended = await endUnits(context, body, 'redeemed')
  if (!ended.ok) return ended.result
  return ok(`redeemed ${ended.units.length} units of composite ${body.classId} into ${ended.parts.length} serials' fractions`)
}
