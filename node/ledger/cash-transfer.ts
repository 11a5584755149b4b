// Rule cash.transfer: any account moves `amount` minor units of `currency` it holds to another account. The
// supply does not change.
//
// Rejections, in order of precedence:
//   INVALID_BODY         schema (validate.ts)
//   SELF_TRANSFER        body.to is the sender
//   INSUFFICIENT_FUNDS   the sender holds less than `amount` of the currency (or none of it, or the currency was
//                        never minted)
import type { CashTransferBody, TxResult } from '../../client/wire.ts'
import { balanceOf, credit, debit, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { ok, reject } from './result.ts'

export async function cashTransfer(context: RuleContext, body: CashTransferBody): Promise<TxResult> {
  const { view, sender } = context
  if (body.to === sender) return reject('SELF_TRANSFER', 'the recipient is the sender')
  const balance = await balanceOf(view, sender, body.currency)
  if (balance < body.amount) return reject('INSUFFICIENT_FUNDS', `cannot transfer ${money(body.amount, body.currency)}: the sender holds ${balance}`)
  // Credit before debit: the supply always has a holder while it is non-zero (see cash.ts).
  await credit(view, body.to, body.currency, body.amount, false)
  await debit(view, sender, body.currency, body.amount, false)
  return ok(`transferred ${money(body.amount, body.currency)} to ${body.to}`)
}
