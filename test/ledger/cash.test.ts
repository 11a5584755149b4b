// The cash rules (cash.mint, cash.burn, cash.transfer): exact balances and supply after each accepted transaction,
// every rejection code with nothing but the nonce changed, the order in which codes take precedence, and the
// guards against corrupt (non-integer) state.
import { describe, expect, it } from 'vitest'
import { encode, type CashBurnBody, type CashMintBody, type CashTransferBody } from '../../client/wire.ts'
import * as build from '../../client/builders.ts'
import { balancesOf, cashSupply, keys, LedgerInvariantError } from '../../node/ledger/index.ts'
import { BANK, GENESIS, MARKET, OUTSIDER, TestLedger, VERRA, testAccount } from './helpers.ts'

const MAX = Number.MAX_SAFE_INTEGER
/** A second bank in genesis, to show that a bank burns only its own balance. */
const BANK_2 = testAccount('bank-2', 0x08)

function mint(to: { id: string }, amount: number, currency = 'USD'): CashMintBody {
  return { currency, to: to.id, amount }
}
function burn(amount: number, currency = 'USD'): CashBurnBody {
  return { currency, amount }
}
function pay(to: { id: string }, amount: number, currency = 'USD'): CashTransferBody {
  return { currency, to: to.id, amount }
}

async function balances(ledger: TestLedger, account: { id: string }): Promise<Record<string, number>> {
  const page = await balancesOf(ledger.state, account.id)
  expect(page.next).toBeNull()
  return Object.fromEntries(page.balances.map((entry) => [entry.currency, entry.amount]))
}

