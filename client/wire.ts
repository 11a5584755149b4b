// The wire format of tonne: transaction, block, vote and proposal types, their canonical encoding, hashing
// and the exact bytes that get signed. Both the client and the node import this module and nothing else
// defines bytes that cross a process boundary.
//
// Rules:
// - A transaction is encoded once (msgpack) by its author; those exact bytes are signed and travel; nobody
//   re-encodes a transaction to verify it. Its id is sha256 of those bytes.
// - Votes and proposals are signed over a fixed binary layout built from their fields (signBytes*), so a
//   commit certificate can be verified from its fields alone.
// - Everything signed is domain-separated and includes the chain id.
import { Packr } from 'msgpackr'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

export { bytesToHex, hexToBytes }

// ---------------------------------------------------------------------------------------------------------
// Limits that the wire format itself enforces.
export const TX_BYTES_MAX = 64 * 1024
export const BLOCK_TXS_MAX = 2_000
export const BLOCK_BYTES_MAX = 8 * 1024 * 1024
export const CHAIN_ID_LENGTH_MAX = 64
export const STRING_FIELD_LENGTH_MAX = 4_096
/** Evidence items a block may carry (a valid block holds at most one per offence slot; see node/ledger/evidence.ts). */
export const BLOCK_EVIDENCE_MAX = 100
/** Encoded size of one evidence item: two votes or proposal headers are about 300 bytes. */
export const EVIDENCE_BYTES_MAX = 1_024

// ---------------------------------------------------------------------------------------------------------
// Canonical msgpack: no records/structures (plain maps), integers as the smallest msgpack int, binary as bin.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  bundleStrings: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  useFloat32: 0,
} as ConstructorParameters<typeof Packr>[0])

export function encode(value: unknown): Uint8Array {
  const out = packr.pack(value)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

export class DecodeError extends Error {
  override readonly name = 'DecodeError'
}

/** Decode untrusted msgpack bytes; throws DecodeError (never anything else) on malformed input. */
export function decode(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes)
  } catch (error) {
    throw new DecodeError(`malformed msgpack: ${(error as Error).message}`)
  }
}

export function hash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

export function hashHex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes))
}

const textEncoder = new TextEncoder()

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export const U32_MAX = 0xffff_ffff

function u32(value: number): Uint8Array {
  // Never truncate: round 2^32 must not sign the same bytes as round 0 (nor polRound 2^32-1 as polRound -1).
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new RangeError(`${value} does not fit in a u32`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32(bytes.length), bytes)
}

function domain(tag: string, chainId: string): Uint8Array {
  return concatBytes(lengthPrefixed(textEncoder.encode(tag)), lengthPrefixed(textEncoder.encode(chainId)))
}

export const DOMAIN_TX = 'tonne/tx/v1'
export const DOMAIN_VOTE = 'tonne/vote/v1'
export const DOMAIN_PROPOSAL = 'tonne/proposal/v1'
export const DOMAIN_SWAP = 'tonne/swap/v1'
export const DOMAIN_PORT = 'tonne/port/v1'
export const DOMAIN_OFFTAKE = 'tonne/offtake/v1'
export const DOMAIN_OFFTAKE_CANCEL = 'tonne/offtake-cancel/v1'

// ---------------------------------------------------------------------------------------------------------
// Registries, roles and accounts.
export const REGISTRY_CODES = ['VCS', 'GS', 'ACR', 'CAR', 'CERCARBONO'] as const
export type RegistryCode = (typeof REGISTRY_CODES)[number]

export const ROLES = ['registry', 'bank', 'marketplace', 'rating', 'operator', 'verifier'] as const
export type Role = (typeof ROLES)[number]

/** An account is identified by its ed25519 public key, as 64 lowercase hex characters. */
export type AccountId = string

// ---------------------------------------------------------------------------------------------------------
// Transactions.
export const TX_KINDS = [
  'project.register',
  'batch.issue',
  'credit.transfer',
  'credit.retire',
  'credit.cancel',
  'credit.lock',
  'credit.release',
  'credit.seize',
  'credit.immobilise',
  'credit.mobilise',
  // Cash (issue #4): a bank mints and burns tokens of a currency; anyone transfers what they hold.
  'cash.mint',
  'cash.burn',
  'cash.transfer',
  // Delivery versus payment: credits against cash, atomically.
  'trade.offer',
  'trade.accept',
  'trade.cancel',
  'trade.swap',
  'project.rate',
  'project.attest',
  'credit.retire-private',
  // Portability between registries (node/ledger/record-of.ts): a move of registry of record, an import.
  'credit.port',
  'batch.import',
  // Financing: an offtake / prepayment agreement between a financier and a project developer (node/ledger/offtakes.ts).
  'offtake.agree',
  'offtake.cancel',
  // Fractions (node/ledger/fractions.ts): whole units into parts of FRACTION_PARTS_PER_TONNE, and back.
  'credit.fractionalise',
  'fraction.transfer',
  'fraction.retire',
  'credit.recombine',
  // Composite assets (node/ledger/composites.ts): units of one tonne made of fractions that meet a class's rules.
  'composite.define',
  'composite.mint',
  'composite.transfer',
  'composite.redeem',
  'composite.retire',
] as const
export type TxKind = (typeof TX_KINDS)[number]

/** A serial sub-range inside one batch's numbering space, inclusive on both ends. */
export interface SerialRange {
  start: number
  end: number
}

export interface ProjectRegisterBody {
  registry: RegistryCode
  /** Program or standard the project is registered under (e.g. VCS, Gold Standard, ACR, CAR, Cercarbono). */
  program: string
  /** The registry's own project id (e.g. "1340" for Verra VCS1340, "GS11236", "ACR731", "CAR2264", "CDC-1"). */
  projectId: string
  name: string
  developer: string
  country: string
  sector: string
  methodology: string
  status: string
  /** Any further attributes the registry export carries, as strings. */
  attributes: Record<string, string>
}

export interface BatchIssueBody {
  registry: RegistryCode
  projectId: string
  /**
   * The numbering space the serials live in. Verra's block numbers are global to the registry ("VCS");
   * Gold Standard, ACR and CAR restart at 1 in each issuance batch ("GS/30307"); Cercarbono numbers
   * positions inside a named batch ("CERCARBONO/CDC_1_1_1_321_14_1"). Always starts with `${registry}/`
   * or equals the registry code.
   */
  space: string
  serialStart: number
  serialEnd: number
  vintageStart: string
  vintageEnd: string
  unitType: string
  labels: string[]
  correspondingAdjustment: string
  /** The registry's original serial string, kept for life. */
  originalSerial: string
  issuanceDate: string
  /** Account that receives the issued credits; the issuing registry itself when empty. */
  to: AccountId | ''
}

/** Either a quantity (lowest serials first) or an explicit sub-range; exactly one of the two. */
export interface CreditSelection {
  batchId: string
  quantity: number
  range: SerialRange | null
}

export interface CreditTransferBody extends CreditSelection {
  to: AccountId
}

export interface CreditRetireBody extends CreditSelection {
  beneficiary: string
  purpose: string
  reason: string
  /** Date the retirement took effect in the source registry, when imported; empty otherwise. */
  retiredOn: string
}

export interface CreditCancelBody extends CreditSelection {
  reason: string
}

