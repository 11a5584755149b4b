// Validation of transaction bodies: one strict zod schema per transaction kind. Everything a rule may assume about
// the shape of its body is checked here, so a rule only decides questions that need state. A body that fails is
// rejected with INVALID_BODY and a message naming the field.
//
// The message is recorded in the ledger state with the result (and so enters the app hash): it is built here from
// the issue's code, path and limits, not taken from zod's wording, so that it only changes when this file does.
import { z } from 'zod'
import { COMPOSITE_DEPOSITS_PER_TX_MAX, COMPOSITE_RULE_ENTRIES_MAX, COMPOSITE_UNITS_PER_TX_MAX } from './composites.ts'
import { REGISTRY_CODES, STRING_FIELD_LENGTH_MAX, type TxBodies, type TxKind } from '../../client/wire.ts'

/** An account id: an ed25519 public key as 64 lowercase hex characters. */
export const ACCOUNT_ID_PATTERN = /^[0-9a-f]{64}$/
/** Project ids and numbering-space segments: no '/' or ':' (they are key separators, see keys.ts). */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
export const IDENTIFIER_LENGTH_MAX = 128
/** A batch id as built by batch.issue: `${space}:${serialStart}-${serialEnd}`. */
export const BATCH_ID_PATTERN = /^[A-Z]+(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?:[1-9][0-9]*-[1-9][0-9]*$/
export const BATCH_ID_LENGTH_MAX = 200
export const LABELS_COUNT_MAX = 32
export const ATTRIBUTES_COUNT_MAX = 64
export const ATTRIBUTE_KEY_LENGTH_MAX = 128
/** The largest serial or quantity: Number.MAX_SAFE_INTEGER (2^53 - 1). */
export const SERIAL_MAX = Number.MAX_SAFE_INTEGER
/** A cash currency code: 3 to 12 uppercase letters or digits (USD, EUR, USDC). Never contains '/' (see keys.ts). */
export const CURRENCY_PATTERN = /^[A-Z0-9]{3,12}$/
/** The largest cash amount, balance or supply, in minor units: Number.MAX_SAFE_INTEGER (2^53 - 1). */
export const CASH_AMOUNT_MAX = Number.MAX_SAFE_INTEGER

const text = z.string().max(STRING_FIELD_LENGTH_MAX)
const count = z.int().nonnegative()
const registry = z.enum(REGISTRY_CODES)
const identifier = z.string().max(IDENTIFIER_LENGTH_MAX).regex(IDENTIFIER_PATTERN, 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"')
const accountId = z.string().regex(ACCOUNT_ID_PATTERN, 'must be an account id: 64 lowercase hex characters')
const batchId = z
  .string()
  .max(BATCH_ID_LENGTH_MAX)
  .regex(BATCH_ID_PATTERN, 'must be a batch id "<space>:<serialStart>-<serialEnd>"')

/** A calendar date YYYY-MM-DD (checked to exist), or '' when the registry gives none. */
const optionalDate = z.string().refine((value) => {
  if (value === '') return true
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}, 'must be a date YYYY-MM-DD or empty')

export const serialRangeSchema = z.strictObject({ start: count, end: count })

const projectRegisterSchema = z.strictObject({
  registry,
  program: text,
  projectId: identifier,
  name: text,
  developer: text,
  country: text,
  sector: text,
  methodology: text,
  status: text,
  attributes: z.record(z.string().max(ATTRIBUTE_KEY_LENGTH_MAX), text).check((ctx) => {
    const entries = Object.keys(ctx.value).length
    if (entries > ATTRIBUTES_COUNT_MAX) ctx.issues.push({ code: 'custom', input: ctx.value, message: `has ${entries} entries, more than ${ATTRIBUTES_COUNT_MAX}` })
  }),
})

/** The attributes an issued or imported batch carries (everything but who issues or imports it, and the origin). */
const batchAttributeFields = {
  projectId: identifier,
  space: z.string().max(IDENTIFIER_LENGTH_MAX + 16),
  serialStart: count,
  serialEnd: count,
  vintageStart: optionalDate,
  vintageEnd: optionalDate,
  unitType: text,
  labels: z.array(text).max(LABELS_COUNT_MAX),
  correspondingAdjustment: text,
  originalSerial: text,
  issuanceDate: text,
}

/** A numbering space of registry `code`: `${code}` or `${code}/<segment>`; `whose` names it in the message. */
function checkSpaceOf(ctx: { value: { space: string }; issues: z.core.$ZodRawIssue[] }, code: string, whose: string): void {
  const { space } = ctx.value
  if (space === code) return
  const segment = space.startsWith(`${code}/`) ? space.slice(code.length + 1) : null
  if (segment !== null && segment.length <= IDENTIFIER_LENGTH_MAX && IDENTIFIER_PATTERN.test(segment)) return
  ctx.issues.push({
    code: 'custom',
    input: space,
    path: ['space'],
    message: `must be ${whose}"${code}" or "${code}/<segment>" (letters, digits, "_", "." and "-"), got ${show(space)}`,
  })
}

const batchIssueSchema = z
  .strictObject({
    registry,
    ...batchAttributeFields,
    to: z.string().regex(/^(|[0-9a-f]{64})$/, "must be '' (the issuing registry itself) or an account id: 64 lowercase hex characters"),
  })
  .check((ctx) => checkSpaceOf(ctx, ctx.value.registry, ''))

const selectionFields = { batchId, quantity: count, range: serialRangeSchema.nullable() }

function checkSelection(ctx: { value: { quantity: number; range: unknown }; issues: z.core.$ZodRawIssue[] }): void {
  const { quantity, range } = ctx.value
  if ((quantity > 0) === (range === null)) return
  ctx.issues.push({
    code: 'custom',
    input: ctx.value,
    message: 'exactly one of quantity and range must be set: quantity > 0 with range null, or quantity 0 with a range',
  })
}

const creditTransferSchema = z.strictObject({ ...selectionFields, to: accountId }).check(checkSelection)
const creditRetireSchema = z
  .strictObject({ ...selectionFields, beneficiary: text, purpose: text, reason: text, retiredOn: text })
  .check(checkSelection)
const creditCancelSchema = z.strictObject({ ...selectionFields, reason: text }).check(checkSelection)
const lockId = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lock id: the 64 lowercase hex id of the transaction that created the lock')
const creditLockSchema = z.strictObject({ ...selectionFields, securedParty: accountId, expiresAtMs: z.int().positive() }).check(checkSelection)
const lockReferenceSchema = z.strictObject({ lockId })
const creditImmobiliseSchema = z.strictObject({ batchId, range: serialRangeSchema, reason: text })

// Cash: amounts are integer minor units (z.int() accepts safe integers only: no fractions, no NaN or infinities).
const currency = z.string().regex(CURRENCY_PATTERN, 'must be a currency code: 3 to 12 uppercase letters or digits (USD, EUR, USDC)')
const cashAmount = z.int().positive().max(CASH_AMOUNT_MAX)
const cashMintSchema = z.strictObject({ currency, to: accountId, amount: cashAmount })
const cashBurnSchema = z.strictObject({ currency, amount: cashAmount })
const cashTransferSchema = z.strictObject({ currency, to: accountId, amount: cashAmount })

const offerId = z.string().regex(/^[0-9a-f]{64}$/, 'must be an offer id: the 64 lowercase hex id of the transaction that made the offer')
const pricePerTonne = z.int().positive().max(CASH_AMOUNT_MAX)
const tradeOfferSchema = z
  .strictObject({ ...selectionFields, pricePerTonne, currency, buyer: z.union([accountId, z.literal('')]), expiresAtMs: z.int().positive(), disclosePrice: z.boolean() })
  .check(checkSelection)
const tradeAcceptSchema = z.strictObject({ offerId, quantity: z.int().min(0), disclosePrice: z.boolean() })
const tradeCancelSchema = z.strictObject({ offerId })
const tradeSwapSchema = z
  .strictObject({
    ...selectionFields,
    seller: accountId,
    buyer: accountId,
    pricePerTonne,
    currency,
    expiresAtMs: z.int().positive(),
    discloseSeller: z.boolean(),
    discloseBuyer: z.boolean(),
    sellerSignature: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 64, 'must be a 64-byte ed25519 signature'),
  })
// Quality information (project-rate.ts, project-attest.ts) and private retirements (credit-retire-private.ts).
/** A URI with a scheme (https:, ipfs:, ...): printable ASCII without spaces. */
export const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/
export const URI_LENGTH_MAX = 2_048
export const RATING_SCALE_LENGTH_MAX = 128
export const RATING_GRADE_LENGTH_MAX = 32
/** A sha256 digest as 64 lowercase hex characters. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/

/** A calendar date YYYY-MM-DD that exists (2027-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

const calendarDate = z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD')
const uri = z.string().max(URI_LENGTH_MAX).regex(URI_PATTERN, 'must be a URI with a scheme (https://..., ipfs://...) and no spaces')
const sha256Hex = z.string().regex(SHA256_HEX_PATTERN, 'must be a sha256 digest: 64 lowercase hex characters')

const projectRateSchema = z.strictObject({
  registry,
  projectId: identifier,
  scale: z.string().min(1).max(RATING_SCALE_LENGTH_MAX),
  grade: z.string().min(1).max(RATING_GRADE_LENGTH_MAX),
  ratedOn: calendarDate,
  reportUri: uri,
})

const projectAttestSchema = z
  .strictObject({ registry, projectId: identifier, periodStart: calendarDate, periodEnd: calendarDate, measuredTonnes: count, dataHash: sha256Hex, dataUri: uri })
  .check((ctx) => {
    const { periodStart, periodEnd } = ctx.value
    // Both are valid YYYY-MM-DD dates here, so string order is date order.
    if (periodStart <= periodEnd) return
    ctx.issues.push({ code: 'custom', input: ctx.value, path: ['periodEnd'], message: `must not be before periodStart (${periodStart}), got ${show(periodEnd)}` })
  })

const creditRetirePrivateSchema = z
  .strictObject({ ...selectionFields, beneficiaryCommitment: sha256Hex, purpose: text, reason: text, retiredOn: text })
  .check(checkSelection)

// Portability between registries (credit-port.ts, batch-import.ts).
/** The code of a registry credits are imported from: 2 to 16 uppercase letters (batch ids start with it, see BATCH_ID_PATTERN). */
export const ORIGIN_REGISTRY_PATTERN = /^[A-Z]{2,16}$/

const creditPortSchema = z.strictObject({
  batchId,
  range: serialRangeSchema,
  fromRegistry: registry,
  toRegistry: registry,
  toSigner: accountId,
  expiresAtMs: z.int().positive(),
  reason: text,
  toSignature: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 64, 'must be a 64-byte ed25519 signature'),
})

