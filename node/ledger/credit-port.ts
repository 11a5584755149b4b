// Rule credit.port: credits move to another registry of record on the ledger, without re-issuance. The sender is an
// account of the current registry of record (fromRegistry) of every serial of the range; the receiving registry's
// ed25519 signature over portSignBytes(chainId, terms) (client/wire.ts) travels in the body, made by `toSigner`, a
// registry account of toRegistry. Serials, holders, statuses, attributes and history are kept: only the registry of
// record of the range changes (node/ledger/record-of.ts), and each holder's run gets a 'port' provenance event. Every
// unit must be active: retired, cancelled, locked (collateral, an offer's reservation, immobilised) or any other
// status cannot move. A signed port settles at most once (portused/<id>, id = hex of its sign bytes), only in blocks
// up to its expiry.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts)
//   UNKNOWN_BATCH           no batch with body.batchId
//   INVALID_RANGE           the range is empty or not inside the batch's serials
//   WRONG_ROLE              the sender is not a registry account
//   WRONG_REGISTRY          the sender is not an account of fromRegistry
//   SAME_REGISTRY           toRegistry is fromRegistry
//   NOT_REGISTRY_OF_RECORD  some serial of the range is recorded at another registry than fromRegistry
//   PORT_NOT_VALID          the block time is past expiresAtMs, or this signed port has settled already
//   BAD_COUNTERSIGNATURE    toSigner is not a registry account of toRegistry, or its signature does not verify for
//                           these terms on this chain
//   RETIRED_UNIT, CANCELLED_UNIT, LOCKED_UNIT, FRACTIONALISED_UNIT   some unit of the range is not active (as
//                           selectUnits reports it; LOCKED_UNIT for any other status not active)
import { bytesToHex, hexToBytes, portSignBytes, type CreditPortBody, type TxResult } from '../../client/wire.ts'
import { verifySignature } from '../crypto/verify.ts'
import { readAccount } from './accounts.ts'
import type { RuleContext } from './context.ts'
import { appendEvent } from './events.ts'
import { contiguousRuns, rangeRejection, selectUnits } from './holdings.ts'
import { encodeRecord, keys, padInteger, readRecord, type BatchRecord } from './keys.ts'
import { recordOfRejection, setRegistryOfRecord } from './record-of.ts'
import { ok, reject } from './result.ts'

export async function creditPort(context: RuleContext, body: CreditPortBody): Promise<TxResult> {
  const { view, sender, chainId } = context
  const batch = await readRecord<BatchRecord>(view, keys.batch(body.batchId))
  if (batch === undefined) return reject('UNKNOWN_BATCH', `no batch ${body.batchId}`)
  const invalid = rangeRejection(batch, body.range)
  if (invalid !== null) return invalid
  const account = await readAccount(view, sender)
  if (account === undefined || account.role !== 'registry') {
    return reject('WRONG_ROLE', `only a registry account may port credits; sender ${sender} has ${account === undefined ? 'no role' : `role ${account.role}`}`)
  }
  if (account.registry !== body.fromRegistry) return reject('WRONG_REGISTRY', `sender is the registry account of ${String(account.registry)}, not of ${body.fromRegistry}; it may not port credits of record at ${body.fromRegistry}`)
  if (body.toRegistry === body.fromRegistry) return reject('SAME_REGISTRY', `the credits are ported from ${body.fromRegistry} to itself`)
  const notOfRecord = await recordOfRejection(view, body.fromRegistry, batch.batchId, [body.range], 'port them')
  if (notOfRecord !== null) return notOfRecord
  if (context.timeMs > body.expiresAtMs) return reject('PORT_NOT_VALID', `the port expired at ${body.expiresAtMs}; the block time is ${context.timeMs}`)
  const signBytes = portSignBytes(chainId, body)
  const portId = bytesToHex(signBytes)
  if ((await view.get(keys.portUsed(portId))) !== undefined) return reject('PORT_NOT_VALID', `port ${portId} has settled already`)
  const signer = await readAccount(view, body.toSigner)
  if (signer === undefined || signer.role !== 'registry' || signer.registry !== body.toRegistry) {
    return reject('BAD_COUNTERSIGNATURE', `the port must be signed by a registry account of ${body.toRegistry}; ${body.toSigner} is ${signer === undefined ? 'no genesis account' : signer.role === 'registry' ? `an account of ${String(signer.registry)}` : `an account with role ${signer.role}`}`)
  }
  if (!verifySignature(body.toSignature, signBytes, hexToBytes(body.toSigner))) return reject('BAD_COUNTERSIGNATURE', `the receiving registry's signature does not verify for these terms on chain ${chainId}`)
  const selection = await selectUnits(view, batch, { quantity: 0, range: body.range }, null)
  if (!selection.ok) return selection.result
  // Only active units move: written over the whole selection so that any status but active is refused.
  const inactive = selection.pieces.find((piece) => piece.holding.status !== 'active')
  if (inactive !== undefined) return reject('LOCKED_UNIT', `serial ${inactive.range.start} of batch ${batch.batchId} is ${inactive.holding.status}, not active: only active units move to another registry`)
  await setRegistryOfRecord(view, batch, body.range, body.toRegistry)
  view.put(keys.portUsed(portId), encodeRecord(padInteger(context.height)))
  for (const run of contiguousRuns(selection.pieces)) {
    await appendEvent(context, batch.batchId, {
      type: 'port',
      range: run.range,
      from: run.owner,
      to: run.owner,
      details: { portId, fromRegistry: body.fromRegistry, toRegistry: body.toRegistry, toSigner: body.toSigner, reason: body.reason },
    })
  }
  return ok(`ported serials ${body.range.start} to ${body.range.end} of batch ${batch.batchId} (${selection.units} units) from ${body.fromRegistry} to ${body.toRegistry} (port ${portId})`)
}