/**
 * The owner locks active credits in favour of a secured party (a lender) until `expiresAtMs` (a block time): they
 * cannot be transferred, retired or locked again; the secured party may release or seize them; at expiry the
 * ledger releases them at a block boundary. The lock's id is the id of this transaction.
 */
export interface CreditLockBody extends CreditSelection {
  securedParty: AccountId
  expiresAtMs: number
}

/** The secured party ends a collateral lock: the units are active again, with their owner. */
export interface CreditReleaseBody {
  lockId: string
}

/** The secured party takes the locked units (on default): they move to it, active. */
export interface CreditSeizeBody {
  lockId: string
}

/**
 * The batch's registry immobilises a serial range, whoever holds it (e.g. while the credits are represented on
 * another registry or under investigation). The lock's id is the id of this transaction; no expiry.
 */
export interface CreditImmobiliseBody {
  batchId: string
  range: SerialRange
  reason: string
}

/** The registry that immobilised the credits releases them. */
export interface CreditMobiliseBody {
  lockId: string
}

// Cash: integer minor units of a named currency (cents of USD: 12345 is USD 123.45), never floating point.
/** A currency code: 3 to 12 uppercase letters or digits (ISO 4217 codes like USD, EUR, or names like USDC). */
export type CurrencyCode = string

/** The bank (role 'bank') creates `amount` minor units of `currency` in the account `to`. */
export interface CashMintBody {
  currency: CurrencyCode
  to: AccountId
  /** Minor units, a positive safe integer. */
  amount: number
}

/** The bank destroys `amount` minor units of `currency` from its own balance. */
export interface CashBurnBody {
  currency: CurrencyCode
  amount: number
}

/** The sender moves `amount` minor units of `currency` it holds to `to`. */
export interface CashTransferBody {
  currency: CurrencyCode
  to: AccountId
  amount: number
}

// Delivery versus payment (node/ledger/trades.ts). Prices are integer minor units of the currency per tonne (one
// credit); the payment is quantity x pricePerTonne, also integer minor units.

/**
 * The seller offers credits of one batch (a quantity, lowest serials first, or a range) at a price per tonne, to one
 * buyer or to anyone (buyer ''), until a block time. The credits are reserved (a lock of kind 'offer') until the
 * offer is accepted, cancelled or expires. The offer's id is this transaction's id.
 */
export interface TradeOfferBody extends CreditSelection {
  pricePerTonne: number
  currency: string
  buyer: AccountId | ''
  expiresAtMs: number
  /** Whether the seller lets the price of the resulting trade be shown (it is shown only if the buyer agrees too). */
  disclosePrice: boolean
}

/**
 * The buyer takes `quantity` units of the offer (0: all that remains), the lowest serials first: the credits move to
 * it and the payment to the seller, in one transaction. The rest stays offered on the same terms.
 */
export interface TradeAcceptBody {
  offerId: string
  quantity: number
  disclosePrice: boolean
}

/** The seller withdraws an offer: its credits are released. */
export interface TradeCancelBody {
  offerId: string
}

/** What a seller signs for a swap (swapSignBytes): everything the trade does, including who the buyer is. */
export interface SwapTerms extends CreditSelection {
  seller: AccountId
  buyer: AccountId
  pricePerTonne: number
  currency: string
  /** The swap is valid in blocks up to this time. */
  expiresAtMs: number
  discloseSeller: boolean
  discloseBuyer: boolean
}

/**
 * A swap signed by both counterparties: the buyer sends it (and signs the transaction), the seller's signature over
 * the same terms travels inside. Credits and cash move in this one transaction, or nothing moves. Each signed swap
 * settles at most once.
 */
export interface TradeSwapBody extends SwapTerms {
  sellerSignature: Uint8Array
}

/** The bytes a seller signs for a swap: a domain-separated hash of the chain id and the encoded terms. */
export function swapSignBytes(chainId: string, terms: SwapTerms): Uint8Array {
  const fields = {
    batchId: terms.batchId,
    quantity: terms.quantity,
    range: terms.range === null ? null : { start: terms.range.start, end: terms.range.end },
    seller: terms.seller,
    buyer: terms.buyer,
    pricePerTonne: terms.pricePerTonne,
    currency: terms.currency,
    expiresAtMs: terms.expiresAtMs,
    discloseSeller: terms.discloseSeller,
    discloseBuyer: terms.discloseBuyer,
  }
  return hash(concatBytes(domain(DOMAIN_SWAP, chainId), encode(fields)))
}

/**
 * A rating agency (genesis role 'rating') rates a project on its own scale. A later rating by the same agency for
 * the same project supersedes its earlier one; every rating stays in the project's history.
 */
export interface ProjectRateBody {
  registry: RegistryCode
  projectId: string
  /** The agency's rating scale, e.g. "BeZero Carbon Rating (AAA-D)". */
  scale: string
  /** The grade on that scale, e.g. "A". */
  grade: string
  /** The date of the rating, YYYY-MM-DD (not after the block's UTC date). */
  ratedOn: string
  /** Where the rating report is published (a URI: https://..., ipfs://...). */
  reportUri: string
}

/**
 * A verifier (genesis role 'verifier') attests digital MRV data of a project for a monitoring period: the
 * measured reductions or removals in whole tonnes of CO2e, and the sha256 of the data set with where to get it.
 */
export interface ProjectAttestBody {
  registry: RegistryCode
  projectId: string
  /** First and last day of the monitoring period, YYYY-MM-DD, inclusive; the end not after the block's UTC date. */
  periodStart: string
  periodEnd: string
  /** Measured quantity in whole tonnes of CO2e (an integer from 0). */
  measuredTonnes: number
  /** sha256 of the MRV data set as 64 lowercase hex characters. */
  dataHash: string
  /** Where the data set is published (a URI). */
  dataUri: string
}

/**
 * credit.retire with the beneficiary kept private: only `beneficiaryCommitment` (client/commitments.ts:
 * sha256 of a domain prefix, a 32-byte random salt and the beneficiary's name) is stored on the retirement event;
 * whoever knows the name and the salt can later prove it.
 */
export interface CreditRetirePrivateBody extends CreditSelection {
  /** 64 lowercase hex characters: commitBeneficiary(name).commitment. */
  beneficiaryCommitment: string
  purpose: string
  reason: string
  retiredOn: string
}

// Portability between registries (node/ledger/record-of.ts). Every serial of a batch has one registry of record:
// the registry that acts on it as "the registry" (cancels, immobilises, ports it). It is the issuing (or importing)
// registry until a credit.port moves a range to another registry on the ledger, which both registries sign.

/** What the receiving registry signs for a port (portSignBytes): which serials move, from whom, to whom, until when. */
export interface PortTerms {
  batchId: string
  /** The serials that move, inclusive; every unit must be active. Holders and serials do not change. */
  range: SerialRange
  /** The current registry of record of every serial of the range: the sender's registry. */
  fromRegistry: RegistryCode
  /** The registry that becomes registry of record. */
  toRegistry: RegistryCode
  /** The receiving registry's account that signs the terms (a genesis account with role registry of toRegistry). */
  toSigner: AccountId
  /** The port is valid in blocks up to this time. */
  expiresAtMs: number
  reason: string
}

/**
 * A move of registry of record, sent by an account of the current registry of record (fromRegistry) with the
 * receiving registry's signature over the same terms inside. Settles at most once, only until its expiry.
 */
