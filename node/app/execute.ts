// Executes the transactions of one block against committed state, deterministically: the same state and the same
// block give the same writes, results and app hash on every honest node.
import { encode, RESULT_CODES, type TxResult } from '../../client/wire.ts'
import { applyTx } from '../ledger/index.ts'
import { nextAppHash, StateView, type StateReader, type Write } from '../state/view.ts'
import type { CheckedTx } from './verified.ts'

/** Key of a transaction's recorded result in the ledger state: tx/<id> -> [height, index, code, name, message]. */
export const TX_RESULT_KEY_PREFIX = 'tx/'

export function txResultKey(id: string): string {
  return TX_RESULT_KEY_PREFIX + id
}

export interface Execution {
  writes: Write[]
  appHash: Uint8Array
  results: TxResult[]
}

export interface ExecutionContext {
  height: number
  timeMs: number
}

export async function executeTxs(state: StateReader, txs: CheckedTx[], context: ExecutionContext, previousAppHash: Uint8Array): Promise<Execution> {
  const view = new StateView(state)
  const results: TxResult[] = []
  for (const [txIndex, checked] of txs.entries()) {
    if ((await view.get(txResultKey(checked.id))) !== undefined) {
      results.push({ code: RESULT_CODES.DUPLICATE_TX, name: 'DUPLICATE_TX', message: `transaction ${checked.id} was already committed` })
      continue
    }
    const result = await applyTx(view, checked.tx, checked.id, { height: context.height, timeMs: context.timeMs, txIndex })
    view.put(txResultKey(checked.id), encode([context.height, txIndex, result.code, result.name, result.message]))
    results.push(result)
  }
  const writes = view.writes()
  return { writes, appHash: nextAppHash(previousAppHash, writes), results }
}
