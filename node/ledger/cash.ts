// Cash balances: integer minor units of a named currency (12345 of USD is USD 123.45), never floating point.
// State (keys.ts): balance/<accountId>/<currency> -> positive safe integer (deleted when it reaches zero),
// cashsupply/<currency> -> CashSupplyRecord { supply, holders } and cashescrow/<currency> -> the minor units held in
// escrow by open offtake agreements (offtakes.ts; deleted at zero). The rules change them only through credit(),
// debit(), escrowIn() and escrowOut() below, which keep, for every currency:
//   supply = the sum of its balances + its escrow = minted - burned <= Number.MAX_SAFE_INTEGER, and
//   holders = the number of its balance entries, every one of them > 0.
// Escrowed cash stays in the supply (it was minted and is not burned), so that no later mint can leave too little
// room for it to return to a balance.
// Every sum is checked against Number.MAX_SAFE_INTEGER before it is computed, so no arithmetic here is ever
// inexact; a stored value that breaks these shapes is a broken invariant (the node stops), not a result.
import type { StateReader, StateView } from '../state/view.ts'
import { encodeRecord, keys, readRecord, type CashSupplyRecord } from './keys.ts'
import { invariant } from './result.ts'
import { CASH_AMOUNT_MAX } from './validate.ts'

function checkAmount(value: number, what: string): void {
  invariant(Number.isSafeInteger(value) && value > 0 && value <= CASH_AMOUNT_MAX, `${what} is ${String(value)}, not a positive safe integer`)
}

/** The account's balance of `currency` in minor units: 0 when it holds none. */
export async function balanceOf(reader: StateReader, accountId: string, currency: string): Promise<number> {
  const balance = await readRecord<number>(reader, keys.balance(accountId, currency))
  if (balance === undefined) return 0
  checkAmount(balance, `balance of ${accountId} in ${currency}`)
  return balance
}

/** The currency's supply record: supply 0 and no holders for a currency never minted. */
export async function supplyOf(reader: StateReader, currency: string): Promise<CashSupplyRecord> {
  const record = await readRecord<CashSupplyRecord>(reader, keys.cashSupply(currency))
  if (record === undefined) return { currency, supply: 0, holders: 0 }
  invariant(record.currency === currency, `supply record of ${currency} names ${String(record.currency)}`)
  invariant(Number.isSafeInteger(record.supply) && record.supply >= 0, `supply of ${currency} is ${String(record.supply)}`)
  invariant(Number.isSafeInteger(record.holders) && record.holders >= 0, `holders of ${currency} is ${String(record.holders)}`)
  const escrowed = await escrowOf(reader, currency)
  invariant(escrowed <= record.supply, `escrow ${escrowed} of ${currency} exceeds its supply ${record.supply}`)
  invariant((record.supply - escrowed === 0) === (record.holders === 0), `supply of ${currency} is ${record.supply} (${escrowed} in escrow) with ${record.holders} holders`)
  return record
}

/** Minor units of `currency` held in escrow (by open offtake agreements): 0 when none. */
export async function escrowOf(reader: StateReader, currency: string): Promise<number> {
  const escrowed = await readRecord<number>(reader, keys.cashEscrow(currency))
  if (escrowed === undefined) return 0
  checkAmount(escrowed, `escrow of ${currency}`)
  return escrowed
}

function writeEscrow(view: StateView, currency: string, escrowed: number): void {
  if (escrowed === 0) view.del(keys.cashEscrow(currency))
  else {
    checkAmount(escrowed, `new escrow of ${currency}`)
    view.put(keys.cashEscrow(currency), encodeRecord(escrowed))
  }
}

/**
 * Moves `amount` from the account's balance into escrow (the caller has checked it holds that much): the supply is
 * unchanged, the escrow grows. The caller records whose escrow it is (an offtake agreement's `escrowed`).
 */
export async function escrowIn(view: StateView, accountId: string, currency: string, amount: number): Promise<void> {
  checkAmount(amount, 'escrowed amount')
  const supply = await supplyOf(view, currency)
  const escrowed = await escrowOf(view, currency)
  const before = await balanceOf(view, accountId, currency)
  invariant(amount <= before, `escrow of ${amount} ${currency} from ${accountId}, which holds ${before}`)
  const after = before - amount
  writeBalance(view, accountId, currency, after)
  writeEscrow(view, currency, escrowed + amount)
  writeSupply(view, { currency, supply: supply.supply, holders: supply.holders - (after === 0 ? 1 : 0) })
}

