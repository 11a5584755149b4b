// Fractions of whole-tonne serial units (credit.fractionalise, fraction.transfer, fraction.retire, credit.recombine).
//
// Model. A fractionalised serial keeps its holding (holdings.ts), with status 'fractionalised' and the account that
// fractionalised it as owner: no whole-unit rule can select it (FRACTIONALISED_UNIT), so the serial, its batch and
// every attribute stay exactly as issued. The serial is divided into FRACTION_PARTS_PER_TONNE parts (one part = one
// gram of CO2e, so a kilogram is exactly 1_000 parts), held as integer balances per account:
//   fraction/<batchId>/<padded serial>/<account>        -> parts   (who holds parts of serial s)
//   fractionowner/<account>/<batchId>/<padded serial>   -> parts   (what an account holds, in serial order)
//   fractionserial/<batchId>/<padded serial>            -> FractionSerialRecord (who fractionalised it, parts retired)
// Conservation, per fractionalised serial: the parts held (composite custodies included: a class's custody is an
// account, compositeCustodyOf) + retiredParts = FRACTION_PARTS_PER_TONNE, always. Per batch, issued units = active +
// retired + cancelled + locked + fractionalised units. A serial whose parts are all retired stays 'fractionalised'
// (with retiredParts = FRACTION_PARTS_PER_TONNE): its retirement is recorded part by part, by whoever retired them.
//
// Every transaction's work is bounded: FRACTIONALISE_UNITS_PER_TX_MAX units fractionalised or recombined,
// FRACTION_SERIALS_PER_TX_MAX serials whose parts it moves or retires, FRACTION_SCAN_SERIALS_MAX entries read to
// find fully held serials (recombine by quantity).
import { FRACTION_PARTS_PER_TONNE, hashHex, type TxResult } from '../../client/wire.ts'
import type { StateReader, StateView } from '../state/view.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { encodeRecord, keys, prefixEnd, readRange, readRecord, type FractionPart, type FractionSerialRecord } from './keys.ts'
import { invariant, reject } from './result.ts'

/** Units one credit.fractionalise or credit.recombine turns into parts or back. */
export const FRACTIONALISE_UNITS_PER_TX_MAX = 100
/** Serials whose parts one fraction.transfer, fraction.retire or composite.mint moves (each is a few writes). */
export const FRACTION_SERIALS_PER_TX_MAX = 100
/** Fraction entries a credit.recombine by quantity reads at most to find serials the sender holds in full. */
export const FRACTION_SCAN_SERIALS_MAX = 1_000

const textEncoder = new TextEncoder()

/**
 * The account that holds the components of a composite class: sha256 of a domain tag and the class id, as 64 hex.
 * Nobody has its private key, so only the composite rules move its parts.
 */
export function compositeCustodyOf(classId: string): string {
  return hashHex(textEncoder.encode(`tonne/composite-custody/v1/${classId}`))
}

export async function partsOf(reader: StateReader, batchId: string, serial: number, account: string): Promise<number> {
  const parts = (await readRecord<number>(reader, keys.fraction(batchId, serial, account))) ?? 0
  invariant(Number.isSafeInteger(parts) && parts >= 0 && parts <= FRACTION_PARTS_PER_TONNE, `parts of ${batchId} #${serial} held by ${account} are ${String(parts)}`)
  return parts
}

/** Adds `delta` (may be negative) to an account's parts of a serial; both indexes, deleted at zero. */
export async function addParts(view: StateView, batchId: string, serial: number, account: string, delta: number): Promise<void> {
  const next = (await partsOf(view, batchId, serial, account)) + delta
  invariant(Number.isSafeInteger(next) && next >= 0 && next <= FRACTION_PARTS_PER_TONNE, `parts of ${batchId} #${serial} held by ${account} would be ${next}`)
  if (next === 0) {
    view.del(keys.fraction(batchId, serial, account))
    view.del(keys.fractionOwner(account, batchId, serial))
    return
  }
  view.put(keys.fraction(batchId, serial, account), encodeRecord(next))
  view.put(keys.fractionOwner(account, batchId, serial), encodeRecord(next))
}

export async function readFractionSerial(reader: StateReader, batchId: string, serial: number): Promise<FractionSerialRecord | undefined> {
  return readRecord<FractionSerialRecord>(reader, keys.fractionSerial(batchId, serial))
}