describe('cash.mint', () => {
  it('creates minor units in the recipient account and grows the supply, with exactly these writes', async () => {
    const ledger = new TestLedger()
    const { writes } = await ledger.ok(BANK, 'cash.mint', mint(MARKET, 25_000_000))
    expect(writes).toEqual(
      [
        [keys.balance(MARKET.id, 'USD'), encode(25_000_000)],
        [keys.cashSupply('USD'), encode({ currency: 'USD', supply: 25_000_000, holders: 1 })],
        [keys.nonce(BANK.id), encode(1)],
      ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    )
    expect(await balances(ledger, MARKET)).toEqual({ USD: 25_000_000 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 25_000_000, holders: 1 })
  })

  it('adds to an existing balance, counts each holder once, and keeps currencies apart', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 23))
    await ledger.ok(BANK, 'cash.mint', mint(BANK, 7))
    await ledger.ok(BANK, 'cash.mint', mint(OUTSIDER, 1))
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 5_000, 'EUR'))
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 1, 'USDC'))
    expect(await balances(ledger, MARKET)).toEqual({ EUR: 5_000, USD: 123, USDC: 1 })
    expect(await balances(ledger, BANK)).toEqual({ USD: 7 })
    expect(await balances(ledger, OUTSIDER)).toEqual({ USD: 1 })
    expect(await balances(ledger, VERRA)).toEqual({})
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 131, holders: 3 })
    expect(await cashSupply(ledger.state, 'EUR')).toEqual({ currency: 'EUR', supply: 5_000, holders: 1 })
    // Balances of an account come in currency code order.
    expect((await balancesOf(ledger.state, MARKET.id)).balances.map((entry) => entry.currency)).toEqual(['EUR', 'USD', 'USDC'])
  })

  it.each([
    ['the marketplace', MARKET],
    ['a registry', VERRA],
    ['an account outside genesis', OUTSIDER],
  ])('rejects a mint by %s (WRONG_ROLE)', async (_, sender) => {
    const ledger = new TestLedger()
    const result = await ledger.rejected(sender, 'cash.mint', mint(sender, 100), 'WRONG_ROLE')
    expect(result.message).toContain('only a bank account may mint USD')
    expect(await cashSupply(ledger.state, 'USD')).toBeUndefined()
  })

  it('mints up to Number.MAX_SAFE_INTEGER minor units of a currency and not one more (SUPPLY_OVERFLOW)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, MAX - 10))
    const over = await ledger.rejected(BANK, 'cash.mint', mint(OUTSIDER, 11), 'SUPPLY_OVERFLOW')
    expect(over.message).toContain('at most 10 more')
    await ledger.rejected(BANK, 'cash.mint', mint(MARKET, MAX), 'SUPPLY_OVERFLOW')
    await ledger.ok(BANK, 'cash.mint', mint(OUTSIDER, 10))
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: MAX, holders: 2 })
    await ledger.rejected(BANK, 'cash.mint', mint(OUTSIDER, 1), 'SUPPLY_OVERFLOW')
    // Another currency has its own supply; burning makes room again.
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, MAX, 'EUR'))
    await ledger.ok(MARKET, 'cash.transfer', pay(BANK, 5))
    await ledger.ok(BANK, 'cash.burn', burn(5))
    await ledger.ok(BANK, 'cash.mint', mint(OUTSIDER, 5))
    expect(await balances(ledger, OUTSIDER)).toEqual({ USD: 15 })
    expect(await balances(ledger, MARKET)).toEqual({ EUR: MAX, USD: MAX - 15 })
  })

  it('checks the role before the supply (WRONG_ROLE, not SUPPLY_OVERFLOW)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, MAX))
    await ledger.rejected(MARKET, 'cash.mint', mint(MARKET, 1), 'WRONG_ROLE')
  })

  it.each([
    ['a lowercase currency', { currency: 'usd', to: MARKET.id, amount: 1 }, 'body.currency must be a currency code'],
    ['a 2-character currency', { currency: 'US', to: MARKET.id, amount: 1 }, 'body.currency must be a currency code'],
    ['a 13-character currency', { currency: 'ABCDEFGHIJKLM', to: MARKET.id, amount: 1 }, 'body.currency must be a currency code'],
    ['a currency with a separator', { currency: 'US/D', to: MARKET.id, amount: 1 }, 'body.currency must be a currency code'],
    ['a bad recipient', { currency: 'USD', to: 'bank', amount: 1 }, 'body.to must be an account id'],
    ['a zero amount', { currency: 'USD', to: MARKET.id, amount: 0 }, 'body.amount must be positive, got 0'],
    ['a negative amount', { currency: 'USD', to: MARKET.id, amount: -5 }, 'body.amount must be positive, got -5'],
    ['a fractional amount', { currency: 'USD', to: MARKET.id, amount: 12.5 }, 'body.amount must be an integer, got 12.5'],
    ['an amount above 2^53 - 1', { currency: 'USD', to: MARKET.id, amount: 2 ** 53 }, 'body.amount'],
    ['an infinite amount', { currency: 'USD', to: MARKET.id, amount: Number.POSITIVE_INFINITY }, 'body.amount'],
    ['an amount as a string', { currency: 'USD', to: MARKET.id, amount: '100' }, 'body.amount must be a number'],
    ['a missing amount', { currency: 'USD', to: MARKET.id }, 'body.amount must be a number, got nothing'],
    ['an unknown field', { currency: 'USD', to: MARKET.id, amount: 1, memo: 'x' }, 'body has unknown field "memo"'],
  ])('rejects %s (INVALID_BODY)', async (_, body, message) => {
    const ledger = new TestLedger()
    const result = await ledger.rejected(BANK, 'cash.mint', body as unknown as CashMintBody, 'INVALID_BODY')
    expect(result.message).toContain(message)
  })
})

