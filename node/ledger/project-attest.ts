// Rule project.attest: a verifier (genesis role 'verifier') attests digital MRV data of a registered project for a
// monitoring period: the measured quantity in whole tonnes of CO2e, the sha256 of the data set and its URI.
// Attestations are appended under attestation/<registry>/<projectId>/<seq> and never change.
//
// Rejections, in order of precedence:
//   INVALID_BODY            schema (validate.ts): dates, periodStart <= periodEnd, integer tonnes, 64-hex dataHash, URI
//   WRONG_ROLE              the sender is not a genesis account with role 'verifier'
//   UNKNOWN_PROJECT         no project (registry, projectId)
//   FUTURE_DATE             periodEnd is after the block's UTC date (a period is attested once it is over)
//   DUPLICATE_ATTESTATION   this verifier already attested data with this dataHash for this project
import type { ProjectAttestBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, readRecord, type AttestationRecord } from './keys.ts'
import { blockDate, nextAttestationSeq, requireRole } from './quality.ts'
import { ok, reject } from './result.ts'

export async function projectAttest(context: RuleContext, body: ProjectAttestBody): Promise<TxResult> {
  const { view, sender } = context
  const refused = await requireRole(view, sender, 'verifier', 'attest MRV data')
  if (refused !== null) return refused
  if ((await view.get(keys.project(body.registry, body.projectId))) === undefined) return reject('UNKNOWN_PROJECT', `no project ${body.registry}/${body.projectId}`)
  const today = blockDate(context.timeMs)
  if (body.periodEnd > today) return reject('FUTURE_DATE', `periodEnd ${body.periodEnd} is after the block's date ${today}`)
  const dataKey = keys.attestationData(body.registry, body.projectId, sender, body.dataHash)
  const earlier = await readRecord<number>(view, dataKey)
  if (earlier !== undefined) return reject('DUPLICATE_ATTESTATION', `this verifier already attested data ${body.dataHash} for ${body.registry}/${body.projectId} (attestation ${earlier})`)
  const seq = await nextAttestationSeq(view, body.registry, body.projectId)
  const record: AttestationRecord = {
    registry: body.registry,
    projectId: body.projectId,
    verifier: sender,
    seq,
    periodStart: body.periodStart,
    periodEnd: body.periodEnd,
    measuredTonnes: body.measuredTonnes,
    dataHash: body.dataHash,
    dataUri: body.dataUri,
    height: context.height,
    timeMs: context.timeMs,
    txIndex: context.txIndex,
    txId: context.txId,
  }
  view.put(keys.attestation(body.registry, body.projectId, seq), encodeRecord(record))
  view.put(dataKey, encodeRecord(seq))
  return ok(`attested ${body.measuredTonnes} tonnes CO2e for ${body.registry}/${body.projectId} over ${body.periodStart} to ${body.periodEnd} (attestation ${seq})`)
}