export interface CreditPortBody extends PortTerms {
  toSignature: Uint8Array
}

/** The bytes a receiving registry signs for a port: a domain-separated hash of the chain id and the encoded terms. */
export function portSignBytes(chainId: string, terms: PortTerms): Uint8Array {
  const fields = {
    batchId: terms.batchId,
    range: { start: terms.range.start, end: terms.range.end },
    fromRegistry: terms.fromRegistry,
    toRegistry: terms.toRegistry,
    toSigner: terms.toSigner,
    expiresAtMs: terms.expiresAtMs,
    reason: terms.reason,
  }
  return hash(concatBytes(domain(DOMAIN_PORT, chainId), encode(fields)))
}

/**
 * A registry (`registry`, the sender's) records credits it took over from a registry that is not on the ledger
 * (`origin`), keeping the origin's numbering space, serials and attributes; the importing registry becomes their
 * registry of record. The project must be registered under the importing registry. Rejected (IMPORT_OVERLAP) when
 * any serial of the range was already issued or imported in that space, by anyone.
 */
export interface BatchImportBody extends Omit<BatchIssueBody, 'space'> {
  /** The origin registry's code: 2 to 16 uppercase letters (e.g. VCS, PURO); no registry account of it on the ledger. */
  origin: string
  /** The origin's numbering space: `${origin}` or `${origin}/<segment>`. */
  space: string
}

// Financing: offtake / prepayment (node/ledger/offtakes.ts). Money is integer minor units, quantities whole tonnes.

/**
 * What a financier and a project developer agree (offtakeSignBytes): the developer delivers `quantity` tonnes from
 * the next batches the registry issues to it for (registry, projectId), by `dueAtMs` (a block time), at
 * `pricePerTonne` minor units of `currency`; the financier pays `prepaid` (at most quantity x pricePerTonne) at once
 * and the rest as tonnes are delivered, out of an escrow funded at agreement. The terms may be agreed in blocks up
 * to `expiresAtMs`.
 */
export interface OfftakeTerms {
  financier: AccountId
  developer: AccountId
  registry: RegistryCode
  projectId: string
  quantity: number
  pricePerTonne: number
  currency: string
  prepaid: number
  dueAtMs: number
  expiresAtMs: number
}

/**
 * An offtake agreement signed by both parties: the financier sends it (and signs the transaction), the developer's
 * ed25519 signature over offtakeSignBytes(chainId, terms) travels inside. The agreement's id is the hex of those sign
 * bytes; the same terms are agreed at most once.
 */
export interface OfftakeAgreeBody extends OfftakeTerms {
  developerSignature: Uint8Array
}

/** The bytes a developer signs for an offtake agreement: a domain-separated hash of the chain id and the terms. */
export function offtakeSignBytes(chainId: string, terms: OfftakeTerms): Uint8Array {
  const fields = {
    financier: terms.financier,
    developer: terms.developer,
    registry: terms.registry,
    projectId: terms.projectId,
    quantity: terms.quantity,
    pricePerTonne: terms.pricePerTonne,
    currency: terms.currency,
    prepaid: terms.prepaid,
    dueAtMs: terms.dueAtMs,
    expiresAtMs: terms.expiresAtMs,
  }
  return hash(concatBytes(domain(DOMAIN_OFFTAKE, chainId), encode(fields)))
}

/**
 * Both parties end an open offtake agreement before its due date: the financier sends it, the developer's signature
 * over offtakeCancelSignBytes(chainId, { offtakeId, refund }) travels inside. The escrow returns to the financier
 * and the developer pays back `refund` (minor units, 0 for none: whatever the two agreed, e.g. the prepayment not
 * covered by deliveries).
 */
export interface OfftakeCancelBody {
  offtakeId: string
  refund: number
  developerSignature: Uint8Array
}

/** The bytes a developer signs to cancel an offtake agreement, with the refund it pays. */
export function offtakeCancelSignBytes(chainId: string, cancel: Pick<OfftakeCancelBody, 'offtakeId' | 'refund'>): Uint8Array {
  return hash(concatBytes(domain(DOMAIN_OFFTAKE_CANCEL, chainId), encode({ offtakeId: cancel.offtakeId, refund: cancel.refund })))
}

// Fractions (node/ledger/fractions.ts). A fractionalised serial is divided into FRACTION_PARTS_PER_TONNE parts: one
// part is one gram of CO2e, so a kilogram is exactly 1_000 parts (registries that count in kilograms are held
// exactly). Integers only; client/amounts.ts parses and formats decimal tonnes and kilograms without floats.
export const FRACTION_PARTS_PER_TONNE = 1_000_000

/** The holder turns whole active units of a batch (a quantity, lowest serials first, or a range) into parts it holds. */
export interface CreditFractionaliseBody extends CreditSelection {}

/**
 * The sender moves `parts` of one batch's fractions it holds to `to`: its lowest serials first, from `fromSerial` on
 * (0: from its lowest).
 */
export interface FractionTransferBody {
  batchId: string
  parts: number
  fromSerial: number
  to: AccountId
}

/** The sender retires `parts` of one batch's fractions (selected as fraction.transfer does) for a beneficiary. */
export interface FractionRetireBody {
  batchId: string
  parts: number
  fromSerial: number
  beneficiary: string
  purpose: string
  reason: string
  retiredOn: string
}

/**
 * An account that holds all FRACTION_PARTS_PER_TONNE parts of serials gets them back as whole units, active, owned
 * by it: a quantity (its lowest fully held serials of the batch) or a range (every serial of it fully held).
 */
export interface CreditRecombineBody extends CreditSelection {}

// Composite assets (node/ledger/composites.ts).
/** What every component of a composite class must share; an empty list or 0 means any. */
export interface CompositeRules {
  /** Only removals: a batch labelled 'Verified Removal' (ACR) or of a project whose 'Reduction/Removal' attribute is 'Removal' (CAR). */
  removalOnly: boolean
  /** The batch's vintage (the year of vintageStart) must be this year or later; 0 for any. */
  vintageFrom: number
  /** The project's methodology must be one of these (exactly as registered); [] for any. */
  methodologies: string[]
  /** The project's country must be one of these (exactly as registered); [] for any. */
  countries: string[]
}

/** Defines a composite class under an id of the definer's choosing (unique ledger-wide). */
export interface CompositeDefineBody {
  classId: string
  name: string
  rules: CompositeRules
}

/** Fractions of one batch to deposit: `parts` of the sender's, lowest serials first from `fromSerial` (0: its lowest). */
export interface CompositeDeposit {
  batchId: string
  parts: number
  fromSerial: number
}

/**
 * The sender deposits fractions of batches that meet the class's rules, summing to k * FRACTION_PARTS_PER_TONNE parts:
 * they move into the class's custody and k composite units, each made of components summing to one tonne, are minted
 * to the sender.
 */
export interface CompositeMintBody {
  classId: string
  deposits: CompositeDeposit[]
}

/** Composite units of a class: a quantity (the sender's lowest-numbered units first) or explicit unit numbers; exactly one. */
export interface CompositeSelection {
  classId: string
  quantity: number
  units: number[]
}

export interface CompositeTransferBody extends CompositeSelection {
  to: AccountId
}

/** The units are dissolved: their components' parts go from the class's custody to the sender. */
export interface CompositeRedeemBody extends CompositeSelection {}

