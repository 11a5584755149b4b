// Executes the transactions of one block against committed state, deterministically: the same state and the same
// block give the same writes, results and app hash on every honest node.
import { encode, RESULT_CODES, type Evidence, type TxResult } from '../../client/wire.ts'
import { applyEvidence, type EvidenceRules } from '../ledger/evidence.ts'
import { applyTx, beginBlock } from '../ledger/index.ts'
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
  /** The transactions the block holds, in order (for a proposal: the candidates that could be included). */
  included: CheckedTx[]
  /** The evidence the block holds, in order (for a proposal: the candidates that are valid). */
  evidence: Evidence[]
}

/** A block's evidence and the chain facts its rule needs (node/ledger/evidence.ts). */
export interface EvidenceInput {
  items: Evidence[]
  rules: EvidenceRules
}

export interface ExecutionContext {
  height: number
  timeMs: number
}

/**
 * 'propose': candidates that cannot be in a block (wrong nonce for the sender's state, or already committed) are
 * left out. 'validate': such a transaction makes the whole block invalid (executeTxs returns a reason), so a
 * proposer can never burn a transaction by recording it early or twice: BAD_NONCE and DUPLICATE_TX are answers of
 * the mempool, never recorded results.
 */
export type ExecutionMode = 'propose' | 'validate'

export async function executeTxs(
  state: StateReader,
  txs: CheckedTx[],
  context: ExecutionContext,
  previousAppHash: Uint8Array,
  mode: ExecutionMode,
  evidence?: EvidenceInput,
): Promise<Execution | { invalid: string }> {
  const view = new StateView(state)
  const results: TxResult[] = []
  const included: CheckedTx[] = []
  // The block boundary, before any transaction: the ledger's own acts that depend only on the block time.
  await beginBlock(view, context)
  for (const [position, checked] of txs.entries()) {
    if ((await view.get(txResultKey(checked.id))) !== undefined) {
      if (mode === 'validate') return { invalid: `transaction ${position} (${checked.id}) was already committed` }
      continue
    }
    const txIndex = included.length
    const result = await applyTx(view, checked.tx, checked.id, { height: context.height, timeMs: context.timeMs, txIndex })
    if (result.code === RESULT_CODES.BAD_NONCE) {
      // applyTx wrote nothing for it.
      if (mode === 'validate') return { invalid: `transaction ${position} (${checked.id}): ${result.message}` }
      continue
    }
    view.put(txResultKey(checked.id), encode([context.height, txIndex, result.code, result.name, result.message]))
    results.push(result)
    included.push(checked)
  }
  // Evidence after the transactions: its records use keys no transaction rule touches, so the order is a convention.
  let includedEvidence: Evidence[] = []
  if (evidence !== undefined && evidence.items.length > 0) {
    const applied = await applyEvidence(view, evidence.items, evidence.rules, context, mode)
    if ('invalid' in applied) return applied
    includedEvidence = applied.included
  }
  const writes = view.writes()
  return { writes, appHash: nextAppHash(previousAppHash, writes), results, included, evidence: includedEvidence }
}
