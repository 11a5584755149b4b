// Clients of the simulated ledger: a registry that registers a project and issues batches, a bank that mints
// cash (USD, EUR) into the holders' accounts and burns what they pay back to it, and holders that transfer and
// retire credits and pay each other (and the bank) cash. Some transactions are meant to fail: overlapping
// issuances, payments and burns of more than the sender may hold (INSUFFICIENT_FUNDS), and mints by a holder
// (WRONG_ROLE); the ledger must reject them and change nothing else. Holders also agree offtakes with each other
// (one the financier, another the developer), which the registry's batches to the developer deliver, which default
// at their due date, or which both cancel. Each client signs consecutive nonces, keeps a few transactions in
// flight, asks a random node whether each is committed, and re-submits the same signed bytes to a random node when
// it is not (the safe retry the README promises: a signed transaction is committed at most once).
import { keyPairFromSecret, type KeyPair, type SignedTxWithId } from '../../client/keys.ts'
import { sha256 } from '@noble/hashes/sha2.js'
import * as build from '../../client/builders.ts'
import { bytesToHex, encodeSignedTx, encodeTx, offtakeCancelSignBytes, offtakeSignBytes, portSignBytes, swapSignBytes, txId, txSignBytes, type Genesis, type GenesisAccount, type TxBodies, type TxKind } from '../../client/wire.ts'
import { createSigner } from '../../node/crypto/sign.ts'
import { Rng, type Scheduler } from './scheduler.ts'
import type { SimNode } from './node.ts'
import { beneficiaryCommitment } from '../../client/commitments.ts'

export const CLIENT_TICK_MS = 250
export const RESUBMIT_AFTER_MS = 1_500
export const CLIENT_TXS_IN_FLIGHT_MAX = 2
export const HOLDER_COUNT = 3
export const PROJECT_ID = 'SIM-1'
export const CASH_CURRENCIES = ['USD', 'EUR'] as const
export const COMPOSITE_CLASS = 'SIM-BLEND'
/** The fractions registry's project and numbering space (apart from the main registry's VCS space). */
export const FRACTION_PROJECT_ID = 'SIM-F'
export const FRACTION_SPACE = 'VCS/SIMF'

/** The fraction clients of the simulated market: a second VCS registry account and a holder. */
export interface FractionKeys {
  registry: KeyPair
  holder: KeyPair
}

export function fractionRegistryAccount(key: KeyPair): GenesisAccount {
  return { name: 'registry-vcs-fractions', publicKey: bytesToHex(key.publicKey), role: 'registry', registry: 'VCS' }
}

interface InFlight {
  tx: SignedTxWithId
  kind: string
  lastSentMs: number
}

export interface ClientTx {
  id: string
  kind: string
  client: string
}

/** A key derived from the run's seed, so that a seed replays with the very same keys and signatures. */
export function seededKey(name: string, seed: number): KeyPair {
  return keyPairFromSecret(sha256(new TextEncoder().encode(`tonne-sim/${seed}/${name}`)))
}

export function registryAccount(key: KeyPair): GenesisAccount {
  return { name: 'registry-vcs', publicKey: bytesToHex(key.publicKey), role: 'registry', registry: 'VCS' }
}

export function bankAccount(key: KeyPair): GenesisAccount {
  return { name: 'bank', publicKey: bytesToHex(key.publicKey), role: 'bank' }
}

export function ratingAccount(key: KeyPair): GenesisAccount {
  return { name: 'rating-agency', publicKey: bytesToHex(key.publicKey), role: 'rating' }
}

export function verifierAccount(key: KeyPair): GenesisAccount {
  return { name: 'verifier', publicKey: bytesToHex(key.publicKey), role: 'verifier' }
}

/** A registry account of `registry` (the portability clients: a second Verra account and Gold Standard's). */
export function portRegistryAccount(name: string, key: KeyPair, registry: 'VCS' | 'GS'): GenesisAccount {
  return { name, publicKey: bytesToHex(key.publicKey), role: 'registry', registry }
}

/** Keys of the portability clients: a second Verra registry account and a Gold Standard registry account. */
export interface PortKeys {
  vcs: KeyPair
  gs: KeyPair
}

/** The numbering space of the credits the simulated Gold Standard imports from a registry not on the ledger. */
export const IMPORT_ORIGIN = 'PURO'
export const GS_PROJECT_ID = 'SIM-GS-1'

/** The rating agency and the MRV verifier of the simulated market (project.rate, project.attest). */
export interface QualityKeys {
  rating: KeyPair
  verifier: KeyPair
}

/** A day of 2024 (day 0 is 2024-01-01) as YYYY-MM-DD: simulated dates stay before the simulated block time (2025). */
function dayOf2024(day: number): string {
  return new Date(Date.UTC(2024, 0, 1) + day * 24 * 60 * 60 * 1000).toISOString().slice(0, 10)
}

