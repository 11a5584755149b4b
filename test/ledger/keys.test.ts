import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { keys, LedgerInvariantError, padInteger, PREFIX, prefixEnd, prefixRange, SERIAL_DIGITS } from '../../node/ledger/index.ts'
import { MemoryState } from '../../node/state/view.ts'

describe('keys', () => {
  it('pads integers so that string order is numeric order, up to 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
        const [left, right] = [padInteger(a), padInteger(b)]
        expect(left).toHaveLength(SERIAL_DIGITS)
        expect(left < right).toBe(a < b)
        expect(Number(left)).toBe(a)
      }),
    )
    expect(padInteger(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991')
  })

  it.each([-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY])('refuses to pad %s (a broken invariant)', (value) => {
    expect(() => padInteger(value)).toThrow(LedgerInvariantError)
  })

  it('has distinct prefixes, none a prefix of another, none colliding with the executor tx/ results', () => {
    const prefixes = [...Object.values(PREFIX), 'tx/']
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(a.startsWith(b)).toBe(false)
  })

  it('prefixRange selects exactly the keys with the prefix', async () => {
    const state = new MemoryState()
    const inside = [keys.holding('VCS:1-9', 1), keys.holding('VCS:1-9', 9)]
    const outside = [keys.holding('VCS:1-90', 1), 'holding/VCS:1-9', 'holding/VCS:1-9' + String.fromCharCode(0x30), keys.owner('a'.repeat(64), 'VCS:1-9', 1)]
    state.apply([...inside, ...outside].map((key) => [key, new Uint8Array([0xc0])]))
    const found = (await state.range(prefixRange(keys.holdingPrefix('VCS:1-9')))).map(([key]) => key)
    expect(found).toEqual(inside)
    expect(prefixEnd('space/')).toBe('space0')
    expect(prefixEnd(keys.spacePrefix('VCS'))).toBe('space/VCS;')
  })

  it('never lets the holdings of one batch fall inside the key range of another', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,8}$/)
    const space = fc.oneof(fc.constant('VCS'), segment.map((value) => `VCS/${value}`))
    const batch = fc.tuple(space, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })).map(([s, start, size]) => `${s}:${start}-${start + size}`)
    fc.assert(
      fc.property(batch, batch, fc.nat({ max: 20_000 }), (a, b, serial) => {
        fc.pre(a !== b)
        const key = keys.holding(b, serial)
        const prefix = keys.holdingPrefix(a)
        expect(key >= prefix && key < prefixEnd(prefix)).toBe(false)
      }),
    )
  })

  it('never lets the ranges of one space fall inside the key range of another', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/)
    const space = fc.oneof(fc.constant('GS'), segment.map((value) => `GS/${value}`))
    fc.assert(
      fc.property(space, space, fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b, serial) => {
        fc.pre(a !== b)
        const key = keys.space(b, serial)
        expect(key >= keys.space(a, 0) && key <= keys.space(a, Number.MAX_SAFE_INTEGER)).toBe(false)
        expect(key >= keys.spacePrefix(a) && key < prefixEnd(keys.spacePrefix(a))).toBe(false)
      }),
    )
  })
})
