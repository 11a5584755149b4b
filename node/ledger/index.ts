// The ledger: a deterministic state machine over a key-value state (keys.ts), one file per rule.
//   apply.ts              applyTx: nonce, body validation, dispatch, rollback of rejected transactions
//   genesis.ts            genesis accounts and roles
//   validate.ts           zod schemas of the transaction bodies
//   project-register.ts   batch-issue.ts   credit-transfer.ts   credit-retire.ts   credit-cancel.ts
//   credit-lock.ts   credit-release.ts   credit-seize.ts   credit-immobilise.ts   credit-mobilise.ts
//   project-rate.ts   project-attest.ts   credit-retire-private.ts   (quality.ts: their shared helpers)
//   credit-port.ts   batch-import.ts   (record-of.ts: the registry of record of each serial range)
//   credit-fractionalise.ts   fraction-transfer.ts   fraction-retire.ts   credit-recombine.ts   (fractions.ts: the model)
//   composite-define.ts   composite-mint.ts   composite-transfer.ts   composite-redeem.ts   composite-retire.ts   (composites.ts)
//   block.ts              beginBlock: what the ledger does by itself at each block boundary (expired locks)
//   cash-mint.ts          cash-burn.ts     cash-transfer.ts
//   cash.ts               cash balances and supply (integer minor units)
//   holdings.ts           the serial-block holding model (split, select, index by batch and by owner)
//   locks.ts              collateral locks and immobilisations
//   offtake-agree.ts   offtakes.ts   offtake / prepayment agreements: delivery on issuance, default at the due date
//   events.ts             provenance events
//   queries.ts            read-only queries for the API
export { applyTx, RULES } from './apply.ts'
export { beginBlock } from './block.ts'
export { EXPIRED_LOCKS_PER_BLOCK_MAX, LOCK_DURATION_MS_MAX, locksOf, readLock } from './locks.ts'
export { nextNonceOf, readAccount } from './accounts.ts'
export { applyGenesis, genesisAccounts, genesisWrites, GenesisError, GENESIS_ACCOUNTS_MAX } from './genesis.ts'
export { batchIdOf } from './batch-issue.ts'
export { RECORD_OF_RANGES_SHOWN_MAX, recordOfClipped, recordOfRanges, registryOfRecord } from './record-of.ts'
export type { BlockContext, RuleContext } from './context.ts'
export * from './keys.ts'
export { LedgerInvariantError } from './result.ts'
export * from './validate.ts'
export * from './queries.ts'
export { blockDate, currentRating } from './quality.ts'
export { DEFAULTED_OFFTAKES_PER_BLOCK_MAX, OFFTAKE_DURATION_MS_MAX, OFFTAKES_PER_ISSUE_MAX, getOfftake, offtakesOfAccount, offtakesOfProject, readOfftake } from './offtakes.ts'
export { compositeCustodyOf, FRACTION_SCAN_SERIALS_MAX, FRACTION_SERIALS_PER_TX_MAX, FRACTIONALISE_UNITS_PER_TX_MAX } from './fractions.ts'
