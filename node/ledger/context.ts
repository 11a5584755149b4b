// What a rule sees of the transaction it executes: the state view (inside the transaction's own layer), the sender
// and the block context. Time comes only from the block (timeMs), never from a clock.
import type { StateView } from '../state/view.ts'

export interface BlockContext {
  height: number
  /** Block time, milliseconds since the epoch, chosen by the proposer. */
  timeMs: number
  /** Position of the transaction in its block. */
  txIndex: number
}

export interface RuleContext extends BlockContext {
  view: StateView
  /** The sender's account id (64 lowercase hex). */
  sender: string
  txId: string
  /** The chain id the transaction was signed for (the node checked it is this chain's): for signatures inside bodies. */
  chainId: string
}
