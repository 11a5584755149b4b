// Transaction results: a rule returns a result, it never throws for a rejection (throwing is for broken
// invariants and storage errors only).
import { RESULT_CODES, type ResultName, type TxResult } from '../../client/wire.ts'

export function result(name: ResultName, message: string): TxResult {
  return { code: RESULT_CODES[name], name, message }
}

export function ok(message = 'ok'): TxResult {
  return result('OK', message)
}

export function reject(name: Exclude<ResultName, 'OK'>, message: string): TxResult {
  return result(name, message)
}

export function isOk(outcome: TxResult): boolean {
  return outcome.code === RESULT_CODES.OK
}

/** A broken ledger invariant: the state is not what the rules could have written. Crashes the node, by design. */
export class LedgerInvariantError extends Error {
  override readonly name = 'LedgerInvariantError'
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantError(`ledger invariant: ${message}`)
}