const batchImportSchema = z
  .strictObject({
    registry,
    origin: z.string().regex(ORIGIN_REGISTRY_PATTERN, 'must be a registry code: 2 to 16 uppercase letters'),
    ...batchAttributeFields,
    to: z.string().regex(/^(|[0-9a-f]{64})$/, "must be '' (the importing registry itself) or an account id: 64 lowercase hex characters"),
  })
  .check((ctx) => checkSpaceOf(ctx, ctx.value.origin, "the origin's numbering space "))
// Offtake / prepayment (offtake-agree.ts): quantities are whole tonnes, money integer minor units.
const offtakeAgreeSchema = z.strictObject({
  financier: accountId,
  developer: accountId,
  registry,
  projectId: identifier,
  quantity: z.int().positive().max(SERIAL_MAX),
  pricePerTonne,
  currency,
  prepaid: z.int().nonnegative().max(CASH_AMOUNT_MAX),
  dueAtMs: z.int().positive(),
  expiresAtMs: z.int().positive(),
  developerSignature: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 64, 'must be a 64-byte ed25519 signature'),
})

const offtakeCancelSchema = z.strictObject({
  offtakeId: z.string().regex(/^[0-9a-f]{64}$/, 'must be an offtake id: 64 lowercase hex characters'),
  refund: z.int().nonnegative().max(CASH_AMOUNT_MAX),
  developerSignature: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 64, 'must be a 64-byte ed25519 signature'),
})
// Fractions (fractions.ts) and composites (composites.ts). Parts are integers of FRACTION_PARTS_PER_TONNE per tonne.
/** The largest number of parts one transaction moves: Number.MAX_SAFE_INTEGER (the rules' limits bound it far lower). */
export const PARTS_MAX = Number.MAX_SAFE_INTEGER
const parts = z.int().positive().max(PARTS_MAX)
const creditFractionaliseSchema = z.strictObject({ ...selectionFields }).check(checkSelection)
const creditRecombineSchema = z.strictObject({ ...selectionFields }).check(checkSelection)
const fractionTransferSchema = z.strictObject({ batchId, parts, fromSerial: count, to: accountId })
const fractionRetireSchema = z.strictObject({ batchId, parts, fromSerial: count, beneficiary: text, purpose: text, reason: text, retiredOn: text })