describe('cash.burn', () => {
  it("destroys units from the bank's own balance, shrinking the supply; a balance burned to zero is deleted", async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(BANK, 1_000))
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 500))
    await ledger.ok(BANK, 'cash.burn', burn(400))
    expect(await balances(ledger, BANK)).toEqual({ USD: 600 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 1_100, holders: 2 })
    await ledger.ok(BANK, 'cash.burn', burn(600))
    expect(await ledger.state.get(keys.balance(BANK.id, 'USD'))).toBeUndefined()
    expect(await balances(ledger, BANK)).toEqual({})
    expect(await balances(ledger, MARKET)).toEqual({ USD: 500 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 500, holders: 1 })
  })

  it('redeems: a holder pays the bank, the bank burns it; the supply record stays at zero', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 250))
    await ledger.ok(MARKET, 'cash.transfer', pay(BANK, 250))
    await ledger.ok(BANK, 'cash.burn', burn(250))
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 0, holders: 0 })
    expect([...ledger.state.entries.keys()].filter((key) => key.startsWith('balance/'))).toEqual([])
  })

  it('rejects burning more than the bank holds, even when others hold enough (INSUFFICIENT_FUNDS)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 1_000))
    await ledger.ok(BANK, 'cash.mint', mint(BANK, 99))
    const result = await ledger.rejected(BANK, 'cash.burn', burn(100), 'INSUFFICIENT_FUNDS')
    expect(result.message).toContain('the bank holds 99')
    await ledger.rejected(BANK, 'cash.burn', burn(1, 'EUR'), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(BANK, 'cash.burn', burn(1, 'GBP'), 'INSUFFICIENT_FUNDS')
  })

  it("a bank burns only its own balance, not another bank's", async () => {
    const ledger = new TestLedger({ ...GENESIS, accounts: [...GENESIS.accounts, { name: BANK_2.name, publicKey: BANK_2.id, role: 'bank' }] })
    await ledger.ok(BANK, 'cash.mint', mint(BANK, 10))
    await ledger.rejected(BANK_2, 'cash.burn', burn(1), 'INSUFFICIENT_FUNDS')
    await ledger.ok(BANK_2, 'cash.mint', mint(BANK_2, 3))
    await ledger.ok(BANK_2, 'cash.burn', burn(3))
    expect(await balances(ledger, BANK)).toEqual({ USD: 10 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 10, holders: 1 })
  })

  it('rejects a burn by a non-bank account, before looking at its funds (WRONG_ROLE)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 1_000))
    await ledger.rejected(MARKET, 'cash.burn', burn(1), 'WRONG_ROLE')
    await ledger.rejected(OUTSIDER, 'cash.burn', burn(1_000_000), 'WRONG_ROLE')
  })

  it.each([
    ['a zero amount', { currency: 'USD', amount: 0 }],
    ['a fractional amount', { currency: 'USD', amount: 0.5 }],
    ['a recipient (burn has none)', { currency: 'USD', amount: 1, to: BANK.id }],
    ['a bad currency', { currency: 'Usd', amount: 1 }],
  ])('rejects %s (INVALID_BODY)', async (_, body) => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(BANK, 10))
    await ledger.rejected(BANK, 'cash.burn', body as unknown as CashBurnBody, 'INVALID_BODY')
  })
})

describe('cash.transfer', () => {
  it('moves minor units between accounts; the supply and holder count follow', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 10_000))
    // To a new holder: holders 1 -> 2.
    await ledger.ok(MARKET, 'cash.transfer', pay(OUTSIDER, 1_234))
    expect(await balances(ledger, MARKET)).toEqual({ USD: 8_766 })
    expect(await balances(ledger, OUTSIDER)).toEqual({ USD: 1_234 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 10_000, holders: 2 })
    // An account outside genesis pays its whole balance to a new holder: its entry is deleted, still 2 holders.
    await ledger.ok(OUTSIDER, 'cash.transfer', pay(VERRA, 1_234))
    expect(await ledger.state.get(keys.balance(OUTSIDER.id, 'USD'))).toBeUndefined()
    expect(await balances(ledger, VERRA)).toEqual({ USD: 1_234 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 10_000, holders: 2 })
    // The only other holder pays everything back: one holder left, the same supply.
    await ledger.ok(VERRA, 'cash.transfer', pay(MARKET, 1_234))
    expect(await balances(ledger, MARKET)).toEqual({ USD: 10_000 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 10_000, holders: 1 })
  })

  it('moves a balance of Number.MAX_SAFE_INTEGER exactly', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, MAX))
    await ledger.ok(MARKET, 'cash.transfer', pay(OUTSIDER, MAX - 1))
    expect(await balances(ledger, MARKET)).toEqual({ USD: 1 })
    expect(await balances(ledger, OUTSIDER)).toEqual({ USD: MAX - 1 })
    await ledger.ok(MARKET, 'cash.transfer', pay(OUTSIDER, 1))
    expect(await balances(ledger, OUTSIDER)).toEqual({ USD: MAX })
  })

  it('rejects a payment to oneself, even without funds (SELF_TRANSFER)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    await ledger.rejected(MARKET, 'cash.transfer', pay(MARKET, 10), 'SELF_TRANSFER')
    await ledger.rejected(OUTSIDER, 'cash.transfer', pay(OUTSIDER, 10), 'SELF_TRANSFER')
  })

  it('rejects paying more than one holds, a currency one does not hold, or one never minted (INSUFFICIENT_FUNDS)', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    await ledger.ok(BANK, 'cash.mint', mint(OUTSIDER, 5, 'EUR'))
    const result = await ledger.rejected(MARKET, 'cash.transfer', pay(OUTSIDER, 101), 'INSUFFICIENT_FUNDS')
    expect(result.message).toContain('the sender holds 100')
    await ledger.rejected(MARKET, 'cash.transfer', pay(OUTSIDER, 1, 'EUR'), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(MARKET, 'cash.transfer', pay(OUTSIDER, 1, 'JPY'), 'INSUFFICIENT_FUNDS')
    await ledger.rejected(VERRA, 'cash.transfer', pay(OUTSIDER, 1), 'INSUFFICIENT_FUNDS')
    // The bank has no overdraft either.
    await ledger.rejected(BANK, 'cash.transfer', pay(OUTSIDER, 1), 'INSUFFICIENT_FUNDS')
  })

  it.each([
    ['an uppercase recipient id', { currency: 'USD', to: 'AB'.repeat(32), amount: 1 }],
    ['a zero amount', { currency: 'USD', to: MARKET.id, amount: 0 }],
    ['an amount in major units with cents', { currency: 'USD', to: MARKET.id, amount: 1.01 }],
    ['a missing currency', { to: MARKET.id, amount: 1 }],
  ])('rejects %s (INVALID_BODY)', async (_, body) => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(OUTSIDER, 100))
    await ledger.rejected(OUTSIDER, 'cash.transfer', body as unknown as CashTransferBody, 'INVALID_BODY')
  })

  it('a rejected payment inside a block rolls back alone: the transactions around it keep their effects', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    const { results } = await ledger.block([
      ledger.tx(MARKET, 'cash.transfer', pay(OUTSIDER, 60), 0),
      ledger.tx(MARKET, 'cash.transfer', pay(OUTSIDER, 60), 1),
      ledger.tx(OUTSIDER, 'cash.transfer', pay(BANK, 60), 0),
    ])
    expect(results.map((result) => result.name)).toEqual(['OK', 'INSUFFICIENT_FUNDS', 'OK'])
    expect(await balances(ledger, MARKET)).toEqual({ USD: 40 })
    expect(await balances(ledger, OUTSIDER)).toEqual({})
    expect(await balances(ledger, BANK)).toEqual({ USD: 60 })
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 100, holders: 2 })
  })
})

