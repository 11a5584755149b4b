// Rule composite.define: any account defines a composite asset class under an id of its choosing, with the rules
// every component must meet (node/ledger/composites.ts). The class's custody account is compositeCustodyOf(classId).
//
// Rejections, in order of precedence:
//   INVALID_BODY      schema (validate.ts): classId an identifier, vintageFrom a year (or 0), at most
//                     COMPOSITE_RULE_ENTRIES_MAX methodologies and countries
//   COMPOSITE_EXISTS  a class with that id is already defined
//   CUSTODY_NOT_EMPTY the class's custody account (predictable from the id) already holds whole units, parts or
//                     composite units, sent before the class existed: they would back no unit and could never leave
import type { CompositeDefineBody, TxResult } from '../../client/wire.ts'
import type { RuleContext } from './context.ts'
import { readClass } from './composites.ts'
import { compositeCustodyOf } from './fractions.ts'
import { encodeRecord, keys, prefixRange, readRange, type CompositeClassRecord } from './keys.ts'
import { ok, reject } from './result.ts'

export async function compositeDefine(context: RuleContext, body: CompositeDefineBody): Promise<TxResult> {
  const { view, sender } = context
  const existing = await readClass(view, body.classId)
  if (existing !== undefined) return reject('COMPOSITE_EXISTS', `composite class ${body.classId} is already defined (by ${existing.definedBy} at height ${existing.height})`)
  const custody = compositeCustodyOf(body.classId)
  const holdings: [string, string][] = [[keys.fractionOwnerPrefix(custody), 'fraction parts'], [keys.ownerPrefix(custody), 'credits'], [keys.compositeOwnerPrefix(custody), 'composite units']]
  for (const [prefix, what] of holdings) {
    const [held] = await readRange<unknown>(view, { ...prefixRange(prefix), limit: 1 })
    if (held !== undefined) return reject('CUSTODY_NOT_EMPTY', `the custody account ${custody} of class ${body.classId} already holds ${what}, sent to it before the class existed (they could never leave it): choose another class id`)
  }
  const record: CompositeClassRecord = {
    classId: body.classId,
    name: body.name,
    definedBy: sender,
    rules: { removalOnly: body.rules.removalOnly, vintageFrom: body.rules.vintageFrom, methodologies: [...body.rules.methodologies], countries: [...body.rules.countries] },
    custody,
    minted: 0,
    outstanding: 0,
    redeemed: 0,
    retired: 0,
    height: context.height,
    timeMs: context.timeMs,
  }
  view.put(keys.composite(body.classId), encodeRecord(record))
  view.put(keys.compositeCustody(record.custody), encodeRecord(body.classId))
  return ok(`defined composite class ${body.classId} (custody ${record.custody})`)
}
