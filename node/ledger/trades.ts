// Delivery versus payment. An offer (trade-offer.ts) reserves the seller's credits in a lock of kind 'offer'; its
// acceptance (trade-accept.ts) pays the seller and delivers the credits to the buyer in the same transaction; a swap
// (trade-swap.ts) does both sides in one transaction signed by both. Either everything moves or nothing does: a
// rule returns its rejection before its first write, and applyTx rolls back a rejected transaction's layer anyway.
// Every settlement writes a TradeRecord (keys.ts) under trade/<height>/<txIndex> with the credits' attributes, for
// the price statistics of priceStatistics below.
import type { StateReader } from '../state/view.ts'
import { balanceOf, credit, debit, money } from './cash.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, PREFIX, prefixRange, readRange, readRecord, type BatchRecord, type OfferRecord, type ProjectRecord, type TradeRecord } from './keys.ts'
import { invariant, reject } from './result.ts'
import type { TxResult } from '../../client/wire.ts'

/** A live offer, or undefined once accepted, cancelled or expired. */
export async function readOffer(reader: StateReader, offerId: string): Promise<OfferRecord | undefined> {
  return readRecord<OfferRecord>(reader, keys.offer(offerId))
}

/** quantity x pricePerTonne in minor units, or a NOTIONAL_OVERFLOW rejection when it is not a safe integer. */
export function notionalOf(quantity: number, pricePerTonne: number): { ok: true; notional: number } | { ok: false; result: TxResult } {
  const notional = quantity * pricePerTonne
  if (!Number.isSafeInteger(notional)) return { ok: false, result: reject('NOTIONAL_OVERFLOW', `${quantity} tonnes at ${pricePerTonne} per tonne is above ${Number.MAX_SAFE_INTEGER} minor units`) }
  return { ok: true, notional }
}

/** INSUFFICIENT_FUNDS unless `buyer` holds `notional` of `currency`. */
export async function checkFunds(reader: StateReader, buyer: string, currency: string, notional: number): Promise<TxResult | null> {
  const balance = await balanceOf(reader, buyer, currency)
  if (balance < notional) return reject('INSUFFICIENT_FUNDS', `the buyer holds ${money(balance, currency)}, the payment is ${notional}`)
  return null
}

/** The payment: buyer to seller (credited first, so that the currency's supply always has a holder). */
export async function pay(context: RuleContext, buyer: string, seller: string, currency: string, notional: number): Promise<void> {
  await credit(context.view, seller, currency, notional, false)
  await debit(context.view, buyer, currency, notional, false)
}

/** Writes the settlement record of this transaction, with the attributes of the batch and its project. */
export async function recordTrade(context: RuleContext, batch: BatchRecord, trade: Pick<TradeRecord, 'offerId' | 'quantity' | 'pricePerTonne' | 'currency' | 'notional' | 'seller' | 'buyer' | 'disclosed'>): Promise<void> {
  const project = await readRecord<ProjectRecord>(context.view, keys.project(batch.registry, batch.projectId))
  invariant(project !== undefined, `batch ${batch.batchId} has no project ${batch.registry}/${batch.projectId}`)
  const record: TradeRecord = {
    height: context.height,
    timeMs: context.timeMs,
    txIndex: context.txIndex,
    txId: context.txId,
    offerId: trade.offerId,
    batchId: batch.batchId,
    registry: batch.registry,
    projectId: batch.projectId,
    sector: project.sector,
    methodology: project.methodology,
    country: project.country,
    vintage: batch.vintageStart.slice(0, 4),
    quantity: trade.quantity,
    pricePerTonne: trade.pricePerTonne,
    currency: trade.currency,
    notional: trade.notional,
    seller: trade.seller,
    buyer: trade.buyer,
    disclosed: trade.disclosed,
  }
  context.view.put(keys.trade(context.height, context.txIndex), encodeRecord(record))
}

// ---------------------------------------------------------------------------------------------------------
// Price statistics (read only, for the API).

/** Trades one price query reads at most, newest first; the answer says when it stopped there. */
export const PRICE_QUERY_TRADES_MAX = 100_000
/** Disclosed trades listed in one answer at most (newest first). */
export const PRICE_QUERY_DISCLOSED_MAX = 100

export interface PriceFilter {
  currency: string
  registry?: string
  methodology?: string
  sector?: string
  country?: string
  vintage?: string
  fromMs?: number
  toMs?: number
}

export interface PriceStatistics {
  filter: PriceFilter
  count: number
  /** Tonnes traded. */
  volume: number
  /** Sum of payments, minor units, as an exact decimal string (many trades can sum past 2^53). */
  notional: string
  /** Volume-weighted average price per tonne: notional / volume, rounded down to a minor unit (null with no trade). */
  vwapPerTonne: number | null
  minPerTonne: number | null
  maxPerTonne: number | null
  /** The trades whose parties both chose to disclose the price, newest first (at most PRICE_QUERY_DISCLOSED_MAX). */
  disclosed: Pick<TradeRecord, 'height' | 'timeMs' | 'batchId' | 'quantity' | 'pricePerTonne' | 'currency' | 'vintage'>[]
  /** True when more than PRICE_QUERY_TRADES_MAX trades exist: the figures cover the newest ones only. */
  truncated: boolean
}

export async function priceStatistics(reader: StateReader, filter: PriceFilter): Promise<PriceStatistics> {
  const trades = await readRange<TradeRecord>(reader, prefixRange(PREFIX.trade, { reverse: true, limit: PRICE_QUERY_TRADES_MAX + 1 }))
  const truncated = trades.length > PRICE_QUERY_TRADES_MAX
  let notional = 0n
  const out: PriceStatistics = { filter, count: 0, volume: 0, notional: '0', vwapPerTonne: null, minPerTonne: null, maxPerTonne: null, disclosed: [], truncated }
  for (const [, trade] of trades.slice(0, PRICE_QUERY_TRADES_MAX)) {
    if (trade.currency !== filter.currency) continue
    if (filter.registry !== undefined && trade.registry !== filter.registry) continue
    if (filter.methodology !== undefined && trade.methodology !== filter.methodology) continue
    if (filter.sector !== undefined && trade.sector !== filter.sector) continue
    if (filter.country !== undefined && trade.country !== filter.country) continue
    if (filter.vintage !== undefined && trade.vintage !== filter.vintage) continue
    if (filter.fromMs !== undefined && trade.timeMs < filter.fromMs) continue
    if (filter.toMs !== undefined && trade.timeMs > filter.toMs) continue
    out.count += 1
    out.volume += trade.quantity
    notional += BigInt(trade.notional)
    out.minPerTonne = out.minPerTonne === null ? trade.pricePerTonne : Math.min(out.minPerTonne, trade.pricePerTonne)
    out.maxPerTonne = out.maxPerTonne === null ? trade.pricePerTonne : Math.max(out.maxPerTonne, trade.pricePerTonne)
    if (trade.disclosed && out.disclosed.length < PRICE_QUERY_DISCLOSED_MAX) {
      out.disclosed.push({ height: trade.height, timeMs: trade.timeMs, batchId: trade.batchId, quantity: trade.quantity, pricePerTonne: trade.pricePerTonne, currency: trade.currency, vintage: trade.vintage })
    }
  }
  out.notional = notional.toString()
  // Exact: the notional sum is a BigInt; the volume is a count of tonnes, each a serial, so a safe integer.
  if (out.volume > 0) out.vwapPerTonne = Number(notional / BigInt(out.volume))
  return out
}
