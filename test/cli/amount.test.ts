// `tonne tx fraction-transfer|fraction-retire --amount`: exact decimal amounts to integer parts.
import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import { amount, buildProgram } from '../../cli/main.ts'

describe('amount (--amount)', () => {
  it('reads tonnes, kilograms and parts exactly', () => {
    expect(amount('0.25')).toBe(250_000)
    expect(amount('250kg')).toBe(250_000)
    expect(amount('1.000001')).toBe(1_000_001)
    expect(amount('3 parts')).toBe(3)
  })

  it('refuses zero, finer than a gram, negative and malformed amounts', () => {
    for (const text of ['0', '0kg', '1.0000001', '-1', 'a lot', '1e6', '']) expect(() => amount(text), text).toThrow(InvalidArgumentError)
  })

  it('the fraction and composite commands exist', () => {
    const tx = buildProgram().commands.find((command) => command.name() === 'tx')
    const names = tx?.commands.map((command) => command.name()) ?? []
    for (const name of ['fractionalise', 'fraction-transfer', 'fraction-retire', 'recombine', 'composite-define', 'composite-mint', 'composite-transfer', 'composite-redeem', 'composite-retire']) expect(names).toContain(name)
  })
})

describe('tonne query: fraction and composite queries exist', () => {
  it('lists them', () => {
    const query = buildProgram().commands.find((command) => command.name() === 'query')
    const names = query?.commands.map((command) => command.name()) ?? []
    for (const name of ['fractions', 'batch-fractions', 'serial-fractions', 'fraction-retirement', 'composite', 'composite-unit', 'composite-units', 'composites']) expect(names).toContain(name)
  })
})