export const COMPOSITE_NAME_LENGTH_MAX = 256
const compositeDefineSchema = z.strictObject({
  classId: identifier,
  name: z.string().min(1).max(COMPOSITE_NAME_LENGTH_MAX),
  rules: z.strictObject({
    removalOnly: z.boolean(),
    vintageFrom: z.int().min(0).max(9999),
    methodologies: z.array(text).max(COMPOSITE_RULE_ENTRIES_MAX),
    countries: z.array(text).max(COMPOSITE_RULE_ENTRIES_MAX),
  }),
})
const compositeMintSchema = z
  .strictObject({ classId: identifier, deposits: z.array(z.strictObject({ batchId, parts, fromSerial: count })).min(1).max(COMPOSITE_DEPOSITS_PER_TX_MAX) })
  .check((ctx) => {
    const seen = new Set<string>()
    for (const deposit of ctx.value.deposits) {
      if (seen.has(deposit.batchId)) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['deposits'], message: `names batch ${show(deposit.batchId)} twice: give one deposit per batch` })
      seen.add(deposit.batchId)
    }
  })
const compositeSelectionFields = { classId: identifier, quantity: count, units: z.array(z.int().positive()).max(COMPOSITE_UNITS_PER_TX_MAX) }
function checkCompositeSelection(ctx: { value: { quantity: number; units: number[] }; issues: z.core.$ZodRawIssue[] }): void {
  const { quantity, units } = ctx.value
  if ((quantity > 0) === (units.length > 0)) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'exactly one of quantity and units must be set: quantity > 0 with units [], or quantity 0 with unit numbers' })
  else if (new Set(units).size !== units.length) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['units'], message: 'lists a unit number twice' })
}
const compositeTransferSchema = z.strictObject({ ...compositeSelectionFields, to: accountId }).check(checkCompositeSelection)
const compositeRedeemSchema = z.strictObject({ ...compositeSelectionFields }).check(checkCompositeSelection)
const compositeRetireSchema = z.strictObject({ ...compositeSelectionFields, beneficiary: text, purpose: text, reason: text, retiredOn: text }).check(checkCompositeSelection)