export class Client {
  private nonce = 0
  private readonly inFlight: InFlight[] = []
  /** Every transaction this client signed, in nonce order. */
  readonly signed: ClientTx[] = []
  committed = 0
  resubmissions = 0
  creating = true
  private readonly signer: (message: Uint8Array) => Uint8Array

  constructor(
    readonly name: string,
    readonly key: KeyPair,
    private readonly next: (client: Client) => { kind: string; tx: SignedTxWithId } | null,
    private readonly chainId: string,
  ) {
    this.signer = createSigner(key.secretKey)
  }

  /** signTx of client/keys.ts, with node:crypto's signer: ed25519 is deterministic, so the bytes are the same. */
  sign<K extends TxKind>(kind: K, body: TxBodies[K]): SignedTxWithId {
    const txBytes = encodeTx({ chainId: this.chainId, kind, sender: this.key.publicKey, nonce: this.nonce, body })
    const signature = this.signer(txSignBytes(this.chainId, txBytes))
    this.nonce += 1
    return { txBytes, signature, id: txId(txBytes), bytes: encodeSignedTx({ txBytes, signature }) }
  }

  get pending(): number {
    return this.inFlight.length
  }

  async tick(nowMs: number, nodes: SimNode[], rng: Rng): Promise<void> {
    const up = nodes.filter((node) => node.isUp())
    if (up.length === 0) return
    // Which in-flight transactions are committed, according to one node (any node a client happens to ask).
    const asked = rng.pick(up)
    const state = asked.store?.state
    if (state !== undefined) {
      for (let index = this.inFlight.length - 1; index >= 0; index -= 1) {
        const entry = this.inFlight[index] as InFlight
        if ((await state.get('tx/' + entry.tx.id)) !== undefined) {
          this.inFlight.splice(index, 1)
          this.committed += 1
        }
      }
    }
    for (const entry of this.inFlight) {
      if (nowMs - entry.lastSentMs < RESUBMIT_AFTER_MS) continue
      entry.lastSentMs = nowMs
      this.resubmissions += 1
      await rng.pick(up).submit(entry.tx.bytes)
    }
    while (this.creating && this.inFlight.length < CLIENT_TXS_IN_FLIGHT_MAX) {
      const made = this.next(this)
      if (made === null) break
      this.signed.push({ id: made.tx.id, kind: made.kind, client: this.name })
      this.inFlight.push({ tx: made.tx, kind: made.kind, lastSentMs: nowMs })
      await rng.pick(up).submit(made.tx.bytes)
    }
  }
}

/** An offer a client made: another client may accept it, its seller cancel it (or it expires first). */
interface KnownOffer {
  id: string
  seller: string
}

/** A collateral lock a client asked for: its secured party may later release or seize it (or it expires first). */
interface KnownLock {
  id: string
  securedParty: string
}

/** The workload's shared knowledge: batches issued so far (clients cannot know exactly who holds what). */
export class Workload {
  readonly clients: Client[]
  private readonly batches: string[] = []
  /** The holder each batch was issued to (absent when issued to the registry itself). */
  private readonly batchHolder = new Map<string, string>()
  private readonly locks: KnownLock[] = []
  private readonly offers: KnownOffer[] = []
  private readonly immobilisations: string[] = []
  /** The simulated time, for lock expiries (set by tick). */
  private nowMs = 0
  private nextSerial = 1_000
  private registered = false
  /** Day of 2024 of the agency's latest rating, and how many distinct MRV data sets the verifier attested. */
  private ratingDay = 0
  private attested = 0
  private readonly qualityRng: Rng
  private readonly qualityClients = new Set<Client>()
  private readonly fractionClients = new Set<Client>()
  private readonly privateRetirements: boolean
  /** Portability (credit.port, batch.import): its clients draw from their own stream, like the quality clients. */
  private readonly portRng: Rng
  private readonly portClients = new Set<Client>()
  private gsRegistered = false
  private nextImportSerial = 1
  /** Ranges ported (or meant to be) to GS, which GS may cancel, immobilise or port back to Verra. */
  private readonly portedToGs: { batchId: string; start: number; end: number }[] = []
  /** Offtake agreements draw from their own stream, so that they shift the other clients' draws little. */
  private readonly offtakeRng: Rng
  /** Offtake agreements signed so far (some rejected, delivered or defaulted by the time a cancellation arrives). */
  private readonly offtakes: { id: string; financier: string; developer: KeyPair; agreedAtMs: number; dueAtMs: number }[] = []
  /** Fractions and composites draw from their own stream too (seeded from the registry's key). */
  private readonly fractionRng: Rng
  /** Per fraction client, batches it was issued or sent parts of (its fraction and composite transactions pick among them). */
  private readonly fractionBatches = new Map<string, string[]>()
  private compositeDefined = false
  private fractionProjectRegistered = false
  private fractionSerial = 1
  /** Composite units each fraction client expects to hold (from its mints and transfers; a guess, not the ledger's). */
  private readonly compositeUnits = new Map<string, number>()

