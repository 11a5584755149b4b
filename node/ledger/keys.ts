// The ledger's key-value layout: one key prefix per record kind, each listed here with its key shape and the shape
// of its value (Lodestar style). Keys are ASCII strings, so JavaScript string order, the order of a Map-backed
// state and LevelDB's byte order all agree. Values are msgpack (encode/decode from client/wire.ts).
//
// Integers inside keys are zero-padded to SERIAL_DIGITS so that lexicographic order is numeric order.
// Variable-length parts of keys (registry codes, project ids, numbering spaces, batch ids, account ids) come from
// restricted alphabets (see validate.ts: IDENTIFIER_PATTERN, SPACE_PATTERN, ACCOUNT_ID_PATTERN) that never contain
// the character that follows them in a key, so no key of one record can fall inside another record's range read:
// - an identifier or space segment never contains '/' or ':'; a batch id is `${space}:${start}-${end}`, so the
//   '/' that follows a batch id in `holding/<batchId>/...` (and `recordof/<batchId>/...`) cannot occur inside it
//   after its ':';
// - a space is REGISTRY or REGISTRY/segment and never contains ':', so in `space/<space>:<padded>` the ':' ends
//   the space. (With '/' there, the keys of space VCS/1 would sort among those of space VCS, between
//   space/VCS/1000000000000000 and space/VCS/2000000000000000, and the predecessor read of an overlap check in VCS
//   could return a range of VCS/1 and miss a real overlap: test/ledger/batch-issue.test.ts has the case.)
// - an account id is exactly 64 hex characters and a currency code [A-Z0-9]{3,12} (CURRENCY_PATTERN) never
//   contains '/', so `balance/<accountId>/<currency>` keys of one account never fall among another's.
// - fractions: in `fraction/<batchId>/<padded serial>/<account>` the batch id is followed by '/', which it cannot
//   contain after its ':', and the serial is fixed-width; `fractionowner/<account>/<batchId>/<padded serial>` is
//   ordered like owner/. A composite class id is an identifier (IDENTIFIER_PATTERN: no '/' or ':'), so
//   `compositeunit/<classId>/<padded n>` and `compositeowner/<account>/<classId>/<padded n>` ranges of one class
//   never hold another's.
//
// Reserved outside the ledger, in the same state: `tx/<txId>` (transaction results, node/app/execute.ts).
import { decode, encode, type BatchIssueBody, type CompositeRules, type EvidenceKind, type OfftakeTerms, type ProjectRegisterBody, type RegistryCode, type Role, type SerialRange } from '../../client/wire.ts'
import type { StateReader, RangeOptions } from '../state/view.ts'
import { invariant } from './result.ts'

/** Zero-padding width of integers in keys: Number.MAX_SAFE_INTEGER (2^53 - 1) has 16 digits. */
export const SERIAL_DIGITS = 16

