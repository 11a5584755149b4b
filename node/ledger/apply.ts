// The ledger state machine: applyTx(view, tx, id, context) -> result. Deterministic: the same state, transaction
// and block context give the same result and the same writes on every node. Time comes only from context.timeMs;
// nothing here reads a clock, draws random numbers or depends on Map iteration order for its writes (StateView
// sorts them).
//
// The caller (node/app/execute.ts) has already checked the chain id and the signature, and records the result.
// applyTx never throws for bad input: every rejection is a result code. It throws only for broken invariants
// (LedgerInvariantError) and storage errors, which must stop the node.
//
// Nonce semantics, deliberately:
//   1. tx.nonce must equal the sender's next nonce (0 for a new sender). If not: BAD_NONCE and no state change.
//   2. If it does, the nonce is consumed (incremented) whatever the rule decides. A rejected transaction changes
//      nothing else: the rule runs inside its own StateView layer (beginTx), committed only when the result is OK
//      and rolled back otherwise. Consuming the nonce of a rejected transaction keeps a sender's pipelined later
//      transactions (nonce + 1, + 2, ...) valid, and makes the rejected one final: it can never be replayed.
import { bytesToHex, TX_KINDS, type Tx, type TxBodies, type TxKind, type TxResult } from '../../client/wire.ts'
import type { StateView } from '../state/view.ts'
import { nextNonceOf, writeNextNonce } from './accounts.ts'
import { batchIssue } from './batch-issue.ts'
import { cashBurn } from './cash-burn.ts'
import { cashMint } from './cash-mint.ts'
import { cashTransfer } from './cash-transfer.ts'
import type { BlockContext, RuleContext } from './context.ts'
import { creditCancel } from './credit-cancel.ts'
import { tradeAccept } from './trade-accept.ts'
import { tradeCancel } from './trade-cancel.ts'
import { tradeOffer } from './trade-offer.ts'
import { tradeSwap } from './trade-swap.ts'
import { creditImmobilise } from './credit-immobilise.ts'
import { creditLock } from './credit-lock.ts'
import { creditMobilise } from './credit-mobilise.ts'
import { creditRelease } from './credit-release.ts'
import { creditSeize } from './credit-seize.ts'
import { creditRetire } from './credit-retire.ts'
import { creditTransfer } from './credit-transfer.ts'
import { projectRegister } from './project-register.ts'
import { projectRate } from './project-rate.ts'
import { projectAttest } from './project-attest.ts'
import { creditRetirePrivate } from './credit-retire-private.ts'
import { creditPort } from './credit-port.ts'
import { batchImport } from './batch-import.ts'
import { offtakeAgree } from './offtake-agree.ts'
import { offtakeCancel } from './offtake-cancel.ts'
import { creditFractionalise } from './credit-fractionalise.ts'
import { fractionTransfer } from './fraction-transfer.ts'
import { fractionRetire } from './fraction-retire.ts'
import { creditRecombine } from './credit-recombine.ts'
import { compositeDefine } from './composite-define.ts'
import { compositeMint } from './composite-mint.ts'
import { compositeTransfer } from './composite-transfer.ts'
import { compositeRedeem } from './composite-redeem.ts'
import { compositeRetire } from './composite-retire.ts'
import { isOk, reject } from './result.ts'
import { validateBody } from './validate.ts'

type Rules = { [K in TxKind]: (context: RuleContext, body: TxBodies[K]) => Promise<TxResult> }

/** One rule per transaction kind, one file per rule. */
export const RULES: Rules = {
  'project.register': projectRegister,
  'batch.issue': batchIssue,
  'credit.transfer': creditTransfer,
  'credit.retire': creditRetire,
  'credit.cancel': creditCancel,
  'credit.lock': creditLock,
  'credit.release': creditRelease,
  'credit.seize': creditSeize,
  'credit.immobilise': creditImmobilise,
  'credit.mobilise': creditMobilise,
  'cash.mint': cashMint,
  'cash.burn': cashBurn,
  'cash.transfer': cashTransfer,
  'trade.offer': tradeOffer,
  'trade.accept': tradeAccept,
  'trade.cancel': tradeCancel,
  'trade.swap': tradeSwap,
  'project.rate': projectRate,
  'project.attest': projectAttest,
  'credit.retire-private': creditRetirePrivate,
  'credit.port': creditPort,
  'batch.import': batchImport,
  'offtake.agree': offtakeAgree,
  'offtake.cancel': offtakeCancel,
  'credit.fractionalise': creditFractionalise,
  'fraction.transfer': fractionTransfer,
  'fraction.retire': fractionRetire,
  'credit.recombine': creditRecombine,
  'composite.define': compositeDefine,
  'composite.mint': compositeMint,
  'composite.transfer': compositeTransfer,
  'composite.redeem': compositeRedeem,
  'composite.retire': compositeRetire,
}

export async function applyTx(view: StateView, tx: Tx, id: string, context: BlockContext): Promise<TxResult> {
  // decodeTx guarantees these; checked again so that a caller's mistake is a result, not a crash or a bad key.
  if (!(tx.sender instanceof Uint8Array) || tx.sender.length !== 32) return reject('MALFORMED_TX', 'sender must be a 32-byte ed25519 public key')
  if (!(TX_KINDS as readonly string[]).includes(tx.kind)) return reject('MALFORMED_TX', `unknown transaction kind ${JSON.stringify(String(tx.kind)).slice(0, 80)}`)
  const sender = bytesToHex(tx.sender)
  const expectedNonce = await nextNonceOf(view, sender)
  if (tx.nonce !== expectedNonce) return reject('BAD_NONCE', `nonce ${String(tx.nonce)}, expected ${expectedNonce}`)

  view.beginTx()
  let outcome: TxResult
  try {
    outcome = await applyRule(view, tx, sender, id, context)
  } catch (error) {
    view.rollbackTx()
    throw error
  }
  if (isOk(outcome)) view.commitTx()
  else view.rollbackTx()
  // Outside the rule's layer: the nonce is consumed even when the rule rejected (see the header).
  writeNextNonce(view, sender, expectedNonce + 1)
  return outcome
}

async function applyRule<K extends TxKind>(view: StateView, tx: Tx<K>, sender: string, id: string, context: BlockContext): Promise<TxResult> {
  const validation = validateBody(tx.kind, tx.body)
  if (!validation.ok) return reject('INVALID_BODY', validation.message)
  const rule = RULES[tx.kind] as (context: RuleContext, body: TxBodies[K]) => Promise<TxResult>
  return rule({ view, sender, txId: id, chainId: tx.chainId, height: context.height, timeMs: context.timeMs, txIndex: context.txIndex }, validation.body)
}