/** The units are retired: their components' parts are retired (the retirement lists them). */
export interface CompositeRetireBody extends CompositeSelection {
  beneficiary: string
  purpose: string
  reason: string
  retiredOn: string
}

export interface TxBodies {
  'project.register': ProjectRegisterBody
  'batch.issue': BatchIssueBody
  'credit.transfer': CreditTransferBody
  'credit.retire': CreditRetireBody
  'credit.cancel': CreditCancelBody
  'credit.lock': CreditLockBody
  'credit.release': CreditReleaseBody
  'credit.seize': CreditSeizeBody
  'credit.immobilise': CreditImmobiliseBody
  'credit.mobilise': CreditMobiliseBody
  // Cash
  'cash.mint': CashMintBody
  'cash.burn': CashBurnBody
  'cash.transfer': CashTransferBody
  'trade.offer': TradeOfferBody
  'trade.accept': TradeAcceptBody
  'trade.cancel': TradeCancelBody
  'trade.swap': TradeSwapBody
  'project.rate': ProjectRateBody
  'project.attest': ProjectAttestBody
  'credit.retire-private': CreditRetirePrivateBody
  'credit.port': CreditPortBody
  'batch.import': BatchImportBody
  'offtake.agree': OfftakeAgreeBody
  'offtake.cancel': OfftakeCancelBody
  'credit.fractionalise': CreditFractionaliseBody
  'fraction.transfer': FractionTransferBody
  'fraction.retire': FractionRetireBody
  'credit.recombine': CreditRecombineBody
  'composite.define': CompositeDefineBody
  'composite.mint': CompositeMintBody
  'composite.transfer': CompositeTransferBody
  'composite.redeem': CompositeRedeemBody
  'composite.retire': CompositeRetireBody
}

export interface Tx<K extends TxKind = TxKind> {
  chainId: string
  kind: K
  /** ed25519 public key of the sender (32 bytes). */
  sender: Uint8Array
  /** Per-sender sequence number: the first transaction of an account has nonce 0. */
  nonce: number
  body: TxBodies[K]
}

/** What travels: the exact encoded transaction bytes and the signature over txSignBytes(chainId, txBytes). */
export interface SignedTx {
  txBytes: Uint8Array
  signature: Uint8Array
}

export function encodeTx(tx: Tx): Uint8Array {
  // Field order is fixed here; the author encodes once and these bytes are what is signed.
  return encode({ chainId: tx.chainId, kind: tx.kind, sender: tx.sender, nonce: tx.nonce, body: tx.body })
}

export function txSignBytes(chainId: string, txBytes: Uint8Array): Uint8Array {
  return hash(concatBytes(domain(DOMAIN_TX, chainId), txBytes))
}

/** The transaction id: sha256 of the signed transaction bytes, as hex. */
export function txId(txBytes: Uint8Array): string {
  return hashHex(txBytes)
}

export function encodeSignedTx(signed: SignedTx): Uint8Array {
  return encode([signed.txBytes, signed.signature])
}

export class WireError extends Error {
  override readonly name = 'WireError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length)
}

/** Splits signed-transaction bytes into txBytes and signature. Structure only; see decodeTx for the body. */
export function decodeSignedTx(bytes: Uint8Array): SignedTx {
  if (bytes.length > TX_BYTES_MAX + 128) throw new WireError('TX_TOO_LARGE', `transaction is ${bytes.length} bytes, more than ${TX_BYTES_MAX}`)
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 2) throw new WireError('MALFORMED_TX', 'a signed transaction is a msgpack array [txBytes, signature]')
  const [txBytes, signature] = value as unknown[]
  if (!isBytes(txBytes)) throw new WireError('MALFORMED_TX', 'txBytes must be binary')
  if (!isBytes(signature, 64)) throw new WireError('MALFORMED_TX', 'signature must be 64 bytes')
  if (txBytes.length > TX_BYTES_MAX) throw new WireError('TX_TOO_LARGE', `transaction is ${txBytes.length} bytes, more than ${TX_BYTES_MAX}`)
  return { txBytes: new Uint8Array(txBytes), signature: new Uint8Array(signature) }
}

/**
 * Decodes the envelope of a transaction (chain id, kind, sender, nonce) and returns the body as decoded,
 * unvalidated. Body validation is the ledger's job (node/ledger/validate.ts) so that its rejection is a
 * recorded result code.
 */
export function decodeTx(txBytes: Uint8Array): Tx {
  const value = decode(txBytes)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new WireError('MALFORMED_TX', 'a transaction is a msgpack map')
  const record = value as Record<string, unknown>
  const { chainId, kind, sender, nonce, body } = record
  if (typeof chainId !== 'string' || chainId.length === 0 || chainId.length > CHAIN_ID_LENGTH_MAX) throw new WireError('MALFORMED_TX', 'chainId must be a non-empty string')
  if (typeof kind !== 'string' || !(TX_KINDS as readonly string[]).includes(kind)) throw new WireError('UNKNOWN_KIND', `unknown transaction kind ${typeof kind === 'string' ? JSON.stringify(kind).slice(0, 80) : `of type ${typeof kind}`}`)
  if (!isBytes(sender, 32)) throw new WireError('MALFORMED_TX', 'sender must be a 32-byte ed25519 public key')
  if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) throw new WireError('MALFORMED_TX', 'nonce must be a non-negative integer')
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new WireError('MALFORMED_TX', 'body must be a map')
  // The body is any plain msgpack value (maps, arrays, strings, numbers, booleans, nil, binary), nested at most
  // BODY_NESTING_DEPTH_MAX deep: no extension types (bigint, timestamps, typed arrays...), which do not re-encode
  // to the same value and which JSON cannot render, and no nesting deep enough to exhaust a stack rendering it.
  const BODY_NESTING_DEPTH_MAX = 16
  const pending: [unknown, number][] = [[body, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [entry, depth] = next
    if (entry === null || typeof entry === 'string' || typeof entry === 'boolean' || typeof entry === 'number' || (entry instanceof Uint8Array && entry.constructor === Uint8Array)) continue
    const plain = Array.isArray(entry) || (typeof entry === 'object' && (Object.getPrototypeOf(entry) === Object.prototype || Object.getPrototypeOf(entry) === null))
    if (!plain) throw new WireError('MALFORMED_TX', `body holds a value of type ${entry instanceof Object ? entry.constructor.name : typeof entry}, which is not a plain msgpack value`)
    if (depth > BODY_NESTING_DEPTH_MAX) throw new WireError('MALFORMED_TX', `body is nested more than ${BODY_NESTING_DEPTH_MAX} deep`)
    for (const child of Object.values(entry as object)) pending.push([child, depth + 1])
  }
  return { chainId, kind: kind as TxKind, sender: new Uint8Array(sender), nonce, body: body as TxBodies[TxKind] }
}

