// Rule credit.retire-private: credit.retire with a private beneficiary. The body carries, instead of the
// beneficiary's name, a commitment to it (client/commitments.ts: sha256 over a domain prefix, a 32-byte salt drawn
// by the client and the name); the retire events store the commitment in details.beneficiaryCommitment, and
// privateretirement/<txId> records where they are, so that whoever knows the name and the salt can prove it
// (GET /private-retirements/:txId, tonne verify-beneficiary). The ledger never sees the name or the salt.
//
// Rejections, in order of precedence (as credit.retire):
//   INVALID_BODY          schema (validate.ts): beneficiaryCommitment is 64 lowercase hex
//   UNKNOWN_BATCH         no batch with body.batchId
//   INVALID_RANGE         the range is empty or not inside the batch's serials
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT   some unit of the range is not active
//   INSUFFICIENT_HOLDING  some unit of the range is not the sender's, or it holds fewer active units than the quantity
import type { CreditRetirePrivateBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { retireSelected } from './credit-retire.ts'
import { encodeRecord, keys, type PrivateRetirementRecord } from './keys.ts'
import { invariant, ok } from './result.ts'

export async function creditRetirePrivate(context: RuleContext, body: CreditRetirePrivateBody): Promise<TxResult> {
  const { view, sender } = context
  const retired = await retireSelected(context, body, { beneficiaryCommitment: body.beneficiaryCommitment, purpose: body.purpose, reason: body.reason, retiredOn: body.retiredOn })
  if (!retired.ok) return retired.result
  const record: PrivateRetirementRecord = {
    txId: context.txId,
    batchId: retired.batchId,
    beneficiaryCommitment: body.beneficiaryCommitment,
    retiredBy: sender,
    units: retired.units,
    runs: retired.events.map((event) => ({ range: event.range, eventSeq: event.seq })),
    height: context.height,
    timeMs: context.timeMs,
  }
  // A transaction id is unique in the ledger (a block never repeats one), so this key is new.
  invariant((await view.get(keys.privateRetirement(context.txId))) === undefined, `private retirement ${context.txId} already recorded`)
  view.put(keys.privateRetirement(context.txId), encodeRecord(record))
  return ok(`retired ${retired.units} units of batch ${retired.batchId} for a private beneficiary (commitment ${body.beneficiaryCommitment})`)
}
