// Typed HTTP client for a tonne node's JSON API.
import { signTx, type KeyPair, type SignedTxWithId } from './keys.ts'
import { bytesToHex, type OfftakeTerms, type TxBodies, type TxKind } from './wire.ts'
import { verifyBeneficiary } from './commitments.ts'

export const HTTP_REQUEST_TIMEOUT_MS = 30_000
/** A ?wait=commit request may be held by the node for up to its WAIT_COMMIT_TIMEOUT_MS (30 s): wait longer. */
export const HTTP_WAIT_COMMIT_TIMEOUT_MS = 45_000

export interface StatusResponse {
  chainId: string
  nodeId: string
  validatorName: string | null
  height: number
  appHash: string
  latestBlockHash: string
  latestBlockTimeMs: number
  validators: { name: string; publicKey: string; peerId: string; address: string }[]
  peers: string[]
  catchingUp: boolean
  mempool: { txs: number; bytes: number }
}

export interface AccountView {
  id: string
  name: string | null
  role: string | null
  registry: string | null
  /** The nonce the account's next transaction must carry. */
  nextNonce: number
}

export interface HoldingView {
  batchId: string
  start: number
  end: number
  owner: string
  status: 'active' | 'retired' | 'cancelled' | 'locked' | 'fractionalised'
}

export interface StatusTotals {
  active: number
  retired: number
  cancelled: number
  locked: number
  fractionalised: number
}

/** Fractions are integer parts: FRACTION_PARTS_PER_TONNE (1_000_000) per tonne (client/amounts.ts formats them). */
export interface AccountFractionsView {
  account: string
  fractions: { batchId: string; serial: number; parts: number }[]
  totalParts: number
  next: string | null
}

export interface SerialFractionsView {
  batchId: string
  serial: number
  fractionalisedBy: string
  fractionalisedHeight: number
  holders: { account: string; parts: number }[]
  heldParts: number
  retiredParts: number
  truncated: boolean
}

export interface CompositeRulesView {
  removalOnly: boolean
  vintageFrom: number
  methodologies: string[]
  countries: string[]
}

export interface CompositeClassView {
  classId: string
  name: string
  definedBy: string
  rules: CompositeRulesView
  /** The account holding the components' parts (GET /accounts/:custody/fractions lists them). */
  custody: string
  minted: number
  outstanding: number
  redeemed: number
  retired: number
  height: number
  timeMs: number
  projects: { registry: string; projectId: string; parts: number }[]
  truncated: boolean
}

export interface CompositeUnitView {
  classId: string
  n: number
  owner: string
  status: 'active' | 'redeemed' | 'retired'
  components: { batchId: string; serial: number; parts: number; registry: string; projectId: string; projectName: string; country: string; methodology: string; vintageStart: string; originalSerial: string }[]
  totalParts: number
  mintedBy: string
  mintTxId: string
  height: number
  timeMs: number
  endTxId: string
}

export interface FractionRetirementView {
  txId: string
  retiredBy: string
  totalParts: number
  parts: { batchId: string; serial: number; parts: number }[]
  beneficiary: string
  purpose: string
  reason: string
  retiredOn: string
  compositeClass: string
  compositeUnits: number[]
  height: number
  timeMs: number
}

export interface HoldingsView {
  account: string
  /** recordOf: the registry of record of the serials of these holdings, by range (node/ledger/record-of.ts). */
  batches: { batchId: string; holdings: HoldingView[]; totals: StatusTotals; recordOf: { start: number; end: number; registry: string }[] }[]
  totals: StatusTotals
  next: string | null
}

/** Cash amounts are integer minor units of their currency (12345 of USD is USD 123.45). */
export interface BalancesView {
  account: string
  /** Every currency the account holds (non-zero balances), in currency code order. */
  balances: { currency: string; amount: number }[]
  next: string | null
}

export interface CashSupplyView {
  currency: string
  /** Minor units in existence: minted - burned, the sum of every balance plus what offtake agreements hold in escrow. */
  supply: number
  /** Accounts holding some of it. */
  holders: number
}

export interface TxResultView {
  code: number
  name: string
  message: string
}

export type TxStatus =
  | { id: string; status: 'pending' }
  | { id: string; status: 'committed'; height: number; index: number; result: TxResultView }
  | { id: string; status: 'unknown' }