// ---------------------------------------------------------------------------------------------------------
// Transaction results: stable codes a client can act on. Never renumber; only append.
export const RESULT_CODES = {
  OK: 0,
  BAD_NONCE: 1,
  WRONG_CHAIN: 2,
  BAD_SIGNATURE: 3,
  MALFORMED_TX: 4,
  INVALID_BODY: 5,
  WRONG_ROLE: 6,
  WRONG_REGISTRY: 7,
  UNKNOWN_PROJECT: 8,
  PROJECT_EXISTS: 9,
  SERIAL_OVERLAP: 10,
  UNKNOWN_BATCH: 11,
  INSUFFICIENT_HOLDING: 12,
  RETIRED_UNIT: 13,
  CANCELLED_UNIT: 14,
  INVALID_RANGE: 15,
  SELF_TRANSFER: 16,
  DUPLICATE_TX: 17,
  /** The units are locked (collateral, an offer's reservation, or immobilised by their registry). */
  LOCKED_UNIT: 18,
  UNKNOWN_LOCK: 19,
  /** Only the lock's secured party (or, for an immobilisation, its registry) may release or seize it. */
  NOT_LOCK_PARTY: 20,
  /** A lock's expiry must be after the block time and at most LOCK_DURATION_MS_MAX ahead. */
  INVALID_EXPIRY: 21,
  /** The sender holds less cash of that currency than the transaction moves or burns. */
  INSUFFICIENT_FUNDS: 22,
  /** Minting would take a currency's supply or an account's balance above Number.MAX_SAFE_INTEGER minor units. */
  SUPPLY_OVERFLOW: 23,
  /** No live offer with that id (never made, accepted, cancelled or expired). */
  UNKNOWN_OFFER: 24,
  /** The offer is for another buyer, or only its seller may cancel it. */
  NOT_OFFER_PARTY: 25,
  /**
   * The counterparty's signature inside a co-signed transaction does not verify for its terms on this chain (a swap's
   * seller; a port's receiving registry), or, for a port, its signer is not an account of the receiving registry.
   */
  BAD_COUNTERSIGNATURE: 26,
  /** A swap past its expiry, or already settled. */
  SWAP_NOT_VALID: 27,
  /** quantity x pricePerTonne is above Number.MAX_SAFE_INTEGER minor units. */
  NOTIONAL_OVERFLOW: 28,
  /** A date of the body (a rating's ratedOn, an attestation's periodEnd) is after the block's UTC date. */
  FUTURE_DATE: 29,
  /** The agency's current rating of the project is dated later than this one (ratedOn must not go back). */
  STALE_RATING: 30,
  /** The verifier already attested a data set with this dataHash for the project. */
  DUPLICATE_ATTESTATION: 31,
  /** The unit is fractionalised: no whole-unit rule moves it (fraction.* move its parts; credit.recombine restores it). */
  FRACTIONALISED_UNIT: 32,
  /** The sender holds fewer parts of the batch's fractions (from the given serial on) than the transaction moves. */
  INSUFFICIENT_FRACTIONS: 33,
  /** credit.recombine: the sender does not hold all FRACTION_PARTS_PER_TONNE parts of a serial (or it is not fractionalised). */
  INCOMPLETE_FRACTIONS: 34,
  /** More units, serials, deposits or components in one transaction than the named per-transaction limit. */
  FRACTION_LIMIT: 35,
  /** A composite class with that id is already defined. */
  COMPOSITE_EXISTS: 36,
  /** No composite class with that id. */
  UNKNOWN_COMPOSITE: 37,
  /** A deposited batch does not meet the composite class's rules (removal, vintage, methodology, country). */
  INELIGIBLE_COMPONENT: 38,
  /** The deposits of a composite.mint do not sum to a whole number of tonnes (k * FRACTION_PARTS_PER_TONNE parts, k >= 1). */
  NOT_WHOLE_TONNES: 39,
  /** No live (not redeemed, not retired) composite unit with that number in the class. */
  UNKNOWN_COMPOSITE_UNIT: 40,
  /** The composite unit is not the sender's, or the sender holds fewer units of the class than the quantity. */
  NOT_UNIT_HOLDER: 41,
  /** Offtake terms past their expiresAtMs, or already agreed (the same signed terms agree at most once). */
  OFFTAKE_NOT_VALID: 42,
  /** The prepaid amount is more than quantity x pricePerTonne. */
  PREPAID_EXCEEDS_PRICE: 43,
  /** The sender is not the party the transaction needs (the financier of the terms or of the agreement). */
  NOT_OFFTAKE_PARTY: 44,
  /** No offtake agreement with that id. */
  UNKNOWN_OFFTAKE: 45,
  /** The offtake agreement is no longer open (delivered, defaulted or cancelled). */
  OFFTAKE_CLOSED: 46,
  /**
   * The sender's registry issued, imported or is of record for some of the batch, but some unit concerned is recorded
   * at another registry (its registry of record), which alone may cancel, immobilise or port it.
   */
  NOT_REGISTRY_OF_RECORD: 47,
  /** A port to the registry that is already the registry of record. */
  SAME_REGISTRY: 48,
  /** A port past its expiry, or already settled. */
  PORT_NOT_VALID: 49,
  /** An import of serials already issued or imported in that numbering space (by anyone). */
  IMPORT_OVERLAP: 50,
  /** An import from a registry that has an account on this ledger: its credits move by credit.port instead. */
  ORIGIN_ON_LEDGER: 51,
  /** An acceptance asks for more units than the offer still has. */
  OFFER_QUANTITY_EXCEEDED: 52,
  /** composite.define of a class whose custody account already holds credits, parts or units (sent before the class existed). */
  CUSTODY_NOT_EMPTY: 53,
} as const
export type ResultName = keyof typeof RESULT_CODES

export interface TxResult {
  code: number
  name: ResultName
  message: string
}

// ---------------------------------------------------------------------------------------------------------
// Blocks.
export interface BlockHeader {
  chainId: string
  height: number
  /** Block time in milliseconds since the epoch, chosen by the proposer; the only time the ledger sees. */
  timeMs: number
  previousBlockHash: Uint8Array
  /** sha256 over the concatenated sha256 of each signed transaction (bytes and signature). */
  txsHash: Uint8Array
  /** App hash after applying this block's transactions: sha256(previous app hash || this block's state changes). */
  appHash: Uint8Array
  /** Consensus public key of the proposer. */
  proposer: Uint8Array
  /** evidenceHashOf(block.evidence): sha256 over the concatenated evidence ids, so the block hash covers them. */
  evidenceHash: Uint8Array
}

export interface Block {
  header: BlockHeader
  /** Signed transactions, as encodeSignedTx bytes. */
  txs: Uint8Array[]
  /** Evidence of equivocation committed by this block, in block order (encoded with encodeEvidence). */
  evidence: Evidence[]
}

export function encodeBlockHeader(header: BlockHeader): Uint8Array {
  return encode([header.chainId, header.height, header.timeMs, header.previousBlockHash, header.txsHash, header.appHash, header.proposer, header.evidenceHash])
}

export function blockHash(header: BlockHeader): Uint8Array {
  return hash(encodeBlockHeader(header))
}

export function encodeBlock(block: Block): Uint8Array {
  return encode([encodeBlockHeader(block.header), block.txs, block.evidence.map(encodeEvidence)])
}

/** Commits to every byte of every transaction, signatures included, so a relay cannot alter a block unnoticed. */
export function txsHash(txs: Uint8Array[]): Uint8Array {
  return hash(concatBytes(...txs.map((signed) => hash(signed))))
}