export type PartsSelection = { ok: true; picks: FractionPart[] } | { ok: false; result: TxResult }

/**
 * `parts` of `account`'s fractions of one batch, its lowest serials first from `fromSerial` on (0: from its lowest),
 * touching at most `serialsMax` serials: INSUFFICIENT_FRACTIONS if it holds fewer parts there, FRACTION_LIMIT if
 * they are spread over more serials than that.
 */
export async function selectParts(reader: StateReader, account: string, batchId: string, parts: number, fromSerial: number, serialsMax = FRACTION_SERIALS_PER_TX_MAX): Promise<PartsSelection> {
  invariant(Number.isSafeInteger(parts) && parts > 0, `parts ${parts}`)
  const prefix = keys.fractionOwnerBatchPrefix(account, batchId)
  const entries = await readRange<number>(reader, { gte: fromSerial > 0 ? keys.fractionOwner(account, batchId, fromSerial) : prefix, lt: prefixEnd(prefix), limit: serialsMax + 1 })
  const picks: FractionPart[] = []
  let remaining = parts
  for (const [key, held] of entries.slice(0, serialsMax)) {
    const take = Math.min(held, remaining)
    picks.push({ batchId, serial: Number(key.slice(prefix.length)), parts: take })
    remaining -= take
    if (remaining === 0) return { ok: true, picks }
  }
  const from = fromSerial > 0 ? ` from serial ${fromSerial} on` : ''
  if (entries.length > serialsMax) return { ok: false, result: reject('FRACTION_LIMIT', `${parts} parts of batch ${batchId}${from} are spread over more than ${serialsMax} serials (FRACTION_SERIALS_PER_TX_MAX): move them in several transactions`) }
  return { ok: false, result: reject('INSUFFICIENT_FRACTIONS', `${account} holds ${parts - remaining} parts of batch ${batchId}${from}, ${parts} requested`) }
}

/** Moves picked parts from one account to another, with one event per serial. */
export async function moveParts(context: RuleContext, picks: FractionPart[], from: string, to: string, type: 'fraction-transfer' | 'composite-deposit' | 'composite-redeem', details: Record<string, string>): Promise<void> {
  for (const pick of picks) {
    await addParts(context.view, pick.batchId, pick.serial, from, -pick.parts)
    await addParts(context.view, pick.batchId, pick.serial, to, pick.parts)
    await appendEvent(context, pick.batchId, { type, range: { start: pick.serial, end: pick.serial }, from, to, details: { parts: String(pick.parts), ...details } })
  }
}

/** Retires picked parts held by `from`: the serials' retiredParts grow, one 'fraction-retire' event per serial. */
export async function retireParts(context: RuleContext, picks: FractionPart[], from: string, details: Record<string, string>): Promise<void> {
  for (const pick of picks) {
    const serial = await readFractionSerial(context.view, pick.batchId, pick.serial)
    invariant(serial !== undefined, `parts of ${pick.batchId} #${pick.serial} are held but the serial is not fractionalised`)
    await addParts(context.view, pick.batchId, pick.serial, from, -pick.parts)
    const retiredParts = serial.retiredParts + pick.parts
    invariant(retiredParts <= FRACTION_PARTS_PER_TONNE, `${retiredParts} parts of ${pick.batchId} #${pick.serial} retired`)
    context.view.put(keys.fractionSerial(pick.batchId, pick.serial), encodeRecord({ ...serial, retiredParts }))
    await appendEvent(context, pick.batchId, { type: 'fraction-retire', range: { start: pick.serial, end: pick.serial }, from, to: null, details: { parts: String(pick.parts), ...details } })
  }
}

/** Merges parts of the same (batch, serial), keeping the first occurrence's position. */
export function mergeParts(parts: FractionPart[]): FractionPart[] {
  const out: FractionPart[] = []
  const index = new Map<string, FractionPart>()
  for (const part of parts) {
    const key = `${part.batchId}#${part.serial}`
    const seen = index.get(key)
    if (seen !== undefined) seen.parts += part.parts
    else {
      const copy = { batchId: part.batchId, serial: part.serial, parts: part.parts }
      index.set(key, copy)
      out.push(copy)
    }
  }
  return out
}
