// Rule cash.mint: the bank (role 'bank' in genesis) creates `amount` minor units of `currency` in the account
// `to` (any account, the bank's own included). The currency needs no registration: its first mint creates it.
//
// Rejections, in order of precedence:
//   INVALID_BODY      schema (validate.ts): currency not 3-12 uppercase letters or digits, bad account id, amount
//                     not a positive safe integer
//   WRONG_ROLE        the sender is not a bank account
//   SUPPLY_OVERFLOW   the currency's supply (and so possibly the balance of `to`) would pass
//                     Number.MAX_SAFE_INTEGER minor units
import type { CashMintBody, TxResult } from '../../client/wire.ts'
import { requireBank } from './accounts.ts'
import { credit, mintableOf, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { ok, reject } from './result.ts'

export async function cashMint(context: RuleContext, body: CashMintBody): Promise<TxResult> {
  const { view, sender } = context
  const authorized = await requireBank(view, sender, `mint ${body.currency}`)
  if (!authorized.ok) return authorized.result
  const mintable = await mintableOf(view, body.currency)
  if (body.amount > mintable) return reject('SUPPLY_OVERFLOW', `minting ${body.amount} would take the supply of ${body.currency} above ${Number.MAX_SAFE_INTEGER} minor units; at most ${mintable} more can be minted`)
  await credit(view, body.to, body.currency, body.amount, true)
  return ok(`minted ${money(body.amount, body.currency)} to ${body.to}`)
}
