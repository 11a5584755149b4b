// The block boundary: what the ledger does by itself at the start of every block, before its transactions, from
// the block's height and time alone (no transaction asks for it): release the collateral locks that have expired
// (locks.ts), then default the offtake agreements past their due date (offtakes.ts). Every node runs it on every
// block it executes, proposed, validated or synced.
import type { StateView } from '../state/view.ts'
import type { BlockContext } from './context.ts'
import { releaseExpiredLocks } from './locks.ts'
import { defaultOverdueOfftakes } from './offtakes.ts'

export async function beginBlock(view: StateView, block: Pick<BlockContext, 'height' | 'timeMs'>): Promise<void> {
  await releaseExpiredLocks(view, block)
  await defaultOverdueOfftakes(view, block)
}
