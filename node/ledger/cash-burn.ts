// Rule cash.burn: the bank destroys `amount` minor units of `currency` from its own balance. Participants redeem
// cash by transferring it to the bank (cash.transfer), which then burns it.
//
// Rejections, in order of precedence:
//   INVALID_BODY         schema (validate.ts)
//   WRONG_ROLE           the sender is not a bank account
//   INSUFFICIENT_FUNDS   the bank holds less than `amount` of the currency
import type { CashBurnBody, TxResult } from '../../client/wire.ts'
import { requireBank } from './accounts.ts'
import { balanceOf, debit, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { ok, reject } from './result.ts'

export async function cashBurn(context: RuleContext, body: CashBurnBody): Promise<TxResult> {
  const { view, sender } = context
  const authorized = await requireBank(view, sender, `burn ${body.currency}`)
  if (!authorized.ok) return authorized.result
  const balance = await balanceOf(view, sender, body.currency)
  if (balance < body.amount) return reject('INSUFFICIENT_FUNDS', `cannot burn ${money(body.amount, body.currency)}: the bank holds ${balance}`)
  await debit(view, sender, body.currency, body.amount, true)
  return ok(`burned ${money(body.amount, body.currency)}`)
}
