// The ledger: a deterministic state machine over a key-value state (keys.ts), one file per rule.
//   apply.ts              applyTx: nonce, body validation, dispatch, rollback of rejected transactions
//   genesis.ts            genesis accounts and roles
//   validate.ts           zod schemas of the transaction bodies
//   project-register.ts   batch-issue.ts   credit-transfer.ts   credit-retire.ts   credit-cancel.ts
//   cash-mint.ts          cash-burn.ts     cash-transfer.ts
//   cash.ts               cash balances and supply (integer minor units)
//   holdings.ts           the serial-block holding model (split, select, index by batch and by owner)
//   events.ts             provenance events
//   queries.ts            read-only queries for the API
export { applyTx, RULES } from './apply.ts'
export { nextNonceOf, readAccount } from './accounts.ts'
export { applyGenesis, genesisAccounts, genesisWrites, GenesisError, GENESIS_ACCOUNTS_MAX } from './genesis.ts'
export { batchIdOf } from './batch-issue.ts'
export type { BlockContext, RuleContext } from './context.ts'
export * from './keys.ts'
export { LedgerInvariantError } from './result.ts'
export * from './validate.ts'
export * from './queries.ts'