/** Pays `amount` out of escrow into the account's balance (the caller has checked its record holds that much). */
export async function escrowOut(view: StateView, accountId: string, currency: string, amount: number): Promise<void> {
  checkAmount(amount, 'amount released from escrow')
  const supply = await supplyOf(view, currency)
  const escrowed = await escrowOf(view, currency)
  invariant(amount <= escrowed, `release of ${amount} ${currency} from an escrow of ${escrowed}`)
  const before = await balanceOf(view, accountId, currency)
  invariant(before + amount <= supply.supply - (escrowed - amount), `releasing ${amount} ${currency} to ${accountId} (balance ${before}) exceeds the supply ${supply.supply}`)
  writeBalance(view, accountId, currency, before + amount)
  writeEscrow(view, currency, escrowed - amount)
  writeSupply(view, { currency, supply: supply.supply, holders: supply.holders + (before === 0 ? 1 : 0) })
}

function writeBalance(view: StateView, accountId: string, currency: string, balance: number): void {
  if (balance === 0) view.del(keys.balance(accountId, currency))
  else {
    checkAmount(balance, `new balance of ${accountId} in ${currency}`)
    view.put(keys.balance(accountId, currency), encodeRecord(balance))
  }
}

function writeSupply(view: StateView, record: CashSupplyRecord): void {
  invariant(Number.isSafeInteger(record.supply) && record.supply >= 0 && record.supply <= CASH_AMOUNT_MAX, `new supply of ${record.currency} is ${String(record.supply)}`)
  invariant(Number.isSafeInteger(record.holders) && record.holders >= 0, `new holders of ${record.currency} is ${String(record.holders)}`)
  view.put(keys.cashSupply(record.currency), encodeRecord({ currency: record.currency, supply: record.supply, holders: record.holders }))
}

/** How many minor units can still be minted in `currency` before its supply passes Number.MAX_SAFE_INTEGER. */
export async function mintableOf(reader: StateReader, currency: string): Promise<number> {
  return CASH_AMOUNT_MAX - (await supplyOf(reader, currency)).supply
}

/**
 * Adds `amount` to the account's balance. With `mint` the supply grows by `amount` (the caller has checked, with
 * mintableOf, that it stays within CASH_AMOUNT_MAX). Without, the units are another account's, debited after this
 * credit in the same transaction (credit first, so that the supply always has a holder while it is non-zero), and
 * the supply is unchanged. A balance is part of its currency's supply, so once the supply is within
 * CASH_AMOUNT_MAX no balance can overflow.
 */
export async function credit(view: StateView, accountId: string, currency: string, amount: number, mint: boolean): Promise<void> {
  checkAmount(amount, 'credited amount')
  const supply = await supplyOf(view, currency)
  const before = await balanceOf(view, accountId, currency)
  invariant(before <= supply.supply, `balance ${before} of ${accountId} in ${currency} exceeds the supply ${supply.supply}`)
  if (mint) invariant(amount <= CASH_AMOUNT_MAX - supply.supply, `minting ${amount} ${currency} overflows the supply ${supply.supply}`)
  const supplyAfter = mint ? supply.supply + amount : supply.supply
  invariant(amount <= supplyAfter - before, `crediting ${amount} ${currency} to ${accountId} (balance ${before}) exceeds the supply ${supplyAfter}`)
  writeBalance(view, accountId, currency, before + amount)
  writeSupply(view, { currency, supply: supplyAfter, holders: supply.holders + (before === 0 ? 1 : 0) })
}

/**
 * Takes `amount` from the account's balance (the caller has checked it holds that much). With `burn` the supply
 * shrinks by `amount`; without, the caller credits the units to another account in the same transaction.
 */
export async function debit(view: StateView, accountId: string, currency: string, amount: number, burn: boolean): Promise<void> {
  checkAmount(amount, 'debited amount')
  const supply = await supplyOf(view, currency)
  const before = await balanceOf(view, accountId, currency)
  invariant(amount <= before, `debit of ${amount} ${currency} from ${accountId}, which holds ${before}`)
  const after = before - amount
  writeBalance(view, accountId, currency, after)
  writeSupply(view, { currency, supply: burn ? supply.supply - amount : supply.supply, holders: supply.holders - (after === 0 ? 1 : 0) })
}

/** An amount for a result message: integer minor units, said so (USD 12.50 is "1250 minor units of USD"). */
export function money(amount: number, currency: string): string {
  return `${amount} minor units of ${currency}`
}
