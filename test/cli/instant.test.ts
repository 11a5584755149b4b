// `tonne tx lock --until`: the CLI's reading of a point in time, with no local time zone guessed.
import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import { instant } from '../../cli/main.ts'

describe('instant (--until)', () => {
  it('reads milliseconds, a date (midnight UTC) and a date-time with Z or an offset', () => {
    expect(instant('1803772800000')).toBe(1_803_772_800_000)
    expect(instant('2027-02-28')).toBe(Date.UTC(2027, 1, 28))
    expect(instant('2027-06-30T12:00:00Z')).toBe(Date.UTC(2027, 5, 30, 12))
    expect(instant('2027-06-30T12:00:00+02:00')).toBe(Date.UTC(2027, 5, 30, 10))
  })

  it('refuses dates that do not exist, local times without a zone, and other text', () => {
    for (const text of ['2027-02-30', '2027-13-01', '2027-06-30T12:00:00', '30/06/2027', 'tomorrow', '0', '-5', '1e12', '']) {
      expect(() => instant(text), text).toThrow(InvalidArgumentError)
    }
  })
})