export interface SubmitResponse {
  id: string
  status: 'pending' | 'committed'
  height?: number
  result?: TxResultView
}

/** A signed vote or proposal header inside evidence, as JSON (bytes as hex). */
export interface EvidenceMessageView {
  /** Votes only. */
  type?: 'prevote' | 'precommit'
  height: number
  round: number
  /** Proposals only. */
  polRound?: number
  blockHash: string | null
  validatorIndex: number
  signature: string
}

export interface EvidenceView {
  id: string
  /** 'committed': in the ledger (with the including block); 'pending': only in this node's pool. */
  status: 'committed' | 'pending'
  kind: 'duplicateVote' | 'duplicateProposal'
  validatorIndex: number
  validatorName: string | null
  validator: string | null
  height: number
  round: number
  step: 'prevote' | 'precommit' | 'proposal'
  first: EvidenceMessageView
  second: EvidenceMessageView
  /** Canonical evidence bytes (encodeEvidence in client/wire.ts), hex: decodeEvidence and verify them yourself. */
  bytes: string
  includedHeight?: number
  includedIndex?: number
  includedTimeMs?: number
}

export interface EvidenceList {
  items: EvidenceView[]
  next: string | null
  pending: EvidenceView[]
}

export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export class TonneClient {
  readonly baseUrl: string

  constructor(baseUrl: string) {
    if (!/^https?:\/\/[^/]+/.test(baseUrl)) throw new HttpError(0, 'BAD_URL', `node URL must look like http://127.0.0.1:28000, got ${JSON.stringify(baseUrl)}`)
    this.baseUrl = baseUrl.replace(/\/+$/, '')
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: { json?: unknown; bytes?: Uint8Array }, timeoutMs = HTTP_REQUEST_TIMEOUT_MS): Promise<T> {
    const headers: Record<string, string> = {}
    let payload: string | Uint8Array | undefined
    if (body?.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream'
      payload = body.bytes
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(body.json)
    }
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      throw new HttpError(0, 'UNREACHABLE', `cannot reach ${this.baseUrl}: ${(error as Error).message}`)
    }
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      throw new HttpError(response.status, 'BAD_RESPONSE', `${method} ${path}: response is not JSON: ${text.slice(0, 200)}`)
    }
    if (!response.ok) {
      const error = parsed as { code?: string; message?: string } | null
      throw new HttpError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? text)
    }
    return parsed as T
  }

  status(): Promise<StatusResponse> {
    return this.request('GET', '/status')
  }

  /**
   * Submits signed transaction bytes; with wait 'commit' the answer comes once it is in a block, with its result
   * (or, after the node's 30 s, status 'pending'). Resubmitting the same bytes is safe: the answer is the
   * transaction's status and it is committed at most once. Refusals throw HttpError with the node's code:
   * 400 BAD_NONCE / NONCE_TAKEN / BAD_SIGNATURE / WRONG_CHAIN / MALFORMED_TX / UNKNOWN_KIND / TX_TOO_LARGE,
   * 413 BODY_TOO_LARGE, 503 MEMPOOL_FULL (retry later), and 409 TX_DROPPED when the node dropped the transaction
   * while the request waited (another transaction took its nonce, or it was evicted): read the account's nextNonce
   * before signing again.
   */
  submit(bytes: Uint8Array, options: { wait?: 'commit' } = {}): Promise<SubmitResponse> {
    return options.wait === 'commit' ? this.request('POST', '/txs?wait=commit', { bytes }, HTTP_WAIT_COMMIT_TIMEOUT_MS) : this.request('POST', '/txs', { bytes })
  }

  tx(id: string): Promise<TxStatus> {
    return this.request('GET', `/txs/${encodeURIComponent(id)}`)
  }

  block(height: number | 'latest'): Promise<unknown> {
    return this.request('GET', `/blocks/${height}`)
  }

  account(id: string): Promise<AccountView> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}`)
  }

  holdings(id: string): Promise<HoldingsView> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/holdings`)
  }

  /** Live locks the account is owner, secured party or holder of. */
  locksOf(id: string, options: { limit?: number } = {}): Promise<{ account: string; locks: LockView[] }> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/locks${pageQuery(options)}`)
  }

  /** A live offer; 404 UNKNOWN_OFFER once accepted, cancelled or expired. */
  offer(offerId: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/offers/${encodeURIComponent(offerId)}`)
  }

  /** Price statistics of settled trades in `currency`, optionally filtered (see GET /prices in the README). */
  prices(filter: { currency: string; registry?: string; methodology?: string; sector?: string; country?: string; vintage?: string; fromMs?: number; toMs?: number }): Promise<PriceStatisticsView> {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value))
    return this.request('GET', `/prices?${params.toString()}`)
  }

  /** A live lock; 404 UNKNOWN_LOCK once released, seized, mobilised or expired. */
  lock(lockId: string): Promise<LockView> {
    return this.request('GET', `/locks/${encodeURIComponent(lockId)}`)
  }

  /** The account's cash balances, every currency it holds (an account holding nothing has an empty list). */
  balances(id: string): Promise<BalancesView> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/balances`)
  }

  /** The fractions an account holds (parts per batch and serial). */
  fractions(id: string, page: { limit?: number; after?: string } = {}): Promise<AccountFractionsView> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/fractions${pageQuery(page)}`)
  }

  /** The fractionalised serials of a batch: holders and retired parts of each. */
  batchFractions(batchId: string, page: { limit?: number; after?: string } = {}): Promise<{ batchId: string; serials: SerialFractionsView[]; next: string | null }> {
    return this.request('GET', `/batches/${encodeURIComponent(batchId)}/fractions${pageQuery(page)}`)
  }

  /** One fractionalised serial; 404 NOT_FRACTIONALISED when it is not (or no longer) fractionalised. */
  serialFractions(batchId: string, serial: number): Promise<SerialFractionsView> {
    return this.request('GET', `/batches/${encodeURIComponent(batchId)}/serials/${serial}/fractions`)
  }

  /** A composite class: rules, unit counts, custody and the projects behind its live units. */
  composite(classId: string): Promise<CompositeClassView> {
    return this.request('GET', `/composites/${encodeURIComponent(classId)}`)
  }

  /** A page of a class's units (any status), each with its look-through to batches, serials and projects. */
  compositeUnits(classId: string, page: { limit?: number; after?: string } = {}): Promise<{ items: CompositeUnitView[]; next: string | null }> {
    return this.request('GET', `/composites/${encodeURIComponent(classId)}/units${pageQuery(page)}`)
  }

  /** One composite unit with its look-through; 404 UNKNOWN_COMPOSITE_UNIT. */
  compositeUnit(classId: string, n: number): Promise<CompositeUnitView> {
    return this.request('GET', `/composites/${encodeURIComponent(classId)}/units/${n}`)
  }

  /** The live composite units an account holds, with their look-through. */
  compositesOf(id: string, page: { limit?: number; after?: string } = {}): Promise<{ account: string; units: CompositeUnitView[]; next: string | null }> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/composites${pageQuery(page)}`)
  }

  /** A fractional retirement (fraction.retire, composite.retire) by its transaction id. */
  fractionRetirement(txId: string): Promise<FractionRetirementView> {
    return this.request('GET', `/fraction-retirements/${encodeURIComponent(txId)}`)
  }

  /** A currency's supply and holder count; HttpError 404 UNKNOWN_CURRENCY when none was ever minted. */
  cash(currency: string): Promise<CashSupplyView> {
    return this.request('GET', `/cash/${encodeURIComponent(currency)}`)
  }

  /** An offtake agreement with its deliveries; HttpError 404 UNKNOWN_OFFTAKE when there is none with that id. */
  offtake(offtakeId: string): Promise<OfftakeView> {
    return this.request('GET', `/offtakes/${encodeURIComponent(offtakeId)}`)
  }

  /** Offtake agreements the account is financier or developer of, oldest first (`next` is the cursor for `after`). */
  offtakesOf(id: string, page: { limit?: number; after?: string } = {}): Promise<{ account: string; offtakes: OfftakeRecordView[]; next: string | null }> {
    return this.request('GET', `/accounts/${encodeURIComponent(id)}/offtakes${pageQuery(page)}`)
  }

  /** Offtake agreements on a project, oldest first; HttpError 404 UNKNOWN_PROJECT for an unregistered project. */
  projectOfftakes(registry: string, projectId: string, page: { limit?: number; after?: string } = {}): Promise<{ registry: string; projectId: string; offtakes: OfftakeRecordView[]; next: string | null }> {
    return this.request('GET', `/projects/${encodeURIComponent(registry)}/${encodeURIComponent(projectId)}/offtakes${pageQuery(page)}`)
  }

  /** A page of projects in key order; pass the answer's `next` as `after` for the next page. */
  projects(page: { limit?: number; after?: string } = {}): Promise<unknown> {
    return this.request('GET', `/projects${pageQuery(page)}`)
  }

  project(registry: string, projectId: string): Promise<unknown> {
    return this.request('GET', `/projects/${encodeURIComponent(registry)}/${encodeURIComponent(projectId)}`)
  }

  /** A project with its quality information: current ratings, rating history and MRV attestations. */
  projectQuality(registry: string, projectId: string): Promise<{ registry: string; projectId: string; name: string; quality: ProjectQualityView }> {
    return this.request('GET', `/projects/${encodeURIComponent(registry)}/${encodeURIComponent(projectId)}`)
  }

  /** A private retirement (credit.retire-private) by its transaction id; 404 UNKNOWN_RETIREMENT otherwise. */
  privateRetirement(txId: string): Promise<PrivateRetirementView> {
    return this.request('GET', `/private-retirements/${encodeURIComponent(txId)}`)
  }

  /**
   * Reads a private retirement's commitment from the node and checks `name` and `salt` against it here: the name and
   * the salt are never sent to the node.
   */
  async verifyBeneficiary(txId: string, name: string, salt: string): Promise<{ txId: string; beneficiaryCommitment: string; matches: boolean }> {
    const retirement = await this.privateRetirement(txId)
    return { txId, beneficiaryCommitment: retirement.beneficiaryCommitment, matches: verifyBeneficiary(retirement.beneficiaryCommitment, name, salt) }
  }

  /** A page of batches in key order; pass the answer's `next` as `after` for the next page. */
  batches(page: { limit?: number; after?: string } = {}): Promise<unknown> {
    return this.request('GET', `/batches${pageQuery(page)}`)
  }

  batch(batchId: string): Promise<unknown> {
    return this.request('GET', `/batches/${encodeURIComponent(batchId)}`)
  }

  /** The registry of record of each serial range of a batch (from GET /batches/:batchId); 404 UNKNOWN_BATCH. */
  async recordOf(batchId: string): Promise<RecordOfView> {
    return (await this.request<{ recordOf: RecordOfView }>('GET', `/batches/${encodeURIComponent(batchId)}`)).recordOf
  }

  provenance(query: { space: string; serial: number } | { batchId: string; start: number; end: number }): Promise<unknown> {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) params.set(key, String(value))
    return this.request('GET', `/provenance?${params.toString()}`)
  }

  /** Committed evidence in ledger order (`next` is the cursor for `after`), and this node's pending evidence. */
  evidence(options: { limit?: number; after?: string } = {}): Promise<EvidenceList> {
    const params = new URLSearchParams()
    if (options.limit !== undefined) params.set('limit', String(options.limit))
    if (options.after !== undefined) params.set('after', options.after)
    const query = params.toString()
    return this.request('GET', query === '' ? '/evidence' : `/evidence?${query}`)
  }

  evidenceById(id: string): Promise<EvidenceView> {
    return this.request('GET', `/evidence/${encodeURIComponent(id)}`)
  }

  /** Polls GET /txs/:id until the transaction is committed or the timeout passes. */
  async waitForCommit(id: string, timeoutMs = 60_000, pollIntervalMs = 200): Promise<TxStatus & { status: 'committed' }> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = await this.tx(id)
      if (status.status === 'committed') return status
      if (Date.now() > deadline) throw new HttpError(0, 'TIMEOUT', `transaction ${id} not committed after ${timeoutMs} ms (status ${status.status})`)
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs))
    }
  }
}

/** Signs transactions for one account, keeping track of its nonce (read from the node once, then counted). */
export class Signer {
  private nonce: number | null = null

  constructor(
    readonly keyPair: KeyPair,
    readonly chainId: string,
    readonly client: TonneClient,
  ) {}

  get accountId(): string {
    return bytesToHex(this.keyPair.publicKey)
  }

  async sign<K extends TxKind>(kind: K, body: TxBodies[K]): Promise<SignedTxWithId> {
    if (this.nonce === null) this.nonce = (await this.client.account(this.accountId)).nextNonce
    const signed = signTx(this.keyPair, this.chainId, kind, this.nonce, body)
    this.nonce += 1
    return signed
  }

  async send<K extends TxKind>(kind: K, body: TxBodies[K], options: { wait?: 'commit' } = {}): Promise<SubmitResponse> {
    const signed = await this.sign(kind, body)
    return this.client.submit(signed.bytes, options)
  }
}

function pageQuery(page: { limit?: number; after?: string }): string {
  const params = new URLSearchParams()
  if (page.limit !== undefined) params.set('limit', String(page.limit))
  if (page.after !== undefined) params.set('after', page.after)
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** A live lock (node/ledger/keys.ts LockRecord). */
export interface LockView {
  id: string
  kind: 'collateral' | 'immobilised'
  batchId: string
  pieces: { start: number; end: number; owner: string }[]
  owner: string
  securedParty: string
  registry: string
  expiresAtMs: number
  reason: string
  createdHeight: number
  createdTimeMs: number
}

/** GET /prices (node/ledger/trades.ts PriceStatistics). */
export interface PriceStatisticsView {
  filter: Record<string, string | number>
  count: number
  volume: number
  /** Exact decimal string of minor units. */
  notional: string
  vwapPerTonne: number | null
  minPerTonne: number | null
  maxPerTonne: number | null
  disclosed: { height: number; timeMs: number; batchId: string; quantity: number; pricePerTonne: number; currency: string; vintage: string }[]
  truncated: boolean
}
/** A rating (node/ledger/keys.ts RatingRecord) as GET /projects/:registry/:projectId shows it. */
export interface RatingView {
  registry: string
  projectId: string
  agency: string
  agencyName: string | null
  seq: number
  scale: string
  grade: string
  ratedOn: string
  reportUri: string
  height: number
  timeMs: number
  txIndex: number
  txId: string
  /** True once a later rating by the same agency superseded it. */
  superseded: boolean
}

/** A digital MRV attestation; measuredTonnes is in whole tonnes of CO2e. */
export interface AttestationView {
  registry: string
  projectId: string
  verifier: string
  verifierName: string | null
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

export interface ProjectQualityView {
  /** The current (latest) rating of each agency. */
  ratings: RatingView[]
  ratingHistory: RatingView[]
  attestations: AttestationView[]
  truncated: boolean
}

export interface PrivateRetirementView {
  txId: string
  batchId: string
  beneficiaryCommitment: string
  retiredBy: string
  units: number
  runs: { range: { start: number; end: number }; eventSeq: number }[]
  height: number
  timeMs: number
  events: { batchId: string; seq: number; type: string; range: { start: number; end: number }; from: string | null; to: string | null; by: string; txId: string; details: Record<string, string> }[]
}

/** The ranges of record of a batch: they partition its serials; `truncated` past RECORD_OF_RANGES_SHOWN_MAX (1000). */
export interface RecordOfView {
  ranges: { start: number; end: number; registry: string }[]
  truncated: boolean
}

/** An offtake agreement (node/ledger/keys.ts OfftakeRecord); money in integer minor units, quantities in tonnes. */
export interface OfftakeRecordView extends OfftakeTerms {
  id: string
  status: 'open' | 'delivered' | 'defaulted' | 'cancelled'
  delivered: number
  paidOnDelivery: number
  escrowed: number
  deliveries: number
  shortfall: number
  prepaidUncovered: number
  refunded: number
  developerRefund: number
  createdHeight: number
  createdTimeMs: number
  createdTxIndex: number
  txId: string
  closedHeight: number
  closedTimeMs: number
}

export interface OfftakeView extends OfftakeRecordView {
  deliveryRecords: { offtakeId: string; seq: number; batchId: string; range: { start: number; end: number }; units: number; payment: number; height: number; timeMs: number; txIndex: number; txId: string }[]
  deliveriesTruncated: boolean
}
