// Exact decimal amounts (client/amounts.ts): tonnes, kilograms and grams to integer parts and back, no floats.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { AmountError, describeParts, formatKilograms, formatTonnes, parseAmount } from '../../client/amounts.ts'

describe('parseAmount', () => {
  it('reads tonnes, kilograms, grams and parts exactly', () => {
    expect(parseAmount('0.25')).toBe(250_000)
    expect(parseAmount('0.25 t')).toBe(250_000)
    expect(parseAmount('250kg')).toBe(250_000)
    expect(parseAmount('250 KG')).toBe(250_000)
    expect(parseAmount('1.000001')).toBe(1_000_001)
    expect(parseAmount('1.5kg')).toBe(1_500)
    expect(parseAmount('0.001kg')).toBe(1)
    expect(parseAmount('42 parts')).toBe(42)
    expect(parseAmount('7g')).toBe(7)
    expect(parseAmount('3')).toBe(3_000_000)
    expect(parseAmount('0.100000')).toBe(100_000)
    expect(parseAmount('007.5')).toBe(7_500_000)
    // 0.1 + 0.2 in floating point is not 0.3; here it is exact.
    expect(parseAmount('0.1') + parseAmount('0.2')).toBe(parseAmount('0.3'))
  })

  it('refuses what is finer than a gram, negative, malformed, unknown units or too large', () => {
    for (const bad of ['1.0000001', '0.0001kg', '1.5g', '-1', '', '.5', '1e3', '1,5', '5 lbs', '1..2', '9007199254740.992', '99999999999999999 g']) {
      expect(() => parseAmount(bad), bad).toThrow(AmountError)
    }
    expect(parseAmount('9007199254.740991')).toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('formatting', () => {
  it('formats parts as tonnes and kilograms without trailing zeros', () => {
    expect(formatTonnes(250_000)).toBe('0.25')
    expect(formatTonnes(1_000_001)).toBe('1.000001')
    expect(formatTonnes(3_000_000)).toBe('3')
    expect(formatTonnes(0)).toBe('0')
    expect(formatKilograms(250_000)).toBe('250')
    expect(formatKilograms(1)).toBe('0.001')
    expect(describeParts(250_000)).toBe('0.25 t (250 kg)')
    expect(() => formatTonnes(-1)).toThrow(AmountError)
    expect(() => formatTonnes(0.5)).toThrow(AmountError)
  })

  it('round-trips every safe number of parts', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (parts) => {
        expect(parseAmount(formatTonnes(parts))).toBe(parts)
        expect(parseAmount(`${formatKilograms(parts)}kg`)).toBe(parts)
        expect(parseAmount(`${parts}g`)).toBe(parts)
      }),
    )
  })
})
