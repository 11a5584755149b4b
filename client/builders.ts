// Builders for every transaction kind: fill defaults, keep field order fixed, return a body ready for signTx.
import type {
  BatchIssueBody,
  CashBurnBody,
  CashMintBody,
  CashTransferBody,
  CreditCancelBody,
  CreditImmobiliseBody,
  CreditLockBody,
  CreditRetireBody,
  CreditTransferBody,
  OfftakeTerms,
  RegistryCode,
  SwapTerms,
  TradeOfferBody,
  ProjectRegisterBody,
  SerialRange,
} from './wire.ts'
import type { CreditRetirePrivateBody, ProjectAttestBody, ProjectRateBody } from './wire.ts'
import type { BatchImportBody, PortTerms } from './wire.ts'
import { commitBeneficiary } from './commitments.ts'
import type { CompositeDefineBody, CompositeMintBody, CompositeRedeemBody, CompositeRetireBody, CompositeRules, CompositeTransferBody } from './wire.ts'
import type { CreditFractionaliseBody, CreditRecombineBody, FractionRetireBody, FractionTransferBody } from './wire.ts'
import { parseAmount } from './amounts.ts'

/** Selects credits of a batch either by quantity (lowest serials first) or by an explicit serial range. */
export type Selection = { batchId: string; quantity: number } | { batchId: string; range: SerialRange }

function selection(input: Selection): { batchId: string; quantity: number; range: SerialRange | null } {
  if ('range' in input) return { batchId: input.batchId, quantity: 0, range: { start: input.range.start, end: input.range.end } }
  return { batchId: input.batchId, quantity: input.quantity, range: null }
}

export function projectRegister(input: Partial<ProjectRegisterBody> & Pick<ProjectRegisterBody, 'registry' | 'projectId' | 'name'>): ProjectRegisterBody {
  return {
    registry: input.registry,
    program: input.program ?? input.registry,
    projectId: input.projectId,
    name: input.name,
    developer: input.developer ?? '',
    country: input.country ?? '',
    sector: input.sector ?? '',
    methodology: input.methodology ?? '',
    status: input.status ?? '',
    attributes: { ...(input.attributes ?? {}) },
  }
}

/** The attributes of an issued or imported batch, defaults filled, in wire field order. */
function batchAttributes(input: Partial<BatchIssueBody> & Pick<BatchIssueBody, 'projectId' | 'space' | 'serialStart' | 'serialEnd'>): Omit<BatchIssueBody, 'registry' | 'to'> {
  return {
    projectId: input.projectId,
    space: input.space,
    serialStart: input.serialStart,
    serialEnd: input.serialEnd,
    vintageStart: input.vintageStart ?? '',
    vintageEnd: input.vintageEnd ?? '',
    unitType: input.unitType ?? '',
    labels: [...(input.labels ?? [])],
    correspondingAdjustment: input.correspondingAdjustment ?? '',
    originalSerial: input.originalSerial ?? '',
    issuanceDate: input.issuanceDate ?? '',
  }
}

export function batchIssue(
  input: Partial<BatchIssueBody> & Pick<BatchIssueBody, 'registry' | 'projectId' | 'space' | 'serialStart' | 'serialEnd'>,
): BatchIssueBody {
  return { registry: input.registry, ...batchAttributes(input), to: input.to ?? '' }
}

export function creditTransfer(input: Selection & { to: string }): CreditTransferBody {
  return { ...selection(input), to: input.to }
}

export function creditRetire(input: Selection & { beneficiary?: string; purpose?: string; reason?: string; retiredOn?: string }): CreditRetireBody {
  return { ...selection(input), beneficiary: input.beneficiary ?? '', purpose: input.purpose ?? '', reason: input.reason ?? '', retiredOn: input.retiredOn ?? '' }
}

export function creditCancel(input: Selection & { reason: string }): CreditCancelBody {
  return { ...selection(input), reason: input.reason }
}

/** Locks the selected credits in favour of `securedParty` until the block time `expiresAtMs`. */
export function creditLock(input: Selection & { securedParty: string; expiresAtMs: number }): CreditLockBody {
  return { ...selection(input), securedParty: input.securedParty, expiresAtMs: input.expiresAtMs }
}

export function creditImmobilise(input: { batchId: string; range: SerialRange; reason?: string }): CreditImmobiliseBody {
  return { batchId: input.batchId, range: { start: input.range.start, end: input.range.end }, reason: input.reason ?? '' }
}

// Cash: amounts are integer minor units (cents for USD). A fractional, negative or unsafe amount is refused here,
// before signing; the ledger would reject it with INVALID_BODY anyway.
function minorUnits(amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < 1) throw new RangeError(`a cash amount is a positive integer of minor units, got ${String(amount)}`)
  return amount
}

