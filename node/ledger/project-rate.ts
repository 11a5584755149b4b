// Rule project.rate: a rating agency (genesis role 'rating') rates a registered project on its scale. The rating is
// appended under rating/<registry>/<projectId>/<agency>/<seq>: the agency's latest rating of the project is its
// current one and supersedes the earlier ones, which stay as its history.
//
// Rejections, in order of precedence:
//   INVALID_BODY      schema (validate.ts): scale and grade non-empty, ratedOn a date, reportUri a URI
//   WRONG_ROLE        the sender is not a genesis account with role 'rating'
//   UNKNOWN_PROJECT   no project (registry, projectId)
//   FUTURE_DATE       ratedOn is after the block's UTC date
//   STALE_RATING      the agency's current rating of the project has a later ratedOn (equal is allowed: a correction)
import type { ProjectRateBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { encodeRecord, keys, type RatingRecord } from './keys.ts'
import { blockDate, currentRating, requireRole } from './quality.ts'
import { ok, reject } from './result.ts'

export async function projectRate(context: RuleContext, body: ProjectRateBody): Promise<TxResult> {
  const { view, sender } = context
  const refused = await requireRole(view, sender, 'rating', 'rate projects')
  if (refused !== null) return refused
  if ((await view.get(keys.project(body.registry, body.projectId))) === undefined) return reject('UNKNOWN_PROJECT', `no project ${body.registry}/${body.projectId}`)
  const today = blockDate(context.timeMs)
  if (body.ratedOn > today) return reject('FUTURE_DATE', `ratedOn ${body.ratedOn} is after the block's date ${today}`)
  const current = await currentRating(view, body.registry, body.projectId, sender)
  if (current !== undefined && current.ratedOn > body.ratedOn) {
    return reject('STALE_RATING', `the agency's current rating of ${body.registry}/${body.projectId} is dated ${current.ratedOn}, after ${body.ratedOn}`)
  }
  const record: RatingRecord = {
    registry: body.registry,
    projectId: body.projectId,
    agency: sender,
    seq: current === undefined ? 0 : current.seq + 1,
    scale: body.scale,
    grade: body.grade,
    ratedOn: body.ratedOn,
    reportUri: body.reportUri,
    height: context.height,
    timeMs: context.timeMs,
    txIndex: context.txIndex,
    txId: context.txId,
  }
  view.put(keys.rating(body.registry, body.projectId, sender, record.seq), encodeRecord(record))
  const superseded = current === undefined ? '' : ` (supersedes ${current.grade} of ${current.ratedOn})`
  return ok(`rated ${body.registry}/${body.projectId} ${body.grade} on ${body.scale}${superseded}`)
}