export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 8) throw new WireError('MALFORMED_BLOCK', 'a block header is an array of 8 fields')
  const [chainId, height, timeMs, previousBlockHash, txsHashValue, appHash, proposer, evidenceHashValue] = value as unknown[]
  if (typeof chainId !== 'string') throw new WireError('MALFORMED_BLOCK', 'header chainId must be a string')
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1) throw new WireError('MALFORMED_BLOCK', 'header height must be a positive integer')
  if (typeof timeMs !== 'number' || !Number.isSafeInteger(timeMs) || timeMs < 0) throw new WireError('MALFORMED_BLOCK', 'header timeMs must be a non-negative integer')
  if (!isBytes(previousBlockHash, 32) || !isBytes(txsHashValue, 32) || !isBytes(appHash, 32)) throw new WireError('MALFORMED_BLOCK', 'header hashes must be 32 bytes')
  if (!isBytes(proposer, 32)) throw new WireError('MALFORMED_BLOCK', 'header proposer must be a 32-byte key')
  if (!isBytes(evidenceHashValue, 32)) throw new WireError('MALFORMED_BLOCK', 'header evidence hash must be 32 bytes')
  return {
    chainId,
    height,
    timeMs,
    previousBlockHash: new Uint8Array(previousBlockHash),
    txsHash: new Uint8Array(txsHashValue),
    appHash: new Uint8Array(appHash),
    proposer: new Uint8Array(proposer),
    evidenceHash: new Uint8Array(evidenceHashValue),
  }
}

export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > BLOCK_BYTES_MAX) throw new WireError('BLOCK_TOO_LARGE', `block is ${bytes.length} bytes, more than ${BLOCK_BYTES_MAX}`)
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 3) throw new WireError('MALFORMED_BLOCK', 'a block is an array [header, txs, evidence]')
  const [headerBytes, txs, evidence] = value as unknown[]
  if (!isBytes(headerBytes)) throw new WireError('MALFORMED_BLOCK', 'block header must be binary')
  if (!Array.isArray(txs) || txs.length > BLOCK_TXS_MAX) throw new WireError('MALFORMED_BLOCK', `block txs must be an array of at most ${BLOCK_TXS_MAX}`)
  for (const tx of txs) if (!isBytes(tx)) throw new WireError('MALFORMED_BLOCK', 'each block tx must be binary')
  if (!Array.isArray(evidence) || evidence.length > BLOCK_EVIDENCE_MAX) throw new WireError('MALFORMED_BLOCK', `block evidence must be an array of at most ${BLOCK_EVIDENCE_MAX}`)
  const items = evidence.map((item: unknown, index) => {
    if (!isBytes(item)) throw new WireError('MALFORMED_BLOCK', 'each block evidence item must be binary')
    try {
      return decodeEvidence(item)
    } catch (error) {
      throw new WireError('MALFORMED_BLOCK', `evidence ${index}: ${(error as Error).message}`)
    }
  })
  let header: BlockHeader
  try {
    header = decodeBlockHeader(headerBytes)
  } catch (error) {
    // The outer bytes were msgpack; a header that is not is a malformed block, reported as such.
    if (error instanceof DecodeError) throw new WireError('MALFORMED_BLOCK', `block header: ${error.message}`)
    throw error
  }
  return { header, txs: (txs as Uint8Array[]).map((tx) => new Uint8Array(tx)), evidence: items }
}

export const ZERO_HASH = new Uint8Array(32)

// ---------------------------------------------------------------------------------------------------------
// Consensus messages.
export type VoteType = 'prevote' | 'precommit'

export interface Vote {
  type: VoteType
  height: number
  round: number
  /** Block hash voted for, or null for nil. */
  blockHash: Uint8Array | null
  /** Index of the validator in the genesis order. */
  validatorIndex: number
  signature: Uint8Array
}

export function voteSignBytes(chainId: string, vote: Omit<Vote, 'signature' | 'validatorIndex'>): Uint8Array {
  const typeByte = new Uint8Array([vote.type === 'prevote' ? 1 : 2])
  const value = vote.blockHash === null ? new Uint8Array([0]) : concatBytes(new Uint8Array([1]), vote.blockHash)
  return hash(concatBytes(domain(DOMAIN_VOTE, chainId), typeByte, u64(vote.height), u32(vote.round), value))
}

export interface Proposal {
  height: number
  round: number
  /** Round of the proof-of-lock the proposer re-proposes with, or -1. */
  polRound: number
  blockHash: Uint8Array
  validatorIndex: number
  signature: Uint8Array
}

export function proposalSignBytes(chainId: string, proposal: Omit<Proposal, 'signature' | 'validatorIndex'>): Uint8Array {
  return hash(
    concatBytes(domain(DOMAIN_PROPOSAL, chainId), u64(proposal.height), u32(proposal.round), u32(proposal.polRound + 1), proposal.blockHash),
  )
}

/** 2f+1 precommits for one block at one height and round, stored with the block. */
export interface CommitCertificate {
  height: number
  round: number
  blockHash: Uint8Array
  signatures: { validatorIndex: number; signature: Uint8Array }[]
}

export function encodeCertificate(certificate: CommitCertificate): Uint8Array {
  return encode([
    certificate.height,
    certificate.round,
    certificate.blockHash,
    certificate.signatures.map((entry) => [entry.validatorIndex, entry.signature]),
  ])
}

export function decodeCertificate(bytes: Uint8Array): CommitCertificate {
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 4) throw new WireError('MALFORMED_CERTIFICATE', 'a certificate is an array of 4 fields')
  const [height, round, hashValue, signatures] = value as unknown[]
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1) throw new WireError('MALFORMED_CERTIFICATE', 'certificate height must be a positive integer')
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0 || round > U32_MAX) throw new WireError('MALFORMED_CERTIFICATE', 'certificate round must be a non-negative u32')
  if (!isBytes(hashValue, 32)) throw new WireError('MALFORMED_CERTIFICATE', 'certificate block hash must be 32 bytes')
  if (!Array.isArray(signatures) || signatures.length > 1_000) throw new WireError('MALFORMED_CERTIFICATE', 'certificate signatures must be an array')
  const entries = signatures.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new WireError('MALFORMED_CERTIFICATE', 'a certificate signature is [validatorIndex, signature]')
    const [validatorIndex, signature] = entry as unknown[]
    if (typeof validatorIndex !== 'number' || !Number.isSafeInteger(validatorIndex) || validatorIndex < 0) throw new WireError('MALFORMED_CERTIFICATE', 'bad validator index')
    if (!isBytes(signature, 64)) throw new WireError('MALFORMED_CERTIFICATE', 'certificate signature must be 64 bytes')
    return { validatorIndex, signature: new Uint8Array(signature) }
  })
  return { height, round, blockHash: new Uint8Array(hashValue), signatures: entries }
}

/** Messages on the consensus gossip topic. */
export type ConsensusMessage =
  | { type: 'proposal'; proposal: Proposal; block: Uint8Array }
  | { type: 'vote'; vote: Vote }

export function encodeConsensusMessage(message: ConsensusMessage): Uint8Array {
  if (message.type === 'proposal') {
    const p = message.proposal
    return encode(['proposal', p.height, p.round, p.polRound, p.blockHash, p.validatorIndex, p.signature, message.block])
  }
  const v = message.vote
  return encode(['vote', v.type, v.height, v.round, v.blockHash, v.validatorIndex, v.signature])
}

function nonNegativeInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new WireError('MALFORMED_MESSAGE', `${what} must be a non-negative integer`)
  return value
}

function u32Int(value: unknown, what: string): number {
  const int = nonNegativeInt(value, what)
  if (int > U32_MAX) throw new WireError('MALFORMED_MESSAGE', `${what} must fit in a u32`)
  return int
}