export function cashMint(input: { currency: string; to: string; amount: number }): CashMintBody {
  return { currency: input.currency, to: input.to, amount: minorUnits(input.amount) }
}

export function cashBurn(input: { currency: string; amount: number }): CashBurnBody {
  return { currency: input.currency, amount: minorUnits(input.amount) }
}

export function cashTransfer(input: { currency: string; to: string; amount: number }): CashTransferBody {
  return { currency: input.currency, to: input.to, amount: minorUnits(input.amount) }
}

/** An offer of the selected credits at `pricePerTonne` minor units of `currency`, to `buyer` ('' or absent: anyone). */
export function tradeOffer(input: Selection & { pricePerTonne: number; currency: string; buyer?: string; expiresAtMs: number; disclosePrice?: boolean }): TradeOfferBody {
  return { ...selection(input), pricePerTonne: minorUnits(input.pricePerTonne), currency: input.currency, buyer: input.buyer ?? '', expiresAtMs: input.expiresAtMs, disclosePrice: input.disclosePrice ?? false }
}

/** The terms of a swap, for the seller to sign (signSwap in client/keys.ts) and the buyer to send. */
export function swapTerms(input: Selection & { seller: string; buyer: string; pricePerTonne: number; currency: string; expiresAtMs: number; discloseSeller?: boolean; discloseBuyer?: boolean }): SwapTerms {
  return {
    ...selection(input),
    seller: input.seller,
    buyer: input.buyer,
    pricePerTonne: minorUnits(input.pricePerTonne),
    currency: input.currency,
    expiresAtMs: input.expiresAtMs,
    discloseSeller: input.discloseSeller ?? false,
    discloseBuyer: input.discloseBuyer ?? false,
  }
}
/** A rating agency's rating of a project (genesis role 'rating'). */
export function projectRate(input: ProjectRateBody): ProjectRateBody {
  return { registry: input.registry, projectId: input.projectId, scale: input.scale, grade: input.grade, ratedOn: input.ratedOn, reportUri: input.reportUri }
}

/** A verifier's MRV attestation of a project (genesis role 'verifier'); measuredTonnes in whole tonnes of CO2e. */
export function projectAttest(input: ProjectAttestBody): ProjectAttestBody {
  return {
    registry: input.registry,
    projectId: input.projectId,
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    measuredTonnes: input.measuredTonnes,
    dataHash: input.dataHash,
    dataUri: input.dataUri,
  }
}

/**
 * A retirement for a private beneficiary: commits to `beneficiary` with a fresh CSPRNG salt (client/commitments.ts)
 * and returns the body, which carries only the commitment, with the salt to keep (it never goes to the ledger).
 */
export function creditRetirePrivate(input: Selection & { beneficiary: string; purpose?: string; reason?: string; retiredOn?: string }): { body: CreditRetirePrivateBody; salt: string; commitment: string } {
  const { salt, commitment } = commitBeneficiary(input.beneficiary)
  return { body: { ...selection(input), beneficiaryCommitment: commitment, purpose: input.purpose ?? '', reason: input.reason ?? '', retiredOn: input.retiredOn ?? '' }, salt, commitment }
}

/**
 * The terms of a port of a serial range to another registry of record, for the receiving registry's account
 * (`toSigner`) to sign (signPort in client/keys.ts) and the current registry of record to send (credit.port).
 */
export function portTerms(input: { batchId: string; range: SerialRange; fromRegistry: RegistryCode; toRegistry: RegistryCode; toSigner: string; expiresAtMs: number; reason?: string }): PortTerms {
  return {
    batchId: input.batchId,
    range: { start: input.range.start, end: input.range.end },
    fromRegistry: input.fromRegistry,
    toRegistry: input.toRegistry,
    toSigner: input.toSigner,
    expiresAtMs: input.expiresAtMs,
    reason: input.reason ?? '',
  }
}

/** An import of credits taken over from `origin` (a registry not on the ledger), kept in its numbering space `space`. */
export function batchImport(
  input: Partial<BatchImportBody> & Pick<BatchImportBody, 'registry' | 'origin' | 'projectId' | 'space' | 'serialStart' | 'serialEnd'>,
): BatchImportBody {
  return { registry: input.registry, origin: input.origin, ...batchAttributes(input), to: input.to ?? '' }
}

/**
 * The terms of an offtake / prepayment agreement, for the developer to sign (signOfftake in client/keys.ts) and the
 * financier to send: `quantity` tonnes of (registry, projectId) by `dueAtMs` at `pricePerTonne` minor units, of which
 * `prepaid` (default 0) is paid at once; the terms can be agreed until `expiresAtMs` (default: dueAtMs).
 */