export const PREFIX = {
  /** account/<accountId> -> AccountRecord (written at genesis; role lookup). */
  account: 'account/',
  /** nonce/<accountId> -> number: the sender's next nonce; absent means 0. */
  nonce: 'nonce/',
  /** project/<registry>/<projectId> -> ProjectRecord */
  project: 'project/',
  /** batch/<batchId> -> BatchRecord */
  batch: 'batch/',
  /** projectbatch/<registry>/<projectId>/<batchId> -> null: the batches issued for a project. */
  projectBatch: 'projectbatch/',
  /** space/<space>:<padded serialStart> -> SpaceRangeRecord: every issued range in a numbering space, ledger-wide. */
  space: 'space/',
  /** holding/<batchId>/<padded start> -> HoldingRecord: the holdings of a batch partition its serial range. */
  holding: 'holding/',
  /** owner/<accountId>/<batchId>/<padded start> -> HoldingRecord: the same holdings, indexed by owner. */
  owner: 'owner/',
  /** event/<batchId>/<padded seq> -> EventRecord: provenance of a batch, in order. */
  event: 'event/',
  /** eventcount/<batchId> -> number: how many events the batch has (the next seq), so appending is a get, not a range read. */
  eventCount: 'eventcount/',
  /** evidence/<evidenceId> -> EvidenceRecord: committed evidence of equivocation (node/ledger/evidence.ts). */
  evidence: 'evidence/',
  /** evidenceorder/<padded includedHeight>/<padded includedIndex> -> evidence id: committed evidence in ledger order. */
  evidenceOrder: 'evidenceorder/',
  /** evidenceslot/<step>/<padded validatorIndex>/<padded height>/<padded round> -> evidence id: one per offence. */
  evidenceSlot: 'evidenceslot/',
  /** lock/<lockId> -> LockRecord: a live lock (collateral or immobilisation); deleted when released or seized. */
  lock: 'lock/',
  /** lockexpiry/<padded expiresAtMs>/<lockId> -> null: collateral locks by expiry, released at block boundaries. */
  lockExpiry: 'lockexpiry/',
  /** lockparty/<accountId>/<lockId> -> null: the live locks an account is owner or secured party of. */
  lockParty: 'lockparty/',
  /**
   * balance/<accountId>/<currency> -> number: the account's cash of that currency in minor units, a positive safe
   * integer; a balance that reaches zero is deleted, so every entry is a holder. Keyed by account first so that
   * GET /accounts/:id/balances is one prefix read (node/ledger/cash.ts).
   */
  balance: 'balance/',
  /**
   * cashsupply/<currency> -> CashSupplyRecord: minor units in existence (minted - burned, always the sum of the
   * currency's balances plus its offtake escrow, cashescrow/<currency>) and how many accounts hold some. Written at the first mint, kept (at 0) after a full burn.
   */
  cashSupply: 'cashsupply/',
  /** offer/<offerId> -> OfferRecord: a live offer; its credits are held by the lock of the same id (kind 'offer'). */
  offer: 'offer/',
  /** trade/<padded height>/<padded txIndex> -> TradeRecord: every settlement, in ledger order (node/ledger/trades.ts). */
  trade: 'trade/',
  /** swapused/<swap id> -> padded height: signed swaps already settled (a swap settles at most once). */
  swapUsed: 'swapused/',
  /**
   * rating/<registry>/<projectId>/<agency>/<padded seq> -> RatingRecord: every rating of a project by an agency, seq
   * from 0 per (project, agency); the highest seq is the agency's current rating, the earlier ones its history.
   */
  rating: 'rating/',
  /** attestation/<registry>/<projectId>/<padded seq> -> AttestationRecord: MRV attestations of a project, seq from 0. */
  attestation: 'attestation/',
  /** attestationdata/<registry>/<projectId>/<verifier>/<dataHash> -> number: the seq of that verifier's attestation of that data. */
  attestationData: 'attestationdata/',
  /** privateretirement/<txId> -> PrivateRetirementRecord: a credit.retire-private and the events it appended. */
  privateRetirement: 'privateretirement/',
  /**
   * recordof/<batchId>/<padded start> -> RecordOfRecord: the registry of record of each serial sub-range of a batch
   * (node/ledger/record-of.ts). The ranges of a batch partition its serials exactly: written whole at issuance or
   * import, split (and merged again with equal neighbours) by credit.port.
   */
  recordOf: 'recordof/',
  /** portused/<port id> -> padded height: signed ports already settled (a port settles at most once). */
  portUsed: 'portused/',
  /**
   * offtake/<offtakeId> -> OfftakeRecord: an offtake agreement (node/ledger/offtakes.ts), kept for good with its status
   * (open, delivered, defaulted, cancelled). The id is the hex of offtakeSignBytes (client/wire.ts), 64 lowercase hex.
   */
  offtake: 'offtake/',
  /**
   * offtakeopen/<registry>/<projectId>/<developer>/<padded height>/<padded txIndex> -> offtake id: the open
   * agreements a batch issued to `developer` for the project delivers to, oldest first; deleted when closed.
   */
  offtakeOpen: 'offtakeopen/',
  /** offtakedue/<padded dueAtMs>/<offtakeId> -> null: open agreements by due date, defaulted at block boundaries. */
  offtakeDue: 'offtakedue/',
  /** offtakeparty/<accountId>/<padded height>/<padded txIndex> -> offtake id: agreements of a financier or developer. */
  offtakeParty: 'offtakeparty/',
  /** offtakeproject/<registry>/<projectId>/<padded height>/<padded txIndex> -> offtake id: agreements of a project. */
  offtakeProject: 'offtakeproject/',
  /** offtakedelivery/<offtakeId>/<padded seq> -> OfftakeDeliveryRecord: each delivery of an agreement, seq from 0. */
  offtakeDelivery: 'offtakedelivery/',
  /**
   * cashescrow/<currency> -> number: minor units of the currency held in escrow by open offtake agreements (part of
   * the supply, in no balance): supply = sum of balances + this. Deleted when it reaches zero (node/ledger/cash.ts).
   */
  cashEscrow: 'cashescrow/',
  /**
   * fraction/<batchId>/<padded serial>/<accountId> -> number: the parts (of FRACTION_PARTS_PER_TONNE) of one
   * fractionalised serial an account holds, a positive safe integer; deleted at zero (node/ledger/fractions.ts).
   * A composite class's custody is an account too (compositeCustodyOf), so parts in composites are balances here.
   */
  fraction: 'fraction/',
  /** fractionowner/<accountId>/<batchId>/<padded serial> -> number: the same balances, indexed by holder. */
  fractionOwner: 'fractionowner/',
  /**
   * fractionserial/<batchId>/<padded serial> -> FractionSerialRecord: a fractionalised serial (its holding has status
   * 'fractionalised'), who fractionalised it and how many of its parts are retired; deleted when recombined.
   */
  fractionSerial: 'fractionserial/',
  /** fractionretirement/<txId> -> FractionRetirementRecord: a fraction.retire or composite.retire and the parts it retired. */
  fractionRetirement: 'fractionretirement/',
  /** composite/<classId> -> CompositeClassRecord: a composite asset class, its rules and unit counts (node/ledger/composites.ts). */
  composite: 'composite/',
  /** compositeunit/<classId>/<padded n> -> CompositeUnitRecord: unit n of a class (from 1) and its components; kept after redeem or retire. */
  compositeUnit: 'compositeunit/',
  /** compositeowner/<accountId>/<classId>/<padded n> -> null: the live (active) composite units an account holds. */
  compositeOwner: 'compositeowner/',
  /**
   * compositecustody/<accountId> -> classId: the custody accounts of composite classes. Parts enter one only by
   * composite.mint, so fraction.transfer and composite.transfer to it are WRONG_ROLE.
   */
  compositeCustody: 'compositecustody/',
} as const