export const bodySchemas: { [K in TxKind]: z.ZodType<TxBodies[K]> } = {
  'project.register': projectRegisterSchema,
  'batch.issue': batchIssueSchema,
  'credit.transfer': creditTransferSchema,
  'credit.retire': creditRetireSchema,
  'credit.cancel': creditCancelSchema,
  'credit.lock': creditLockSchema,
  'credit.release': lockReferenceSchema,
  'credit.seize': lockReferenceSchema,
  'credit.immobilise': creditImmobiliseSchema,
  'credit.mobilise': lockReferenceSchema,
  'cash.mint': cashMintSchema,
  'cash.burn': cashBurnSchema,
  'cash.transfer': cashTransferSchema,
  'trade.offer': tradeOfferSchema,
  'trade.accept': tradeAcceptSchema,
  'trade.cancel': tradeCancelSchema,
  'trade.swap': tradeSwapSchema,
  'project.rate': projectRateSchema,
  'project.attest': projectAttestSchema,
  'credit.retire-private': creditRetirePrivateSchema,
  'credit.port': creditPortSchema,
  'batch.import': batchImportSchema,
  'offtake.agree': offtakeAgreeSchema,
  'offtake.cancel': offtakeCancelSchema,
  'credit.fractionalise': creditFractionaliseSchema,
  'fraction.transfer': fractionTransferSchema,
  'fraction.retire': fractionRetireSchema,
  'credit.recombine': creditRecombineSchema,
  'composite.define': compositeDefineSchema,
  'composite.mint': compositeMintSchema,
  'composite.transfer': compositeTransferSchema,
  'composite.redeem': compositeRedeemSchema,
  'composite.retire': compositeRetireSchema,
}