export function decodeConsensusMessage(bytes: Uint8Array): ConsensusMessage {
  const value = decode(bytes)
  if (!Array.isArray(value)) throw new WireError('MALFORMED_MESSAGE', 'a consensus message is an array')
  const fields = value as unknown[]
  if (fields[0] === 'proposal' && fields.length === 8) {
    const [, height, round, polRound, hashValue, validatorIndex, signature, block] = fields
    if (typeof polRound !== 'number' || !Number.isSafeInteger(polRound) || polRound < -1 || polRound >= U32_MAX) throw new WireError('MALFORMED_MESSAGE', 'polRound must be an integer >= -1 and < 2^32-1')
    if (!isBytes(hashValue, 32) || !isBytes(signature, 64) || !isBytes(block)) throw new WireError('MALFORMED_MESSAGE', 'proposal has malformed binary fields')
    return {
      type: 'proposal',
      proposal: {
        height: nonNegativeInt(height, 'height'),
        round: u32Int(round, 'round'),
        polRound,
        blockHash: new Uint8Array(hashValue),
        validatorIndex: nonNegativeInt(validatorIndex, 'validatorIndex'),
        signature: new Uint8Array(signature),
      },
      block: new Uint8Array(block),
    }
  }
  if (fields[0] === 'vote' && fields.length === 7) {
    const [, type, height, round, hashValue, validatorIndex, signature] = fields
    if (type !== 'prevote' && type !== 'precommit') throw new WireError('MALFORMED_MESSAGE', 'vote type must be prevote or precommit')
    if (!(hashValue === null || isBytes(hashValue, 32)) || !isBytes(signature, 64)) throw new WireError('MALFORMED_MESSAGE', 'vote has malformed binary fields')
    return {
      type: 'vote',
      vote: {
        type,
        height: nonNegativeInt(height, 'height'),
        round: u32Int(round, 'round'),
        blockHash: hashValue === null ? null : new Uint8Array(hashValue),
        validatorIndex: nonNegativeInt(validatorIndex, 'validatorIndex'),
        signature: new Uint8Array(signature),
      },
    }
  }
  throw new WireError('MALFORMED_MESSAGE', 'unknown consensus message')
}

// ---------------------------------------------------------------------------------------------------------
// Evidence of equivocation: two conflicting messages signed by one validator for the same slot. Self-contained:
// anyone holding the genesis validator keys can check it with voteSignBytes / proposalSignBytes. For votes both
// full signed votes; for proposals both signed proposal headers (not the blocks).
//
// Canonical encoding: [kind, messageA, messageB] where each message is its field array and A's msgpack bytes sort
// strictly before B's, so the evidence of (A, B) and of (B, A) is the same bytes and the same id. Only that exact
// encoding decodes (decodeEvidence re-encodes and compares), so bytes and evidence correspond one to one.
export const EVIDENCE_KINDS = ['duplicateVote', 'duplicateProposal'] as const
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number]

export type Evidence = { kind: 'duplicateVote'; first: Vote; second: Vote } | { kind: 'duplicateProposal'; first: Proposal; second: Proposal }

function voteFields(vote: Vote): unknown[] {
  return [vote.type, vote.height, vote.round, vote.blockHash, vote.validatorIndex, vote.signature]
}

function proposalFields(proposal: Proposal): unknown[] {
  return [proposal.height, proposal.round, proposal.polRound, proposal.blockHash, proposal.validatorIndex, proposal.signature]
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index += 1) {
    const difference = (a[index] as number) - (b[index] as number)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

/** The same evidence with its two messages in canonical order (by the msgpack bytes of their fields). */
export function canonicalEvidence(evidence: Evidence): Evidence {
  if (evidence.kind === 'duplicateVote') {
    const swap = compareBytes(encode(voteFields(evidence.first)), encode(voteFields(evidence.second))) > 0
    return swap ? { kind: evidence.kind, first: evidence.second, second: evidence.first } : evidence
  }
  const swap = compareBytes(encode(proposalFields(evidence.first)), encode(proposalFields(evidence.second))) > 0
  return swap ? { kind: evidence.kind, first: evidence.second, second: evidence.first } : evidence
}

/** Canonical bytes of an evidence item (message order does not matter). */
export function encodeEvidence(evidence: Evidence): Uint8Array {
  const canonical = canonicalEvidence(evidence)
  if (canonical.kind === 'duplicateVote') return encode([canonical.kind, voteFields(canonical.first), voteFields(canonical.second)])
  return encode([canonical.kind, proposalFields(canonical.first), proposalFields(canonical.second)])
}

/** The evidence id: sha256 of its canonical encoding, as hex. */
export function evidenceId(evidence: Evidence): string {
  return hashHex(encodeEvidence(evidence))
}

/** Commits to every evidence item of a block: sha256 over the concatenated sha256 of each canonical encoding. */
export function evidenceHashOf(evidence: Evidence[]): Uint8Array {
  return hash(concatBytes(...evidence.map((item) => hash(encodeEvidence(item)))))
}

function evidenceInt(value: unknown, what: string, minimum: number, maximum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) throw new WireError('MALFORMED_EVIDENCE', `${what} must be an integer from ${minimum} to ${maximum}`)
  return value
}

function decodeEvidenceVote(value: unknown): Vote {
  if (!Array.isArray(value) || value.length !== 6) throw new WireError('MALFORMED_EVIDENCE', 'an evidence vote is [type, height, round, blockHash, validatorIndex, signature]')
  const [type, height, round, hashValue, validatorIndex, signature] = value as unknown[]
  if (type !== 'prevote' && type !== 'precommit') throw new WireError('MALFORMED_EVIDENCE', 'vote type must be prevote or precommit')
  if (!(hashValue === null || isBytes(hashValue, 32))) throw new WireError('MALFORMED_EVIDENCE', 'vote block hash must be 32 bytes or nil')
  if (!isBytes(signature, 64)) throw new WireError('MALFORMED_EVIDENCE', 'vote signature must be 64 bytes')
  return {
    type,
    height: evidenceInt(height, 'height', 1, Number.MAX_SAFE_INTEGER),
    round: evidenceInt(round, 'round', 0, U32_MAX),
    blockHash: hashValue === null ? null : new Uint8Array(hashValue),
    validatorIndex: evidenceInt(validatorIndex, 'validatorIndex', 0, U32_MAX),
    signature: new Uint8Array(signature),
  }
}

function decodeEvidenceProposal(value: unknown): Proposal {
  if (!Array.isArray(value) || value.length !== 6) throw new WireError('MALFORMED_EVIDENCE', 'an evidence proposal is [height, round, polRound, blockHash, validatorIndex, signature]')
  const [height, round, polRound, hashValue, validatorIndex, signature] = value as unknown[]
  if (!isBytes(hashValue, 32)) throw new WireError('MALFORMED_EVIDENCE', 'proposal block hash must be 32 bytes')
  if (!isBytes(signature, 64)) throw new WireError('MALFORMED_EVIDENCE', 'proposal signature must be 64 bytes')
  return {
    height: evidenceInt(height, 'height', 1, Number.MAX_SAFE_INTEGER),
    round: evidenceInt(round, 'round', 0, U32_MAX),
    polRound: evidenceInt(polRound, 'polRound', -1, U32_MAX - 1),
    blockHash: new Uint8Array(hashValue),
    validatorIndex: evidenceInt(validatorIndex, 'validatorIndex', 0, U32_MAX),
    signature: new Uint8Array(signature),
  }
}