export type RecordKind = keyof typeof PREFIX

// ---------------------------------------------------------------------------------------------------------
// Value shapes. Fields are never undefined (msgpack would carry them); absent is null.

export interface AccountRecord {
  id: string
  name: string
  role: Role
  /** Registry code for role 'registry', null otherwise. */
  registry: RegistryCode | null
}

/** A registered project: the registration body as submitted (attributes keys sorted), and when and by whom. */
export interface ProjectRecord extends ProjectRegisterBody {
  registeredBy: string
  height: number
  timeMs: number
  txId: string
}

/** An issued batch: the issuance body's attributes (without `to`), its id, and when, by and to whom it was issued. */
export interface BatchRecord extends Omit<BatchIssueBody, 'to'> {
  batchId: string
  /** The registry account that issued the batch. */
  issuedBy: string
  /** The account that received the issued credits. */
  issuedTo: string
  height: number
  timeMs: number
  txId: string
  /**
   * Present only on an imported batch (batch.import), never undefined: the code of the registry, not on the ledger,
   * whose numbering space the serials keep. Then `registry` is the importing registry (the project's) and `issuedBy`
   * its account.
   */
  importedFrom?: string
}

/** One serial sub-range of a batch and its registry of record (recordof/<batchId>/<padded start>). */
export interface RecordOfRecord {
  batchId: string
  start: number
  end: number
  registry: RegistryCode
}

export interface SpaceRangeRecord {
  end: number
  batchId: string
}

/**
 * 'fractionalised': the unit was divided into FRACTION_PARTS_PER_TONNE parts (fraction/ keys); the holding keeps the
 * account that fractionalised it as owner and is frozen for every whole-unit rule (FRACTIONALISED_UNIT) until
 * credit.recombine makes it active again, owned by the account that gathered all its parts.
 */
export const HOLDING_STATUSES = ['active', 'retired', 'cancelled', 'locked', 'fractionalised'] as const
export type HoldingStatus = (typeof HOLDING_STATUSES)[number]