export function offtakeTerms(input: { financier: string; developer: string; registry: RegistryCode; projectId: string; quantity: number; pricePerTonne: number; currency: string; prepaid?: number; dueAtMs: number; expiresAtMs?: number }): OfftakeTerms {
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 1) throw new RangeError(`an offtake quantity is a positive integer of tonnes, got ${String(input.quantity)}`)
  const prepaid = input.prepaid ?? 0
  if (!Number.isSafeInteger(prepaid) || prepaid < 0) throw new RangeError(`a prepaid amount is a non-negative integer of minor units, got ${String(prepaid)}`)
  return {
    financier: input.financier,
    developer: input.developer,
    registry: input.registry,
    projectId: input.projectId,
    quantity: input.quantity,
    pricePerTonne: minorUnits(input.pricePerTonne),
    currency: input.currency,
    prepaid,
    dueAtMs: input.dueAtMs,
    expiresAtMs: input.expiresAtMs ?? input.dueAtMs,
  }
}

// Fractions: amounts are integer parts (FRACTION_PARTS_PER_TONNE per tonne, one part = one gram) or, as text, exact
// decimals parsed by client/amounts.ts ("0.25", "250kg", "1.000001t").
function partsOf(amount: number | string): number {
  const parts = typeof amount === 'string' ? parseAmount(amount) : amount
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`an amount of fractions is a positive integer of parts, got ${String(amount)}`)
  return parts
}

/** Turns whole units of a batch (quantity or range) into parts. */
export function creditFractionalise(input: Selection): CreditFractionaliseBody {
  return selection(input)
}

/** Gets whole units back from parts fully held: a quantity (lowest fully held serials) or a range. */
export function creditRecombine(input: Selection): CreditRecombineBody {
  return selection(input)
}

/** Moves `amount` (parts, or text like "250kg") of a batch's fractions to `to`, lowest serials first from `fromSerial`. */
export function fractionTransfer(input: { batchId: string; amount: number | string; to: string; fromSerial?: number }): FractionTransferBody {
  return { batchId: input.batchId, parts: partsOf(input.amount), fromSerial: input.fromSerial ?? 0, to: input.to }
}

/** Retires `amount` (parts, or text like "0.25") of a batch's fractions. */
export function fractionRetire(input: { batchId: string; amount: number | string; fromSerial?: number; beneficiary?: string; purpose?: string; reason?: string; retiredOn?: string }): FractionRetireBody {
  return { batchId: input.batchId, parts: partsOf(input.amount), fromSerial: input.fromSerial ?? 0, beneficiary: input.beneficiary ?? '', purpose: input.purpose ?? '', reason: input.reason ?? '', retiredOn: input.retiredOn ?? '' }
}

// Composites: a class's rules (empty lists and vintageFrom 0 mean any), deposits of fractions, and unit selections
// (a quantity, the sender's lowest-numbered units first, or explicit unit numbers).
export type CompositeUnits = { classId: string; quantity: number } | { classId: string; units: number[] }

function compositeSelection(input: CompositeUnits): { classId: string; quantity: number; units: number[] } {
  if ('units' in input) return { classId: input.classId, quantity: 0, units: [...input.units] }
  return { classId: input.classId, quantity: input.quantity, units: [] }
}

export function compositeDefine(input: { classId: string; name: string; rules?: Partial<CompositeRules> }): CompositeDefineBody {
  const rules = input.rules ?? {}
  return { classId: input.classId, name: input.name, rules: { removalOnly: rules.removalOnly ?? false, vintageFrom: rules.vintageFrom ?? 0, methodologies: [...(rules.methodologies ?? [])], countries: [...(rules.countries ?? [])] } }
}

/** Deposits `amount` (parts, or text like "0.5") of each batch; they must sum to whole tonnes. */
export function compositeMint(input: { classId: string; deposits: { batchId: string; amount: number | string; fromSerial?: number }[] }): CompositeMintBody {
  return { classId: input.classId, deposits: input.deposits.map((deposit) => ({ batchId: deposit.batchId, parts: partsOf(deposit.amount), fromSerial: deposit.fromSerial ?? 0 })) }
}

export function compositeTransfer(input: CompositeUnits & { to: string }): CompositeTransferBody {
  return { ...compositeSelection(input), to: input.to }
}

export function compositeRedeem(input: CompositeUnits): CompositeRedeemBody {
  return compositeSelection(input)
}

export function compositeRetire(input: CompositeUnits & { beneficiary?: string; purpose?: string; reason?: string; retiredOn?: string }): CompositeRetireBody {
  return { ...compositeSelection(input), beneficiary: input.beneficiary ?? '', purpose: input.purpose ?? '', reason: input.reason ?? '', retiredOn: input.retiredOn ?? '' }
}