  constructor(
    private readonly genesis: Genesis,
    readonly registryKey: KeyPair,
    readonly holderKeys: KeyPair[],
    private readonly rng: Rng,
    readonly bankKey: KeyPair,
    qualityKeys?: QualityKeys,
    private readonly portKeys?: PortKeys,
    fractionKeys?: FractionKeys,
  ) {
    const chainId = genesis.chainId
    this.privateRetirements = qualityKeys !== undefined
    const holders = holderKeys.map((key) => bytesToHex(key.publicKey))
    const firstHolder = holderKeys[0]?.publicKey ?? new Uint8Array(4)
    // Seeded from the run's first holder key (so from the run's seed); the constant only picks a stream. It was chosen
    // so that seeds 1-6 (test/sim/checks.test.ts) still reach every outcome they did before offtakes joined: any new
    // draw shifts what the other clients do in a given seed.
    this.offtakeRng = new Rng(new DataView(firstHolder.buffer, firstHolder.byteOffset).getUint32(0) ^ 6)
    const bankId = bytesToHex(bankKey.publicKey)
    // Fractions and composites are made by their own two clients from their own stream, so that the main clients'
    // draws stay exactly as they were.
    this.fractionRng = new Rng(fractionKeys === undefined ? 0 : new DataView(fractionKeys.registry.publicKey.buffer, fractionKeys.registry.publicKey.byteOffset).getUint32(0))
    const registry = new Client('registry', registryKey, (client) => this.registryTx(client, holders), chainId)
    const bank = new Client('bank', bankKey, (client) => this.bankTx(client, holders), chainId)
    const holderClients = holderKeys.map(
      (key, index) => new Client(`holder${index}`, key, (client) => this.holderTx(client, holders.filter((_, other) => other !== index), bankId), chainId),
    )
    this.clients = [registry, bank, ...holderClients]
    // The quality clients and the private retirements draw from their own stream (seeded from the agency's key,
    // itself derived from the run's seed), so that they shift the draws of the other clients as little as possible.
    this.qualityRng = new Rng(qualityKeys === undefined ? 0 : new DataView(qualityKeys.rating.publicKey.buffer, qualityKeys.rating.publicKey.byteOffset).getUint32(0))
    if (qualityKeys !== undefined) {
      const rating = new Client('rating', qualityKeys.rating, (client) => this.ratingTx(client), chainId)
      const verifier = new Client('verifier', qualityKeys.verifier, (client) => this.verifierTx(client), chainId)
      this.clients.push(rating, verifier)
      this.qualityClients.add(rating).add(verifier)
    }
    this.portRng = new Rng(portKeys === undefined ? 0 : new DataView(portKeys.gs.publicKey.buffer, portKeys.gs.publicKey.byteOffset).getUint32(0))
    if (portKeys !== undefined) {
      const vcs = new Client('registry-vcs-port', portKeys.vcs, (client) => this.vcsPortTx(client), chainId)
      const gs = new Client('registry-gs', portKeys.gs, (client) => this.gsTx(client, holders), chainId)
      this.clients.push(vcs, gs)
      this.portClients.add(vcs).add(gs)
    }
    if (fractionKeys !== undefined) {
      const registryId = bytesToHex(fractionKeys.registry.publicKey)
      const holderId = bytesToHex(fractionKeys.holder.publicKey)
      const fractionRegistry = new Client('fractions-registry', fractionKeys.registry, (client) => this.fractionRegistryTx(client, holderId), chainId)
      const fractionHolder = new Client('fractions-holder', fractionKeys.holder, (client) => this.fractionTx(client, registryId), chainId)
      this.clients.push(fractionRegistry, fractionHolder)
      this.fractionClients.add(fractionRegistry).add(fractionHolder)
    }
  }

  /** A port body signed by the receiving registry's key (the workload holds both registries' keys). */
  private portBody(batchId: string, start: number, end: number, from: 'VCS' | 'GS', receiver: KeyPair, expiresAtMs: number): TxBodies['credit.port'] {
    const terms = build.portTerms({ batchId, range: { start, end }, fromRegistry: from, toRegistry: from === 'VCS' ? 'GS' : 'VCS', toSigner: bytesToHex(receiver.publicKey), expiresAtMs, reason: 'simulated port' })
    return { ...terms, toSignature: createSigner(receiver.secretKey)(portSignBytes(this.genesis.chainId, terms)) }
  }

