// Exact decimal amounts of CO2e for fractions: text <-> integer parts of FRACTION_PARTS_PER_TONNE (one part is one
// gram). No floating point anywhere: the digits are split and checked as strings, then combined as integers.
//
// parseAmount accepts a non-negative decimal with an optional unit (case-insensitive, spaces allowed before it):
//   "0.25", "0.25t", "0.25 t", "1.000001 tonnes"  tonnes (the default unit), up to 6 decimals
//   "250kg", "1.5 kg"                             kilograms, up to 3 decimals
//   "250000g", "42 parts"                         grams = parts, whole numbers only
// Anything finer than one part, negative, empty, in exponent form or above Number.MAX_SAFE_INTEGER parts is refused
// with an AmountError naming the problem.
import { FRACTION_PARTS_PER_TONNE } from './wire.ts'

export class AmountError extends Error {
  override readonly name = 'AmountError'
}

const UNITS: Record<string, { partsPer: number; decimals: number; name: string }> = {
  '': { partsPer: FRACTION_PARTS_PER_TONNE, decimals: 6, name: 'tonnes' },
  t: { partsPer: FRACTION_PARTS_PER_TONNE, decimals: 6, name: 'tonnes' },
  tonne: { partsPer: FRACTION_PARTS_PER_TONNE, decimals: 6, name: 'tonnes' },
  tonnes: { partsPer: FRACTION_PARTS_PER_TONNE, decimals: 6, name: 'tonnes' },
  kg: { partsPer: 1_000, decimals: 3, name: 'kilograms' },
  g: { partsPer: 1, decimals: 0, name: 'grams' },
  part: { partsPer: 1, decimals: 0, name: 'parts' },
  parts: { partsPer: 1, decimals: 0, name: 'parts' },
}

/** Parts (integer) of an amount such as "0.25", "250kg", "1.000001 t". */
export function parseAmount(text: string): number {
  const match = /^\s*([0-9]+)(?:\.([0-9]+))?\s*([A-Za-z]*)\s*$/.exec(text)
  if (match === null) throw new AmountError(`not an amount: ${JSON.stringify(text.slice(0, 40))} (expected e.g. 0.25, 250kg, 1.000001t)`)
  const [, whole = '', fraction = '', unitText = ''] = match
  const unit = UNITS[unitText.toLowerCase()]
  if (unit === undefined) throw new AmountError(`unknown unit ${JSON.stringify(unitText)} (use t, kg, g or parts)`)
  const significant = fraction.replace(/0+$/, '')
  if (significant.length > unit.decimals) throw new AmountError(`${text.trim()} is finer than one part (a gram): ${unit.name} take at most ${unit.decimals} decimals`)
  const wholeDigits = whole.replace(/^0+(?=.)/, '')
  // partsPer is a power of ten 10^decimals: the parts are the digits of whole and fraction, padded to `decimals`.
  const digits = (wholeDigits + significant.padEnd(unit.decimals, '0')).replace(/^0+(?=.)/, '')
  if (digits.length > 16 || Number(digits) > Number.MAX_SAFE_INTEGER) throw new AmountError(`${text.trim()} is more than ${Number.MAX_SAFE_INTEGER} parts`)
  // At most 16 digits and at most Number.MAX_SAFE_INTEGER: Number() of it is exact.
  return Number(digits)
}

/** Parts as tonnes with up to 6 decimals and no trailing zeros: 250000 -> "0.25", 1000001 -> "1.000001". */
export function formatTonnes(parts: number): string {
  if (!Number.isSafeInteger(parts) || parts < 0) throw new AmountError(`parts must be a non-negative safe integer, got ${String(parts)}`)
  const digits = String(parts).padStart(7, '0')
  const whole = digits.slice(0, -6).replace(/^0+(?=.)/, '')
  const fraction = digits.slice(-6).replace(/0+$/, '')
  return fraction === '' ? whole : `${whole}.${fraction}`
}

/** Parts as kilograms with up to 3 decimals: 250000 -> "250", 1 -> "0.001". */
export function formatKilograms(parts: number): string {
  if (!Number.isSafeInteger(parts) || parts < 0) throw new AmountError(`parts must be a non-negative safe integer, got ${String(parts)}`)
  const digits = String(parts).padStart(4, '0')
  const whole = digits.slice(0, -3).replace(/^0+(?=.)/, '')
  const fraction = digits.slice(-3).replace(/0+$/, '')
  return fraction === '' ? whole : `${whole}.${fraction}`
}

/** "0.25 t (250 kg)": for people. */
export function describeParts(parts: number): string {
  return `${formatTonnes(parts)} t (${formatKilograms(parts)} kg)`
}