/** A serial sub-block of one batch, inclusive on both ends. */
export interface HoldingRecord {
  batchId: string
  start: number
  end: number
  owner: string
  status: HoldingStatus
  /** Present only with status 'locked' (never undefined, never null): the lock (lock/<lockId>) holding these units. */
  lockId?: string
}

export const LOCK_KINDS = ['collateral', 'immobilised', 'offer'] as const
export type LockKind = (typeof LOCK_KINDS)[number]

/** One owner's locked sub-range of a lock. */
export interface LockPiece {
  start: number
  end: number
  owner: string
}

/**
 * A lock on credits of one batch (node/ledger/locks.ts). Collateral: `owner` locked them in favour of
 * `securedParty` until `expiresAtMs`. Immobilised: `registry` locked them, whoever holds them, with no expiry.
 */
export interface LockRecord {
  id: string
  kind: LockKind
  batchId: string
  /** The locked units by owner, in serial order; their holdings have status 'locked' and this lock's id. */
  pieces: LockPiece[]
  /** Collateral: the account that locked its units. Immobilised: ''. */
  owner: string
  /** Collateral: the lender, who may release or seize. Immobilised: ''. */
  securedParty: string
  /** Immobilised: the registry code that may mobilise. Collateral: ''. */
  registry: string
  /** Collateral: the block time at or after which the ledger releases it; 0 for none. */
  expiresAtMs: number
  reason: string
  createdHeight: number
  createdTimeMs: number
}

/** A live offer (trade.offer): the terms; the credits themselves are in the lock `id` (kind 'offer'). */
export interface OfferRecord {
  id: string
  seller: string
  batchId: string
  /** Units still offered (reserved by the lock); an acceptance may take some of them (a partial fill). */
  quantity: number
  /** Units already sold from this offer by earlier partial fills. */
  filled: number
  pricePerTonne: number
  currency: string
  /** '' for an offer to anyone. */
  buyer: string
  expiresAtMs: number
  disclosePrice: boolean
  createdHeight: number
  createdTimeMs: number
}

/**
 * A settlement: credits delivered against payment, with the credits' attributes for price statistics. `disclosed`
 * is true only when both parties agreed to show the price; aggregates count every trade.
 */
export interface TradeRecord {
  height: number
  timeMs: number
  txIndex: number
  txId: string
  /** The offer it settled, or '' for a swap. */
  offerId: string
  batchId: string
  registry: string
  projectId: string
  /** The project's sector (its type), methodology and country, and the batch's vintage start year ('' if none). */
  sector: string
  methodology: string
  country: string
  vintage: string
  quantity: number
  pricePerTonne: number
  currency: string
  /** quantity x pricePerTonne, integer minor units. */
  notional: number
  seller: string
  buyer: string
  disclosed: boolean
}