export type BodyValidation<K extends TxKind> = { ok: true; body: TxBodies[K] } | { ok: false; message: string }

/** Validates an untrusted body; the returned body is a fresh object built by zod, safe to store. */
export function validateBody<K extends TxKind>(kind: K, body: unknown): BodyValidation<K> {
  const schema = bodySchemas[kind] as z.ZodType<TxBodies[K]>
  const parsed = schema.safeParse(body)
  if (parsed.success) return { ok: true, body: parsed.data }
  const [first, ...rest] = parsed.error.issues
  if (first === undefined) return { ok: false, message: 'invalid body' }
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`
  return { ok: false, message: describeIssue(first, body) + more }
}

// ---------------------------------------------------------------------------------------------------------
// Messages.

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = ['body', ...issue.path.map(String)].join('.')
  const value = valueAt(input, issue.path)
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return `${path} must be an integer, got ${show(value)}`
      return `${path} must be ${expectedName(issue.expected)}, got ${typeName(value)}`
    case 'too_small':
      if ((issue.origin === 'number' || issue.origin === 'int') && issue.minimum === 0 && issue.inclusive === false) return `${path} must be positive, got ${show(value)}`
      if (issue.origin === 'number' || issue.origin === 'int') return `${path} must not be negative, got ${show(value)}`
      return `${path} is too short`
    case 'too_big':
      if (issue.origin === 'string') return `${path} is longer than ${String(issue.maximum)} characters`
      if (issue.origin === 'array') return `${path} has more than ${String(issue.maximum)} entries`
      if (issue.origin === 'number' || issue.origin === 'int') return `${path} must be at most ${String(issue.maximum)}, got ${show(value)}`
      return `${path} is too large`
    case 'unrecognized_keys':
      return `${path} has unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((key) => show(key)).join(', ')}`
    case 'invalid_value':
      return `${path} must be one of ${issue.values.map((option) => show(option)).join(', ')}, got ${show(value)}`
    case 'invalid_format':
    case 'custom':
      return `${path} ${issue.message}`
    default:
      return `${path}: invalid`
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return current
}

function expectedName(expected: string): string {
  if (expected === 'object') return 'a map'
  if (expected === 'array') return 'an array'
  if (expected === 'record') return 'a map of strings'
  return `a ${expected}`
}

function typeName(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)'
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'binary'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${String(value)}` : `the number ${show(value)}`
  return `a ${typeof value}`
}

const SHOWN_LENGTH_MAX = 60

function show(value: unknown): string {
  let shown: string
  if (typeof value === 'number') shown = Number.isNaN(value) ? 'NaN' : String(value)
  else if (typeof value === 'bigint') shown = `${String(value)}n`
  else if (value === undefined) shown = 'nothing'
  else if (value instanceof Uint8Array) shown = `binary (${value.length} bytes)`
  else {
    try {
      shown = JSON.stringify(value) ?? String(value)
    } catch {
      shown = typeof value
    }
  }
  return shown.length > SHOWN_LENGTH_MAX ? `${shown.slice(0, SHOWN_LENGTH_MAX)}...` : shown
}