  /**
   * A second Verra account ports a few serials of an issued batch to Gold Standard (some already ported, retired,
   * locked or expired: then NOT_REGISTRY_OF_RECORD, RETIRED_UNIT, LOCKED_UNIT or PORT_NOT_VALID).
   */
  private vcsPortTx(client: Client): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.portRng
    const keys = this.portKeys
    if (keys === undefined || this.batches.length === 0 || !rng.chance(0.2)) return null
    const batchId = this.batches[rng.int(this.batches.length)] as string
    const [first, last] = batchId.slice(batchId.indexOf(':') + 1).split('-').map(Number) as [number, number]
    const start = first + rng.int(last - first + 1)
    const end = Math.min(last, start + rng.between(0, 4))
    const expiresAtMs = rng.chance(0.1) ? this.nowMs - 1 : this.nowMs + rng.between(5_000, 30_000)
    this.portedToGs.push({ batchId, start, end })
    return { kind: 'credit.port', tx: client.sign('credit.port', this.portBody(batchId, start, end, 'VCS', keys.gs, expiresAtMs)) }
  }

  /**
   * Gold Standard registers its project, imports credits taken over from a registry not on the ledger (now and then
   * over serials it already imported: IMPORT_OVERLAP), and acts on ranges ported to it: cancels, immobilises, or ports
   * them back to Verra.
   */
  private gsTx(client: Client, holders: string[]): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.portRng
    const keys = this.portKeys
    if (keys === undefined) return null
    if (!this.gsRegistered) {
      this.gsRegistered = true
      return { kind: 'project.register', tx: client.sign('project.register', build.projectRegister({ registry: 'GS', projectId: GS_PROJECT_ID, name: 'Simulated takeover project' })) }
    }
    if (!rng.chance(0.2)) return null
    if (this.portedToGs.length > 0 && rng.chance(0.6)) {
      const ported = this.portedToGs[rng.int(this.portedToGs.length)] as { batchId: string; start: number; end: number }
      const what = rng.int(3)
      if (what === 0) {
        this.portedToGs.splice(this.portedToGs.indexOf(ported), 1)
        return { kind: 'credit.port', tx: client.sign('credit.port', this.portBody(ported.batchId, ported.start, ported.end, 'GS', keys.vcs, this.nowMs + rng.between(5_000, 30_000))) }
      }
      if (what === 1) return { kind: 'credit.cancel', tx: client.sign('credit.cancel', build.creditCancel({ batchId: ported.batchId, range: { start: ported.start, end: ported.start }, reason: 'simulated cancellation at GS' })) }
      return { kind: 'credit.immobilise', tx: client.sign('credit.immobilise', build.creditImmobilise({ batchId: ported.batchId, range: { start: ported.end, end: ported.end }, reason: 'simulated hold at GS' })) }
    }
    const overlapping = this.nextImportSerial > 1 && rng.chance(0.2)
    const size = rng.between(5, 30)
    const start = overlapping ? Math.max(1, this.nextImportSerial - rng.between(1, 5)) : this.nextImportSerial
    if (!overlapping) this.nextImportSerial += size
    return { kind: overlapping ? 'batch.import (overlapping)' : 'batch.import', tx: client.sign('batch.import', build.batchImport({ registry: 'GS', origin: IMPORT_ORIGIN, projectId: GS_PROJECT_ID, space: IMPORT_ORIGIN, serialStart: start, serialEnd: start + size - 1, to: rng.pick(holders) })) }
  }

  /** The bank mints into holders' accounts (now and then its own) and burns, sometimes more than it holds. */
  private bankTx(client: Client, holders: string[]): { kind: string; tx: SignedTxWithId } {
    const rng = this.rng
    const currency = rng.pick(CASH_CURRENCIES)
    if (rng.chance(0.25)) {
      // What holders paid back to the bank, if that much: small burns mostly succeed, large ones fail.
      const amount = rng.chance(0.7) ? rng.between(1, 500) : rng.between(100_000, 1_000_000)
      return { kind: 'cash.burn', tx: client.sign('cash.burn', build.cashBurn({ currency, amount })) }
    }
    const to = rng.chance(0.1) ? bytesToHex(client.key.publicKey) : rng.pick(holders)
    return { kind: 'cash.mint', tx: client.sign('cash.mint', build.cashMint({ currency, to, amount: rng.between(100, 10_000) })) }
  }

  /** A holder's cash move: pay another holder or the bank, sometimes more than it can hold, or try to mint. */
  private holderCashTx(client: Client, others: string[], bankId: string): { kind: string; tx: SignedTxWithId } {
    const rng = this.rng
    const currency = rng.pick(CASH_CURRENCIES)
    if (rng.chance(0.1)) {
      return { kind: 'cash.mint (not a bank)', tx: client.sign('cash.mint', build.cashMint({ currency, to: bytesToHex(client.key.publicKey), amount: rng.between(1, 1_000) })) }
    }
    const to = rng.chance(0.2) ? bankId : rng.pick(others)
    const amount = rng.chance(0.1) ? rng.between(1_000_000, 2_000_000) : rng.between(1, 3_000)
    return { kind: 'cash.transfer', tx: client.sign('cash.transfer', build.cashTransfer({ currency, to, amount })) }
  }

  /** The agency rates the simulated project now and then, its dates mostly moving forward (else STALE_RATING). */
  private ratingTx(client: Client): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.qualityRng
    if (!this.registered || !rng.chance(0.15)) return null
    this.ratingDay = rng.chance(0.2) ? Math.max(0, this.ratingDay - rng.between(1, 30)) : Math.min(364, this.ratingDay + rng.between(0, 20))
    const grade = rng.pick(['AAA', 'AA', 'A', 'BBB', 'BB', 'B'])
    return { kind: 'project.rate', tx: client.sign('project.rate', build.projectRate({ registry: 'VCS', projectId: PROJECT_ID, scale: 'Simulated scale (AAA-D)', grade, ratedOn: dayOf2024(this.ratingDay), reportUri: `https://ratings.example/sim/${this.ratingDay}` })) }
  }

  /** The verifier attests monitoring periods of the simulated project; now and then the same data again (DUPLICATE_ATTESTATION). */
  private verifierTx(client: Client): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.qualityRng
    if (!this.registered || !rng.chance(0.15)) return null
    const repeat = this.attested > 0 && rng.chance(0.15)
    const dataIndex = repeat ? rng.int(this.attested) : this.attested++
    const start = rng.between(0, 300)
    const dataHash = bytesToHex(sha256(new TextEncoder().encode(`tonne-sim/mrv/${dataIndex}`)))
    return { kind: 'project.attest', tx: client.sign('project.attest', build.projectAttest({ registry: 'VCS', projectId: PROJECT_ID, periodStart: dayOf2024(start), periodEnd: dayOf2024(start + rng.between(0, 64)), measuredTonnes: rng.between(0, 50_000), dataHash, dataUri: `https://mrv.example/sim/${dataIndex}.json` })) }
  }

  private registryTx(client: Client, holders: string[]): { kind: string; tx: SignedTxWithId } {
    const rng = this.rng
    if (!this.registered) {
      this.registered = true
      return { kind: 'project.register', tx: client.sign('project.register', build.projectRegister({ registry: 'VCS', projectId: PROJECT_ID, name: 'Simulated project' })) }
    }
    if (this.batches.length > 0 && rng.chance(0.1)) {
      // A range that overlaps an issued one: the ledger must reject it (SERIAL_OVERLAP) and change nothing else.
      const start = this.nextSerial - rng.between(1, 5)
      return { kind: 'batch.issue (overlapping)', tx: client.sign('batch.issue', build.batchIssue({ registry: 'VCS', projectId: PROJECT_ID, space: 'VCS', serialStart: start, serialEnd: start + 3, to: rng.pick(holders) })) }
    }
    if (this.batches.length > 0 && rng.chance(0.1)) {
      const batchId = rng.pick(this.batches)
      return { kind: 'credit.cancel', tx: client.sign('credit.cancel', build.creditCancel({ batchId, quantity: rng.between(1, 2), reason: 'simulated cancellation' })) }
    }
    if (this.immobilisations.length > 0 && rng.chance(0.1)) {
      const lockId = this.immobilisations.splice(rng.int(this.immobilisations.length), 1)[0] as string
      return { kind: 'credit.mobilise', tx: client.sign('credit.mobilise', { lockId }) }
    }
    if (this.batches.length > 0 && rng.chance(0.08)) {
      // A few serials of a batch, whoever holds them (some may be retired or locked: then LOCKED_UNIT/RETIRED_UNIT).
      const batchId = rng.pick(this.batches)
      const [start] = batchId.slice(batchId.indexOf(':') + 1).split('-').map(Number) as [number]
      const from = start + rng.between(0, 4)
      const made = client.sign('credit.immobilise', build.creditImmobilise({ batchId, range: { start: from, end: from + rng.between(0, 2) }, reason: 'simulated hold' }))
      this.immobilisations.push(made.id)
      return { kind: 'credit.immobilise', tx: made }
    }
    const size = rng.between(5, 40)
    const start = this.nextSerial
    this.nextSerial += size + rng.between(0, 3)
    const batchId = `VCS:${start}-${start + size - 1}`
    this.batches.push(batchId)
    const to = rng.chance(0.2) ? '' : rng.pick(holders)
    if (to !== '') this.batchHolder.set(batchId, to)
    return { kind: 'batch.issue', tx: client.sign('batch.issue', build.batchIssue({ registry: 'VCS', projectId: PROJECT_ID, space: 'VCS', serialStart: start, serialEnd: start + size - 1, vintageStart: '2020-01-01', vintageEnd: '2020-12-31', to })) }
  }

  /**
   * Delivery versus payment, or null (about 60% of the time): accept someone's offer, cancel one's own, make an offer
   * (to anyone or to one holder), or settle a swap the seller co-signs (the workload holds every holder's key, as
   * the two parties would after agreeing off the ledger). Some are meant to fail (no funds, gone, wrong buyer).
   */
  private holderTradeTx(client: Client, self: string, others: string[], batchId: string): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.rng
    const own = this.offers.filter((offer) => offer.seller === self)
    if (own.length > 0 && rng.chance(0.2)) {
      const offer = own[rng.int(own.length)] as KnownOffer
      this.offers.splice(this.offers.indexOf(offer), 1)
      return { kind: 'trade.cancel', tx: client.sign('trade.cancel', { offerId: offer.id }) }
    }
    const theirs = this.offers.filter((offer) => offer.seller !== self)
    if (theirs.length > 0 && rng.chance(0.3)) {
      const offer = theirs[rng.int(theirs.length)] as KnownOffer
      // Half the acceptances take part of the offer (offers are of 1 to 4 units; some ask for more than is left).
      const quantity = rng.chance(0.5) ? 0 : rng.between(1, 3)
      if (quantity === 0) this.offers.splice(this.offers.indexOf(offer), 1)
      return { kind: 'trade.accept', tx: client.sign('trade.accept', { offerId: offer.id, quantity, disclosePrice: rng.chance(0.5) }) }
    }
    if (rng.chance(0.2)) {
      const buyer = rng.chance(0.5) ? '' : rng.pick(others)
      const made = client.sign('trade.offer', build.tradeOffer({ batchId, quantity: rng.between(1, 4), pricePerTonne: rng.between(100, 3_000), currency: rng.pick(['USD', 'EUR']), buyer, expiresAtMs: this.nowMs + rng.between(3_000, 20_000), disclosePrice: rng.chance(0.5) }))
      this.offers.push({ id: made.id, seller: self })
      return { kind: 'trade.offer', tx: made }
    }
    if (rng.chance(0.08)) {
      // Mostly the holder the batch was issued to (it may still hold some), else any other holder.
      const drawn = rng.pick(this.holderKeys.filter((key) => bytesToHex(key.publicKey) !== self))
      const first = this.holderKeys.find((key) => bytesToHex(key.publicKey) === this.batchHolder.get(batchId) && bytesToHex(key.publicKey) !== self)
      const seller = first ?? drawn
      const terms = build.swapTerms({ batchId, quantity: rng.between(1, 3), seller: bytesToHex(seller.publicKey), buyer: self, pricePerTonne: rng.between(100, 3_000), currency: 'USD', expiresAtMs: this.nowMs + rng.between(2_000, 10_000), discloseSeller: true, discloseBuyer: rng.chance(0.5) })
      return { kind: 'trade.swap', tx: client.sign('trade.swap', { ...terms, sellerSignature: createSigner(seller.secretKey)(swapSignBytes(this.genesis.chainId, terms)) }) }
    }
    return null
  }

  /**
   * An offtake agreement the holder (financier) makes with another holder (developer) on the simulated project: small
   * enough to be funded mostly, due a few seconds ahead, so that some are delivered by the registry's next batches to
   * that holder and others default at their due date; or both parties cancel one of the holder's agreements. Both
   * sign (the workload holds every holder's key).
   */
  private offtakeTx(client: Client, self: string): { kind: string; tx: SignedTxWithId } {
    const rng = this.offtakeRng
    // Cancel only agreements sent a while ago (so most have committed) and not yet due (so most are still open).
    const own = this.offtakes.filter((offtake) => offtake.financier === self && this.nowMs - offtake.agreedAtMs >= 2_000 && offtake.dueAtMs - this.nowMs >= 1_000)
    if (own.length > 0 && rng.chance(0.7)) {
      // Both parties end one (refund mostly 0; sometimes more than the developer holds: INSUFFICIENT_FUNDS).
      const drawn = rng.int(own.length)
      const offtake = own[rng.chance(0.6) ? own.length - 1 : drawn] as (typeof own)[number]
      this.offtakes.splice(this.offtakes.indexOf(offtake), 1)
      const cancel = { offtakeId: offtake.id, refund: rng.chance(0.8) ? 0 : rng.between(1, 2_000) }
      return { kind: 'offtake.cancel', tx: client.sign('offtake.cancel', { ...cancel, developerSignature: createSigner(offtake.developer.secretKey)(offtakeCancelSignBytes(this.genesis.chainId, cancel)) }) }
    }
    const developer = rng.pick(this.holderKeys.filter((key) => bytesToHex(key.publicKey) !== self))
    const quantity = rng.between(1, 60)
    const pricePerTonne = rng.between(1, 60)
    const terms = build.offtakeTerms({
      financier: self,
      developer: bytesToHex(developer.publicKey),
      registry: 'VCS',
      projectId: PROJECT_ID,
      quantity,
      pricePerTonne,
      currency: rng.pick(CASH_CURRENCIES),
      prepaid: rng.chance(0.3) ? 0 : rng.between(0, quantity * pricePerTonne),
      dueAtMs: this.nowMs + rng.between(2_000, 15_000),
      expiresAtMs: this.nowMs + rng.between(1_000, 6_000),
    })
    const signBytes = offtakeSignBytes(this.genesis.chainId, terms)
    this.offtakes.push({ id: bytesToHex(signBytes), financier: self, developer, agreedAtMs: this.nowMs, dueAtMs: terms.dueAtMs })
    return { kind: 'offtake.agree', tx: client.sign('offtake.agree', { ...terms, developerSignature: createSigner(developer.secretKey)(signBytes) }) }
  }

  /**
   * The fractions registry (a second VCS registry account, numbering space VCS/SIMF so that its serials never meet
   * the main registry's): registers its project, issues batches to itself or to the fractions holder now and then,
   * and otherwise acts on fractions and composites like the holder.
   */
  private fractionRegistryTx(client: Client, holder: string): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.fractionRng
    if (!this.fractionProjectRegistered) {
      this.fractionProjectRegistered = true
      return { kind: 'project.register', tx: client.sign('project.register', build.projectRegister({ registry: 'VCS', projectId: FRACTION_PROJECT_ID, name: 'Simulated project (fractions)', country: 'BR' })) }
    }
    if (this.fractionSerial < 40 || rng.chance(0.1)) {
      const size = rng.between(3, 12)
      const start = this.fractionSerial
      this.fractionSerial += size
      const batchId = `${FRACTION_SPACE}:${start}-${start + size - 1}`
      const toHolder = rng.chance(0.4)
      const self = bytesToHex(client.key.publicKey)
      this.remember(toHolder ? holder : self, batchId)
      return { kind: 'batch.issue', tx: client.sign('batch.issue', build.batchIssue({ registry: 'VCS', projectId: FRACTION_PROJECT_ID, space: FRACTION_SPACE, serialStart: start, serialEnd: start + size - 1, vintageStart: '2021-01-01', vintageEnd: '2021-12-31', to: toHolder ? holder : '' })) }
    }
    return this.fractionTx(client, holder)
  }

  /** Remembers that `account` may hold units or fractions of `batchId`. */
  private remember(account: string, batchId: string): void {
    const known = this.fractionBatches.get(account) ?? []
    if (!known.includes(batchId)) this.fractionBatches.set(account, [...known, batchId])
  }

  /**
   * Fractions and composites, between the two fraction clients: fractionalise a unit or a few, move or retire parts
   * (sometimes more than held: INSUFFICIENT_FRACTIONS), recombine a serial held in full (else INCOMPLETE_FRACTIONS),
   * define the class (again: COMPOSITE_EXISTS), mint from one or two batches, transfer, redeem, retire units.
   */
  private fractionTx(client: Client, other: string): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.fractionRng
    if (!rng.chance(0.6)) return null
    const self = bytesToHex(client.key.publicKey)
    const mine = this.fractionBatches.get(self) ?? []
    if (mine.length === 0) return null
    const batchId = rng.pick(mine)
    // A client that expects to hold composite units acts on them half the time (transfer, redeem or retire).
    const expected = this.compositeUnits.get(self) ?? 0
    const choice = expected > 0 && this.compositeDefined && rng.chance(0.5) ? rng.between(14, 19) : rng.int(20)
    if (choice < 4) return { kind: 'credit.fractionalise', tx: client.sign('credit.fractionalise', build.creditFractionalise({ batchId, quantity: rng.between(1, 3) })) }
    if (choice < 6) {
      this.remember(other, batchId)
      return { kind: 'fraction.transfer', tx: client.sign('fraction.transfer', build.fractionTransfer({ batchId, amount: rng.chance(0.1) ? rng.between(5_000_000, 9_000_000) : rng.between(1, 1_500_000), to: other })) }
    }
    if (choice < 8) return { kind: 'fraction.retire', tx: client.sign('fraction.retire', build.fractionRetire({ batchId, amount: rng.between(1, 400_000), beneficiary: client.name, purpose: 'simulation' })) }
    if (choice < 10) return { kind: 'credit.recombine', tx: client.sign('credit.recombine', build.creditRecombine({ batchId, quantity: 1 })) }
    if (!this.compositeDefined || choice === 10) {
      this.compositeDefined = true
      return { kind: 'composite.define', tx: client.sign('composite.define', build.compositeDefine({ classId: COMPOSITE_CLASS, name: 'Simulated blend', rules: { vintageFrom: 2021, countries: ['BR'] } })) }
    }
    const units = this.compositeUnits.get(self) ?? 0
    if (choice < 14 || units === 0) {
      const second = rng.pick(mine)
      const deposits = second !== batchId && rng.chance(0.5)
        ? [{ batchId, amount: 400_000 }, { batchId: second, amount: 600_000 }]
        : [{ batchId, amount: rng.chance(0.1) ? 999_999 : rng.pick([1_000_000, 2_000_000]) }]
      // What the client expects to hold if the mint succeeds (it may not: then later unit actions fail).
      this.compositeUnits.set(self, units + Math.floor(deposits.reduce((sum, deposit) => sum + deposit.amount, 0) / 1_000_000))
      return { kind: 'composite.mint', tx: client.sign('composite.mint', build.compositeMint({ classId: COMPOSITE_CLASS, deposits })) }
    }
    this.compositeUnits.set(self, units - 1)
    if (choice < 16) {
      this.compositeUnits.set(other, (this.compositeUnits.get(other) ?? 0) + 1)
      return { kind: 'composite.transfer', tx: client.sign('composite.transfer', build.compositeTransfer({ classId: COMPOSITE_CLASS, quantity: 1, to: other })) }
    }
    if (choice < 18) return { kind: 'composite.redeem', tx: client.sign('composite.redeem', build.compositeRedeem({ classId: COMPOSITE_CLASS, quantity: 1 })) }
    return { kind: 'composite.retire', tx: client.sign('composite.retire', build.compositeRetire({ classId: COMPOSITE_CLASS, quantity: 1, beneficiary: client.name })) }
  }

  private holderTx(client: Client, others: string[], bankId: string): { kind: string; tx: SignedTxWithId } | null {
    const rng = this.rng
    if (this.registered && this.offtakeRng.chance(0.06)) return this.offtakeTx(client, bytesToHex(client.key.publicKey))
    if (rng.chance(0.3)) return this.holderCashTx(client, others, bankId)
    if (this.batches.length === 0) return null
    const self = bytesToHex(client.key.publicKey)
    const mine = this.locks.filter((lock) => lock.securedParty === self)
    if (mine.length > 0 && rng.chance(0.3)) {
      const lock = mine[rng.int(mine.length)] as KnownLock
      this.locks.splice(this.locks.indexOf(lock), 1)
      const kind = rng.chance(0.5) ? 'credit.release' : 'credit.seize'
      return { kind, tx: client.sign(kind, { lockId: lock.id }) }
    }
    const batchId = rng.pick(this.batches)
    const trade = this.holderTradeTx(client, self, others, batchId)
    if (trade !== null) return trade
    if (rng.chance(0.15)) {
      // Collateral for a few seconds of simulated time: it may be released, seized, or expire at a block boundary.
      const securedParty = rng.pick(others)
      const made = client.sign('credit.lock', build.creditLock({ batchId, quantity: rng.between(1, 4), securedParty, expiresAtMs: this.nowMs + rng.between(2_000, 15_000) }))
      this.locks.push({ id: made.id, securedParty })
      return { kind: 'credit.lock', tx: made }
    }
    if (this.privateRetirements && this.qualityRng.chance(0.08)) {
      // The salt comes from the run's rng (a client draws it from a CSPRNG), so that a seed replays the same bytes.
      const salt = bytesToHex(sha256(new TextEncoder().encode(`tonne-sim/salt/${this.qualityRng.int(2 ** 32)}`)))
      const body = { batchId, quantity: this.qualityRng.between(1, 3), range: null, beneficiaryCommitment: beneficiaryCommitment(`${client.name} customer`, salt), purpose: 'simulation', reason: '', retiredOn: '' }
      return { kind: 'credit.retire-private', tx: client.sign('credit.retire-private', body) }
    }
    if (rng.chance(0.25)) {
      return { kind: 'credit.retire', tx: client.sign('credit.retire', build.creditRetire({ batchId, quantity: rng.between(1, 3), beneficiary: client.name, purpose: 'simulation' })) }
    }
    return { kind: 'credit.transfer', tx: client.sign('credit.transfer', build.creditTransfer({ batchId, quantity: rng.between(1, 6), to: rng.pick(others) })) }
  }

  async tick(nowMs: number, nodes: SimNode[]): Promise<void> {
    this.nowMs = nowMs
    for (const client of this.clients) await client.tick(nowMs, nodes, this.qualityClients.has(client) ? this.qualityRng : this.portClients.has(client) ? this.portRng : this.fractionClients.has(client) ? this.fractionRng : this.rng)
  }

  stopCreating(): void {
    for (const client of this.clients) client.creating = false
  }

  get signed(): ClientTx[] {
    return this.clients.flatMap((client) => client.signed)
  }

  get pending(): number {
    return this.clients.reduce((sum, client) => sum + client.pending, 0)
  }
}