describe('cash state guards', () => {
  it('a non-integer balance in state is a broken invariant that stops the node, not a result', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    ledger.state.apply([[keys.balance(MARKET.id, 'USD'), encode(99.5)]])
    await expect(ledger.submit(MARKET, 'cash.transfer', pay(OUTSIDER, 1))).rejects.toThrow(LedgerInvariantError)
  })

  it('a supply smaller than a balance is a broken invariant', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', mint(MARKET, 100))
    ledger.state.apply([[keys.cashSupply('USD'), encode({ currency: 'USD', supply: 50, holders: 1 })]])
    await expect(ledger.submit(BANK, 'cash.mint', mint(MARKET, 1))).rejects.toThrow(LedgerInvariantError)
  })

  it('cashSupply answers undefined for a malformed or never minted currency', async () => {
    const ledger = new TestLedger()
    expect(await cashSupply(ledger.state, 'USD')).toBeUndefined()
    expect(await cashSupply(ledger.state, 'usd')).toBeUndefined()
    expect(await cashSupply(ledger.state, '../x')).toBeUndefined()
  })
})

describe('cash builders', () => {
  it('build the bodies the rules accept and refuse amounts that are not positive integers of minor units', async () => {
    const ledger = new TestLedger()
    await ledger.ok(BANK, 'cash.mint', build.cashMint({ currency: 'USD', to: MARKET.id, amount: 500 }))
    await ledger.ok(MARKET, 'cash.transfer', build.cashTransfer({ currency: 'USD', to: BANK.id, amount: 200 }))
    await ledger.ok(BANK, 'cash.burn', build.cashBurn({ currency: 'USD', amount: 200 }))
    expect(await cashSupply(ledger.state, 'USD')).toEqual({ currency: 'USD', supply: 300, holders: 1 })
    for (const amount of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => build.cashMint({ currency: 'USD', to: MARKET.id, amount })).toThrow(RangeError)
      expect(() => build.cashBurn({ currency: 'USD', amount })).toThrow(RangeError)
      expect(() => build.cashTransfer({ currency: 'USD', to: MARKET.id, amount })).toThrow(RangeError)
    }
  })
})