/**
 * Decodes untrusted evidence bytes: structure, field ranges and canonical form (two different messages, in
 * canonical order, encoded exactly as encodeEvidence does). Whether they really conflict and whose signatures they
 * carry is the ledger's rule (node/ledger/evidence.ts). Throws WireError MALFORMED_EVIDENCE.
 */
export function decodeEvidence(bytes: Uint8Array): Evidence {
  if (bytes.length > EVIDENCE_BYTES_MAX) throw new WireError('MALFORMED_EVIDENCE', `evidence is ${bytes.length} bytes, more than ${EVIDENCE_BYTES_MAX}`)
  let value: unknown
  try {
    value = decode(bytes)
  } catch (error) {
    throw new WireError('MALFORMED_EVIDENCE', (error as Error).message)
  }
  if (!Array.isArray(value) || value.length !== 3) throw new WireError('MALFORMED_EVIDENCE', 'evidence is an array [kind, first, second]')
  const [kind, first, second] = value as unknown[]
  let evidence: Evidence
  if (kind === 'duplicateVote') evidence = { kind, first: decodeEvidenceVote(first), second: decodeEvidenceVote(second) }
  else if (kind === 'duplicateProposal') evidence = { kind, first: decodeEvidenceProposal(first), second: decodeEvidenceProposal(second) }
  else throw new WireError('MALFORMED_EVIDENCE', 'evidence kind must be duplicateVote or duplicateProposal')
  const [firstBytes, secondBytes] =
    evidence.kind === 'duplicateVote' ? [encode(voteFields(evidence.first)), encode(voteFields(evidence.second))] : [encode(proposalFields(evidence.first)), encode(proposalFields(evidence.second))]
  if (compareBytes(firstBytes, secondBytes) >= 0) throw new WireError('MALFORMED_EVIDENCE', 'evidence messages must differ and be in canonical order')
  if (compareBytes(encodeEvidence(evidence), bytes) !== 0) throw new WireError('MALFORMED_EVIDENCE', 'evidence is not in its canonical encoding')
  return evidence
}

// ---------------------------------------------------------------------------------------------------------
// Transaction gossip: one message on the tx topic carries several signed transactions, so the per-message costs
// of gossip (framing, encryption, a send per peer, the author's signature and its check) are paid once for many.
/** Signed transactions in one gossip message. */
export const TX_GOSSIP_TXS_MAX = 256
/** Bytes of one gossip message of transactions (room for at least one largest transaction). */
export const TX_GOSSIP_BYTES_MAX = 512 * 1024

/** A gossip message of signed transactions: a msgpack array of their envelope bytes (encodeSignedTx). */
export function encodeTxGossip(signedTxs: Uint8Array[]): Uint8Array {
  return encode(signedTxs)
}

/**
 * How many transactions a gossip message says it carries, read from its msgpack array header alone (before any
 * decoding), so the network can charge a peer per transaction; 1 for anything that is not an array header.
 */
export function txGossipCount(bytes: Uint8Array): number {
  const first = bytes[0]
  if (first === undefined) return 1
  if (first >= 0x90 && first <= 0x9f) return Math.max(1, first & 0x0f)
  if (first === 0xdc && bytes.length >= 3) return Math.max(1, ((bytes[1] as number) << 8) | (bytes[2] as number))
  if (first === 0xdd && bytes.length >= 5) return Math.max(1, (((bytes[1] as number) << 24) >>> 0) + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number)))
  return 1
}

/** The signed transactions of a gossip message; structure only (each is then checked as any submitted one). */
export function decodeTxGossip(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length > TX_GOSSIP_BYTES_MAX) throw new WireError('MALFORMED_MESSAGE', `a transaction gossip message is ${bytes.length} bytes, more than ${TX_GOSSIP_BYTES_MAX}`)
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length === 0 || value.length > TX_GOSSIP_TXS_MAX) throw new WireError('MALFORMED_MESSAGE', `a transaction gossip message is an array of 1 to ${TX_GOSSIP_TXS_MAX} signed transactions`)
  return value.map((entry: unknown) => {
    if (!isBytes(entry)) throw new WireError('MALFORMED_MESSAGE', 'each transaction of a gossip message is binary (signed transaction bytes)')
    return new Uint8Array(entry)
  })
}

// ---------------------------------------------------------------------------------------------------------
// Block sync request/response (protocol /tonne/blocks/1): a node asks for committed blocks from a height.
export const SYNC_BLOCKS_PER_RESPONSE_MAX = 50

export interface SyncRequest {
  fromHeight: number
  count: number
}

export interface SyncResponse {
  /** Height of the responder's latest committed block. */
  latestHeight: number
  blocks: { block: Uint8Array; certificate: Uint8Array }[]
}

export function encodeSyncRequest(request: SyncRequest): Uint8Array {
  return encode([request.fromHeight, request.count])
}

export function decodeSyncRequest(bytes: Uint8Array): SyncRequest {
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 2) throw new WireError('MALFORMED_MESSAGE', 'a sync request is [fromHeight, count]')
  const fromHeight = nonNegativeInt(value[0], 'fromHeight')
  const count = nonNegativeInt(value[1], 'count')
  return { fromHeight, count: Math.min(count, SYNC_BLOCKS_PER_RESPONSE_MAX) }
}

export function encodeSyncResponse(response: SyncResponse): Uint8Array {
  return encode([response.latestHeight, response.blocks.map((entry) => [entry.block, entry.certificate])])
}

export function decodeSyncResponse(bytes: Uint8Array): SyncResponse {
  const value = decode(bytes)
  if (!Array.isArray(value) || value.length !== 2) throw new WireError('MALFORMED_MESSAGE', 'a sync response is [latestHeight, blocks]')
  const latestHeight = nonNegativeInt(value[0], 'latestHeight')
  const blocks = value[1]
  if (!Array.isArray(blocks) || blocks.length > SYNC_BLOCKS_PER_RESPONSE_MAX) throw new WireError('MALFORMED_MESSAGE', 'too many blocks in a sync response')
  return {
    latestHeight,
    blocks: blocks.map((entry: unknown) => {
      if (!Array.isArray(entry) || entry.length !== 2 || !isBytes(entry[0]) || !isBytes(entry[1])) throw new WireError('MALFORMED_MESSAGE', 'a synced block is [block, certificate]')
      return { block: new Uint8Array(entry[0] as Uint8Array), certificate: new Uint8Array(entry[1] as Uint8Array) }
    }),
  }
}

// ---------------------------------------------------------------------------------------------------------
// Genesis.
export interface GenesisValidator {
  name: string
  /** ed25519 consensus public key, hex. */
  publicKey: string
  /** libp2p peer id (base58), from the node's network key. */
  peerId: string
  /** libp2p multiaddr the node listens on, e.g. /ip4/127.0.0.1/tcp/26656 */
  address: string
}

export interface GenesisAccount {
  name: string
  publicKey: AccountId
  role: Role
  /** For role 'registry': the registry code this account may issue for. */
  registry?: RegistryCode
}

export interface Genesis {
  chainId: string
  genesisTimeMs: number
  validators: GenesisValidator[]
  accounts: GenesisAccount[]
}