export const EVENT_TYPES = [
  'issue',
  'transfer',
  'retire',
  'cancel',
  'lock',
  'release',
  'seize',
  'immobilise',
  'mobilise',
  'trade',
  'port',
  'import',
  'offtake',
  // Fractions and composites: details.parts says how many parts of the event's serial(s) (one serial per event,
  // except fractionalise and recombine, whose ranges are whole units).
  'fractionalise',
  'fraction-transfer',
  'fraction-retire',
  'recombine',
  'composite-deposit',
  'composite-redeem',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface EventRecord {
  batchId: string
  seq: number
  type: EventType
  range: SerialRange
  /** Holder before the event; null for an issuance. */
  from: string | null
  /** Holder after the event; null for a retirement or cancellation (the units stay with `from`, frozen). */
  to: string | null
  /** The sender of the transaction. */
  by: string
  height: number
  timeMs: number
  txIndex: number
  txId: string
  /**
   * Rule-specific facts: originalSerial (issue); beneficiary, purpose, reason, retiredOn (retire); reason (cancel);
   * parts (every fraction and composite event: parts of FRACTION_PARTS_PER_TONNE), with retirementId, beneficiary,
   * purpose, reason, retiredOn and for a composite's compositeClass (fraction-retire), classId and units (composite-
   * deposit), classId (composite-redeem);
   * lockId, and securedParty / expiresAtMs or reason (lock, release, seize, immobilise, mobilise); expired: 'true'
   * for a release the ledger made at a block boundary (then `by` is '' and txIndex -1); portId, fromRegistry,
   * toRegistry, toSigner, reason (port: from and to are the unchanged holder); origin, originalSerial (import);
   * offtakeId, pricePerTonne, currency and payment (offtake: serials of a new batch delivered to a financier, `by`
   * the issuing registry).
   */
  details: Record<string, string>
}

/** A rating of a project by a rating agency (project.rate): the body, who rated, and when the ledger recorded it. */
export interface RatingRecord {
  registry: RegistryCode
  projectId: string
  /** The rating agency's account id. */
  agency: string
  /** Position in this agency's ratings of this project, from 0; the highest is the current one. */
  seq: number
  scale: string
  grade: string
  ratedOn: string
  reportUri: string
  height: number
  timeMs: number
  txIndex: number
  txId: string
}

/** A digital MRV attestation of a project by a verifier (project.attest). measuredTonnes: whole tonnes CO2e. */
export interface AttestationRecord {
  registry: RegistryCode
  projectId: string
  /** The verifier's account id. */
  verifier: string
  /** Position in the project's attestations, from 0. */
  seq: number
  periodStart: string
  periodEnd: string
  measuredTonnes: number
  dataHash: string
  dataUri: string
  height: number
  timeMs: number
  txIndex: number
  txId: string
}

/** A private retirement (credit.retire-private): the commitment and where its retire events are. */
export interface PrivateRetirementRecord {
  txId: string
  batchId: string
  /** sha256 commitment to the beneficiary (client/commitments.ts); the name itself is never stored. */
  beneficiaryCommitment: string
  /** The account that retired the credits. */
  retiredBy: string
  units: number
  /** The retired runs and the seq of the retire event each appended (event/<batchId>/<padded seq>). */
  runs: { range: SerialRange; eventSeq: number }[]
  height: number
  timeMs: number
}

export const OFFTAKE_STATUSES = ['open', 'delivered', 'defaulted', 'cancelled'] as const
export type OfftakeStatus = (typeof OFFTAKE_STATUSES)[number]

/**
 * An offtake agreement (offtake.agree) and how far it went. Money in integer minor units of `currency`. While open:
 * escrowed = quantity x pricePerTonne - max(prepaid, delivered x pricePerTonne), paidOnDelivery =
 * max(0, delivered x pricePerTonne - prepaid). Closed (delivered or defaulted): escrowed 0.
 */
export interface OfftakeRecord extends OfftakeTerms {
  id: string
  status: OfftakeStatus
  /** Tonnes delivered so far. */
  delivered: number
  /** Paid to the developer out of the escrow for delivered tonnes, so far. */
  paidOnDelivery: number
  /** Still held in escrow for undelivered tonnes. */
  escrowed: number
  /** How many deliveries (offtakedelivery/<id>/<seq>) it has. */
  deliveries: number
  /** Defaulted or cancelled: quantity - delivered (tonnes never delivered). 0 otherwise. */
  shortfall: number
  /** Defaulted or cancelled: the prepayment not covered by delivered tonnes, max(0, prepaid - delivered x pricePerTonne). */
  prepaidUncovered: number
  /** Defaulted or cancelled: escrow returned to the financier. */
  refunded: number
  /** Cancelled: what the developer paid back to the financier (offtake.cancel's refund). 0 otherwise. */
  developerRefund: number
  createdHeight: number
  createdTimeMs: number
  createdTxIndex: number
  txId: string
  /** Height and block time it became delivered, defaulted or cancelled; 0 while open. */
  closedHeight: number
  closedTimeMs: number
}

/** One delivery to an offtake agreement: serials of a newly issued batch moved from the developer to the financier. */
export interface OfftakeDeliveryRecord {
  offtakeId: string
  seq: number
  batchId: string
  range: SerialRange
  units: number
  /** Paid from the escrow to the developer for these tonnes. */
  payment: number
  height: number
  timeMs: number
  txIndex: number
  /** The batch.issue transaction that delivered. */
  txId: string
}

/** A fractionalised serial (credit.fractionalise). Parts held are the fraction/ balances; held + retiredParts = FRACTION_PARTS_PER_TONNE. */
export interface FractionSerialRecord {
  batchId: string
  serial: number
  fractionalisedBy: string
  retiredParts: number
  height: number
  timeMs: number
  txId: string
}

/** Parts of one serial: a component of a composite unit, or a line of a fractional retirement. */
export interface FractionPart {
  batchId: string
  serial: number
  parts: number
}

/** A fractional retirement (fraction.retire, composite.retire): exactly which parts of which serials it retired. */
export interface FractionRetirementRecord {
  txId: string
  retiredBy: string
  /** Total parts retired (sum of `parts`). */
  totalParts: number
  parts: FractionPart[]
  beneficiary: string
  purpose: string
  reason: string
  retiredOn: string
  /** composite.retire: the class and unit numbers retired; '' and [] for fraction.retire. */
  compositeClass: string
  compositeUnits: number[]
  height: number
  timeMs: number
}

/** A composite asset class (composite.define). custody is the account id holding its components' parts. */
export interface CompositeClassRecord {
  classId: string
  name: string
  definedBy: string
  rules: CompositeRules
  custody: string
  /** Units minted so far: unit numbers run from 1 to minted. */
  minted: number
  /** Units live now (minted - redeemed - retired). */
  outstanding: number
  redeemed: number
  retired: number
  height: number
  timeMs: number
}

export const COMPOSITE_UNIT_STATUSES = ['active', 'redeemed', 'retired'] as const
export type CompositeUnitStatus = (typeof COMPOSITE_UNIT_STATUSES)[number]

/** A composite unit: one tonne made of components (parts of serials) summing to FRACTION_PARTS_PER_TONNE. */
export interface CompositeUnitRecord {
  classId: string
  n: number
  owner: string
  status: CompositeUnitStatus
  components: FractionPart[]
  mintedBy: string
  mintTxId: string
  height: number
  timeMs: number
  /** The transaction that redeemed or retired it ('' while active); for a retirement, its fractionretirement/ id. */
  endTxId: string
}

/** The consensus step an offence was committed in: the vote type, or 'proposal'. */
export type EvidenceStep = 'prevote' | 'precommit' | 'proposal'

/** Committed evidence of equivocation: the offence (validator, height, round, step) and where the ledger recorded it. */
export interface EvidenceRecord {
  id: string
  kind: EvidenceKind
  validatorIndex: number
  /** The validator's consensus public key (hex), from genesis. */
  validator: string
  height: number
  round: number
  step: EvidenceStep
  /** Height, time and position (in the block's evidence list) of the block that committed it. */
  includedHeight: number
  includedTimeMs: number
  includedIndex: number
  /** The canonical evidence bytes (encodeEvidence): both signed messages, verifiable by anyone. */
  evidence: Uint8Array
}

/** A currency's totals, kept by the cash rules so that GET /cash/:currency is one read. */
export interface CashSupplyRecord {
  currency: string
  /** Minor units in existence: minted - burned = the sum of every balance of the currency + its escrow (cashescrow/). */
  supply: number
  /** Accounts with a non-zero balance of the currency. */
  holders: number
}

// ---------------------------------------------------------------------------------------------------------
// Key builders.

/** Zero-pads a non-negative safe integer for use in a key; anything else is a broken invariant. */
export function padInteger(value: number): string {
  invariant(Number.isSafeInteger(value) && value >= 0, `cannot pad ${String(value)} into a key`)
  return String(value).padStart(SERIAL_DIGITS, '0')
}

export const keys = {
  account: (accountId: string): string => `${PREFIX.account}${accountId}`,
  nonce: (accountId: string): string => `${PREFIX.nonce}${accountId}`,
  project: (registry: string, projectId: string): string => `${PREFIX.project}${registry}/${projectId}`,
  batch: (batchId: string): string => `${PREFIX.batch}${batchId}`,
  projectBatchPrefix: (registry: string, projectId: string): string => `${PREFIX.projectBatch}${registry}/${projectId}/`,
  projectBatch: (registry: string, projectId: string, batchId: string): string => `${PREFIX.projectBatch}${registry}/${projectId}/${batchId}`,
  spacePrefix: (space: string): string => `${PREFIX.space}${space}:`,
  space: (space: string, serialStart: number): string => `${PREFIX.space}${space}:${padInteger(serialStart)}`,
  holdingPrefix: (batchId: string): string => `${PREFIX.holding}${batchId}/`,
  holding: (batchId: string, start: number): string => `${PREFIX.holding}${batchId}/${padInteger(start)}`,
  ownerPrefix: (owner: string): string => `${PREFIX.owner}${owner}/`,
  ownerBatchPrefix: (owner: string, batchId: string): string => `${PREFIX.owner}${owner}/${batchId}/`,
  owner: (owner: string, batchId: string, start: number): string => `${PREFIX.owner}${owner}/${batchId}/${padInteger(start)}`,
  eventPrefix: (batchId: string): string => `${PREFIX.event}${batchId}/`,
  event: (batchId: string, seq: number): string => `${PREFIX.event}${batchId}/${padInteger(seq)}`,
  eventCount: (batchId: string): string => `${PREFIX.eventCount}${batchId}`,
  lock: (lockId: string): string => `${PREFIX.lock}${lockId}`,
  lockExpiry: (expiresAtMs: number, lockId: string): string => `${PREFIX.lockExpiry}${padInteger(expiresAtMs)}/${lockId}`,
  lockPartyPrefix: (account: string): string => `${PREFIX.lockParty}${account}/`,
  lockParty: (account: string, lockId: string): string => `${PREFIX.lockParty}${account}/${lockId}`,
  ratingPrefix: (registry: string, projectId: string): string => `${PREFIX.rating}${registry}/${projectId}/`,
  ratingAgencyPrefix: (registry: string, projectId: string, agency: string): string => `${PREFIX.rating}${registry}/${projectId}/${agency}/`,
  rating: (registry: string, projectId: string, agency: string, seq: number): string => `${PREFIX.rating}${registry}/${projectId}/${agency}/${padInteger(seq)}`,
  attestationPrefix: (registry: string, projectId: string): string => `${PREFIX.attestation}${registry}/${projectId}/`,
  attestation: (registry: string, projectId: string, seq: number): string => `${PREFIX.attestation}${registry}/${projectId}/${padInteger(seq)}`,
  attestationData: (registry: string, projectId: string, verifier: string, dataHash: string): string => `${PREFIX.attestationData}${registry}/${projectId}/${verifier}/${dataHash}`,
  privateRetirement: (txId: string): string => `${PREFIX.privateRetirement}${txId}`,
  recordOfPrefix: (batchId: string): string => `${PREFIX.recordOf}${batchId}/`,
  recordOf: (batchId: string, start: number): string => `${PREFIX.recordOf}${batchId}/${padInteger(start)}`,
  portUsed: (portId: string): string => `${PREFIX.portUsed}${portId}`,
  fraction: (batchId: string, serial: number, account: string): string => `${PREFIX.fraction}${batchId}/${padInteger(serial)}/${account}`,
  fractionSerialHoldersPrefix: (batchId: string, serial: number): string => `${PREFIX.fraction}${batchId}/${padInteger(serial)}/`,
  fractionBatchPrefix: (batchId: string): string => `${PREFIX.fraction}${batchId}/`,
  fractionOwner: (account: string, batchId: string, serial: number): string => `${PREFIX.fractionOwner}${account}/${batchId}/${padInteger(serial)}`,
  fractionOwnerPrefix: (account: string): string => `${PREFIX.fractionOwner}${account}/`,
  fractionOwnerBatchPrefix: (account: string, batchId: string): string => `${PREFIX.fractionOwner}${account}/${batchId}/`,
  fractionSerial: (batchId: string, serial: number): string => `${PREFIX.fractionSerial}${batchId}/${padInteger(serial)}`,
  fractionSerialPrefix: (batchId: string): string => `${PREFIX.fractionSerial}${batchId}/`,
  fractionRetirement: (txId: string): string => `${PREFIX.fractionRetirement}${txId}`,
  composite: (classId: string): string => `${PREFIX.composite}${classId}`,
  compositeUnit: (classId: string, n: number): string => `${PREFIX.compositeUnit}${classId}/${padInteger(n)}`,
  compositeUnitPrefix: (classId: string): string => `${PREFIX.compositeUnit}${classId}/`,
  compositeOwner: (account: string, classId: string, n: number): string => `${PREFIX.compositeOwner}${account}/${classId}/${padInteger(n)}`,
  compositeOwnerPrefix: (account: string): string => `${PREFIX.compositeOwner}${account}/`,
  compositeOwnerClassPrefix: (account: string, classId: string): string => `${PREFIX.compositeOwner}${account}/${classId}/`,
  compositeCustody: (account: string): string => `${PREFIX.compositeCustody}${account}`,
  evidence: (id: string): string => `${PREFIX.evidence}${id}`,
  evidenceOrder: (includedHeight: number, includedIndex: number): string => `${PREFIX.evidenceOrder}${padInteger(includedHeight)}/${padInteger(includedIndex)}`,
  balancePrefix: (accountId: string): string => `${PREFIX.balance}${accountId}/`,
  balance: (accountId: string, currency: string): string => `${PREFIX.balance}${accountId}/${currency}`,
  cashSupply: (currency: string): string => `${PREFIX.cashSupply}${currency}`,
  offer: (offerId: string): string => `${PREFIX.offer}${offerId}`,
  trade: (height: number, txIndex: number): string => `${PREFIX.trade}${padInteger(height)}/${padInteger(txIndex)}`,
  swapUsed: (swapId: string): string => `${PREFIX.swapUsed}${swapId}`,
  offtake: (offtakeId: string): string => `${PREFIX.offtake}${offtakeId}`,
  offtakeOpenPrefix: (registry: string, projectId: string, developer: string): string => `${PREFIX.offtakeOpen}${registry}/${projectId}/${developer}/`,
  offtakeOpen: (registry: string, projectId: string, developer: string, height: number, txIndex: number): string => `${PREFIX.offtakeOpen}${registry}/${projectId}/${developer}/${padInteger(height)}/${padInteger(txIndex)}`,
  offtakeDue: (dueAtMs: number, offtakeId: string): string => `${PREFIX.offtakeDue}${padInteger(dueAtMs)}/${offtakeId}`,
  offtakePartyPrefix: (account: string): string => `${PREFIX.offtakeParty}${account}/`,
  offtakeParty: (account: string, height: number, txIndex: number): string => `${PREFIX.offtakeParty}${account}/${padInteger(height)}/${padInteger(txIndex)}`,
  offtakeProjectPrefix: (registry: string, projectId: string): string => `${PREFIX.offtakeProject}${registry}/${projectId}/`,
  offtakeProject: (registry: string, projectId: string, height: number, txIndex: number): string => `${PREFIX.offtakeProject}${registry}/${projectId}/${padInteger(height)}/${padInteger(txIndex)}`,
  offtakeDeliveryPrefix: (offtakeId: string): string => `${PREFIX.offtakeDelivery}${offtakeId}/`,
  offtakeDelivery: (offtakeId: string, seq: number): string => `${PREFIX.offtakeDelivery}${offtakeId}/${padInteger(seq)}`,
  cashEscrow: (currency: string): string => `${PREFIX.cashEscrow}${currency}`,
  evidenceSlot: (step: EvidenceStep, validatorIndex: number, height: number, round: number): string =>
    `${PREFIX.evidenceSlot}${step}/${padInteger(validatorIndex)}/${padInteger(height)}/${padInteger(round)}`,
}

/** Range options selecting every key that starts with `prefix`. */
export function prefixRange(prefix: string, extra: Omit<RangeOptions, 'gte' | 'lt'> = {}): RangeOptions {
  return { gte: prefix, lt: prefixEnd(prefix), ...extra }
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1)
  return prefix.slice(0, -1) + String.fromCharCode(last + 1)
}

// ---------------------------------------------------------------------------------------------------------
// Value codec. State is written only by this module's callers, so a value that does not decode is a broken
// invariant (corrupt storage), not bad input: decode errors propagate.

export function encodeRecord<T>(value: T): Uint8Array {
  return encode(value)
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return decode(bytes) as T
}

export async function readRecord<T>(reader: StateReader, key: string): Promise<T | undefined> {
  const bytes = await reader.get(key)
  return bytes === undefined ? undefined : decodeRecord<T>(bytes)
}

export async function readRange<T>(reader: StateReader, options: RangeOptions): Promise<[string, T][]> {
  const entries = await reader.range(options)
  return entries.map(([key, bytes]) => [key, decodeRecord<T>(bytes)])
}
