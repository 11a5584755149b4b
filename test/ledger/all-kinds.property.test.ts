// Property test over random sequences of EVERY transaction kind (fast-check). Three holders with real keys trade,
// lock, retire, pay, fractionalise, bundle into composites and agree offtakes with each other; two registries issue, import, cancel, immobilise and port
// serial ranges to each other (both signing); a bank mints and burns; a rating agency and a verifier attach quality
// information; time jumps past expiries and due dates. One transaction per block, and every expiry a whole
// number of EPOCH_MS after the block that sets it (ordinary blocks step 1 s), so that a block has one cause of
// change. After every block:
// - a rejected transaction changed nothing but its sender's nonce (a failed DvP, lock or retirement moves nothing);
// - retired and cancelled units never change again; a locked unit keeps its owner and lock until that lock ends (or,
//   for an offer's reservation, until an acceptance takes it, to the buyer);
// - the simulation's invariants hold (test/sim/invariants.ts): supply per batch conserved (issued = active + locked +
//   retired + cancelled), holdings indexes agree, locks and offers match their holdings, no lock outlives its
//   expiry, no balance is negative and each currency's supply is the sum of its balances plus escrow, quality
//   records intact, ranges of record partition every batch, offtake escrows and deliveries add up, every
//   fractionalised serial's parts held + retired are exactly 1_000_000 (retired parts never decrease), and every
//   composite unit is exactly its components, held in the class's custody;
// - replaying the same blocks on a fresh ledger gives the same app hash after every block and the same state.
// The test also asserts that every kind committed OK at least once over all runs, so a kind the generator cannot
// reach fails it (a new kind must be added here, like in the simulation's workload).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { beneficiaryCommitment } from '../../client/commitments.ts'
import { keyPairFromSecret, offtakeIdOf, sign } from '../../client/keys.ts'
import { bytesToHex, offtakeCancelSignBytes, offtakeSignBytes, portSignBytes, swapSignBytes, TX_KINDS, type Genesis, type ResultName, type OfftakeTerms, type PortTerms, type SwapTerms, type Tx, type TxBodies, type TxKind } from '../../client/wire.ts'
import { keys, PREFIX, prefixRange, readRange, type FractionSerialRecord, type HoldingRecord, type LockRecord } from '../../node/ledger/index.ts'
import { checkCash, checkComposites, checkFractions, checkFrozen, checkLedger, checkOfftakes, checkQuality, frozenUnits } from '../sim/invariants.ts'
import { BANK, GENESIS, GOLD, issueBody, projectBody, TestLedger, testAccount, VERRA, type TestAccount } from './helpers.ts'

/** Expiries are whole multiples of this after the block that sets them; ordinary blocks advance 1 s. */
const EPOCH_MS = 1_000_000
const RUNS = 200
const SEQUENCE_LENGTH_MAX = 90
/**
 * Fixed by default, so that the coverage check below (every kind succeeds somewhere) is deterministic in CI;
 * TONNE_PROPERTY_SEED=<n> explores other sequences (a failure prints the seed and the shrunk counterexample).
 */
const SEED = Number(process.env.TONNE_PROPERTY_SEED ?? 20261203)

function realAccount(name: string, fill: number): TestAccount & { secretKey: Uint8Array } {
  const secretKey = new Uint8Array(32).fill(fill)
  const pair = keyPairFromSecret(secretKey)
  return { name, key: pair.publicKey, id: bytesToHex(pair.publicKey), secretKey }
}

const HOLDERS = [realAccount('holder-a', 0x31), realAccount('holder-b', 0x32), realAccount('holder-c', 0x33)]
/** Registry accounts with real keys, which sign the receiving side of ports (credit.port). */
const VCS_SIGNER = realAccount('verra-signer', 0x34)
const GS_SIGNER = realAccount('gold-standard-signer', 0x35)
const RATER = testAccount('rating-agency', 0x11)
const VERIFIER = testAccount('verifier', 0x13)
const ALL_GENESIS: Genesis = {
  ...GENESIS,
  accounts: [
    ...GENESIS.accounts,
    { name: RATER.name, publicKey: RATER.id, role: 'rating' },
    { name: VERIFIER.name, publicKey: VERIFIER.id, role: 'verifier' },
    { name: VCS_SIGNER.name, publicKey: VCS_SIGNER.id, role: 'registry', registry: 'VCS' },
    { name: GS_SIGNER.name, publicKey: GS_SIGNER.id, role: 'registry', registry: 'GS' },
  ],
}
const CURRENCIES = ['USD', 'EUR']
const SALT = 'ab'.repeat(32)
/** Parts moved or retired at once (1_000_000 parts a tonne): a gram, a kilogram, a quarter, a half, a tonne, 1.5 t. */
const PART_AMOUNTS = [1, 1_000, 250_000, 500_000, 1_000_000, 1_500_000]

/** A generic step: which kind, and small numbers each kind reads as it needs (sender, counterparty, sizes, picks). */
interface Step {
  kind: TxKind | 'advance'
  who: number
  other: number
  at: number
  size: number
  pick: number
  flag: boolean
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    { weight: 1, arbitrary: fc.constant('advance' as const) },
    { weight: TX_KINDS.length, arbitrary: fc.constantFrom(...TX_KINDS) },
    // Offers and their acceptances need each other in one sequence: a little more of both.
    { weight: 3, arbitrary: fc.constantFrom('trade.offer' as const, 'trade.accept' as const) },
    // Composites need a class, fractions and a mint before a transfer, redeem or retire: more of these too.
    { weight: 6, arbitrary: fc.constantFrom('credit.fractionalise' as const, 'composite.define' as const, 'composite.mint' as const, 'composite.transfer' as const, 'composite.redeem' as const, 'composite.retire' as const) },
  ),
  who: fc.nat({ max: 2 }),
  other: fc.nat({ max: 2 }),
  at: fc.nat({ max: 60 }),
  size: fc.integer({ min: 1, max: 8 }),
  pick: fc.nat({ max: 30 }),
  flag: fc.boolean(),
})

/** What earlier transactions made: their ids (a lock's or offer's id is its transaction's id) and issued batches. */
interface World {
  batches: { id: string; start: number; end: number }[]
  nextSerial: number
  nextImportSerial: number
  projects: string[]
  locks: { id: string; securedParty: string }[]
  immobilisations: string[]
  offtakes: { id: string; financier: string; developer: (typeof HOLDERS)[number] }[]
  /** Batches each holder fractionalised or was sent parts of: fraction and composite steps pick among them. */
  fractions: Map<string, string[]>
  offers: { id: string; seller: string }[]
  ratingDay: number
  attested: number
}

function pickOf<T>(items: T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length]
}

function rememberFractions(world: World, account: string, batchId: string): void {
  const known = world.fractions.get(account) ?? []
  if (!known.includes(batchId)) world.fractions.set(account, [...known, batchId])
}

function day(offset: number): string {
  return new Date(Date.UTC(2023, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10)
}

/** The transaction a step stands for, in the current world; it may well be rejected (that is half the point). */
function txOf(s: Exclude<Step, { kind: 'advance' }>, world: World, nowMs: number, chainId: string): { sender: TestAccount; kind: TxKind; body: unknown; remember?: (id: string) => void } {
  const holder = HOLDERS[s.who] as (typeof HOLDERS)[number]
  const counterparty = HOLDERS[s.other] as (typeof HOLDERS)[number]
  const batch = pickOf(world.batches, s.pick) ?? { id: 'VCS:1-1', start: 1, end: 1 }
  const selection = s.flag
    ? { batchId: batch.id, quantity: 0, range: { start: batch.start + (s.at % (batch.end - batch.start + 1)), end: Math.min(batch.end + 1, batch.start + (s.at % (batch.end - batch.start + 1)) + s.size - 1) } }
    : { batchId: batch.id, quantity: s.size, range: null }
  const expiry = nowMs + (1 + (s.at % 3)) * EPOCH_MS
  const currency = CURRENCIES[s.at % 2] as string
  switch (s.kind) {
    case 'project.register': {
      const projectId = `P${s.pick % 4}`
      return { sender: VERRA, kind: s.kind, body: projectBody({ projectId, methodology: s.flag ? 'VM0015' : 'VM0007' }), remember: () => world.projects.includes(projectId) || world.projects.push(projectId) }
    }
    case 'batch.issue': {
      // Now and then a range overlapping the last one (SERIAL_OVERLAP), or by the wrong registry (WRONG_REGISTRY).
      const overlap = s.pick % 7 === 0 && world.nextSerial > 1
      const start = overlap ? world.nextSerial - 1 : world.nextSerial
      const end = start + 4 + s.size * 3
      const projectId = pickOf(['1340', ...world.projects], s.at) as string
      return {
        sender: s.pick % 11 === 1 ? GOLD : VERRA,
        kind: s.kind,
        body: issueBody({ projectId, space: 'VCS', serialStart: start, serialEnd: end, to: s.size % 5 === 0 ? '' : s.flag ? holder.id : counterparty.id }),
        remember: () => {
          world.batches.push({ id: `VCS:${start}-${end}`, start, end })
          world.nextSerial = end + 1
        },
      }
    }
    case 'credit.transfer':
      return { sender: holder, kind: s.kind, body: { ...selection, to: counterparty.id } }
    case 'credit.retire':
      return { sender: holder, kind: s.kind, body: { ...selection, beneficiary: 'A beneficiary', purpose: '', reason: '', retiredOn: '' } }
    case 'credit.retire-private':
      return { sender: holder, kind: s.kind, body: { ...selection, beneficiaryCommitment: beneficiaryCommitment(`beneficiary ${s.at}`, SALT), purpose: '', reason: '', retiredOn: '' } }
    case 'credit.cancel':
      return { sender: s.pick % 5 === 0 ? GOLD : VERRA, kind: s.kind, body: { ...selection, reason: 'property test' } }
    case 'credit.lock':
      return { sender: holder, kind: s.kind, body: { ...selection, securedParty: counterparty.id, expiresAtMs: expiry }, remember: (id) => world.locks.push({ id, securedParty: counterparty.id }) }
    case 'credit.release':
    case 'credit.seize': {
      const lock = pickOf(world.locks, s.pick)
      const party = HOLDERS.find((account) => account.id === lock?.securedParty)
      return { sender: s.flag && party !== undefined ? party : holder, kind: s.kind, body: { lockId: lock?.id ?? 'f'.repeat(64) } }
    }
    case 'credit.immobilise': {
      const start = batch.start + (s.at % (batch.end - batch.start + 1))
      return { sender: VERRA, kind: s.kind, body: { batchId: batch.id, range: { start, end: Math.min(batch.end, start + s.size - 1) }, reason: 'property test' }, remember: (id) => world.immobilisations.push(id) }
    }
    case 'credit.mobilise':
      return { sender: s.flag ? VERRA : GOLD, kind: s.kind, body: { lockId: pickOf(world.immobilisations, s.pick) ?? 'f'.repeat(64) } }
    case 'cash.mint':
      return { sender: s.pick % 9 === 0 ? holder : BANK, kind: s.kind, body: { currency, to: s.flag ? BANK.id : holder.id, amount: 1_000 + s.at * 997 } }
    case 'cash.burn':
      return { sender: BANK, kind: s.kind, body: { currency, amount: 1 + s.at * 50 } }
    case 'cash.transfer':
      return { sender: holder, kind: s.kind, body: { currency, to: counterparty.id, amount: 1 + s.at * 211 } }
    case 'trade.offer':
      return {
        sender: holder,
        kind: s.kind,
        body: { ...selection, pricePerTonne: 100 + s.pick * 37, currency, buyer: s.pick % 3 === 0 ? counterparty.id : '', expiresAtMs: expiry, disclosePrice: s.flag },
        remember: (id) => world.offers.push({ id, seller: holder.id }),
      }
    case 'trade.accept': {
      const offer = pickOf(world.offers, s.pick)
      // All that is left (0), a part (1 to 3), or now and then more than an offer has (OFFER_QUANTITY_EXCEEDED).
      const quantity = s.flag ? 0 : s.pick % 4 === 0 ? s.size + 4 : 1 + (s.size % 3)
      return { sender: holder, kind: s.kind, body: { offerId: offer?.id ?? 'e'.repeat(64), quantity, disclosePrice: s.at % 2 === 0 } }
    }
    case 'trade.cancel': {
      const offer = pickOf(world.offers, s.pick)
      const seller = HOLDERS.find((account) => account.id === offer?.seller)
      return { sender: s.flag && seller !== undefined ? seller : holder, kind: s.kind, body: { offerId: offer?.id ?? 'e'.repeat(64) } }
    }
    case 'trade.swap': {
      const terms: SwapTerms = { batchId: selection.batchId, quantity: selection.quantity, range: selection.range, seller: counterparty.id, buyer: holder.id, pricePerTonne: 50 + s.pick * 13, currency, expiresAtMs: expiry, discloseSeller: s.flag, discloseBuyer: true }
      // Mostly signed by the seller; sometimes by the buyer itself (BAD_COUNTERSIGNATURE).
      const signer = s.pick % 6 === 5 ? holder : counterparty
      return { sender: holder, kind: s.kind, body: { ...terms, sellerSignature: sign(swapSignBytes(chainId, terms), signer.secretKey) } }
    }
    case 'project.rate': {
      world.ratingDay = s.flag ? Math.max(0, world.ratingDay - 3) : world.ratingDay + s.size
      return { sender: s.pick % 8 === 0 ? holder : RATER, kind: s.kind, body: { registry: 'VCS', projectId: '1340', scale: 'Test (AAA-D)', grade: ['AAA', 'A', 'B'][s.at % 3] as string, ratedOn: day(world.ratingDay), reportUri: 'https://ratings.example/r' } }
    }
    case 'project.attest': {
      const data = s.flag && world.attested > 0 ? s.at % world.attested : world.attested++
      return { sender: VERIFIER, kind: s.kind, body: { registry: 'VCS', projectId: '1340', periodStart: day(s.at), periodEnd: day(s.at + s.size), measuredTonnes: s.pick * 100, dataHash: bytesToHex(new Uint8Array(32).fill(data % 256)), dataUri: `https://mrv.example/${data}` } }
    }
    case 'credit.port': {
      // Verra to Gold Standard or back; the sender's registry must be of record for the whole range.
      const toGold = s.pick % 3 !== 0
      const start = batch.start + (s.at % (batch.end - batch.start + 1))
      const terms: PortTerms = { batchId: batch.id, range: { start, end: Math.min(batch.end, start + s.size - 1) }, fromRegistry: toGold ? 'VCS' : 'GS', toRegistry: toGold ? 'GS' : 'VCS', toSigner: (toGold ? GS_SIGNER : VCS_SIGNER).id, expiresAtMs: expiry, reason: 'property test' }
      // Now and then signed by the wrong key (BAD_COUNTERSIGNATURE).
      const signer = s.pick % 7 === 6 ? holder : toGold ? GS_SIGNER : VCS_SIGNER
      return { sender: toGold ? VERRA : GS_SIGNER, kind: s.kind, body: { ...terms, toSignature: sign(portSignBytes(chainId, terms), signer.secretKey) } }
    }
    case 'batch.import': {
      // From PURO, not on the ledger; now and then overlapping the previous import (IMPORT_OVERLAP).
      const overlap = s.pick % 5 === 0 && world.nextImportSerial > 1
      const start = overlap ? world.nextImportSerial - 1 : world.nextImportSerial
      const end = start + s.size + 2
      const { space: _space, ...issued } = issueBody({ to: s.flag ? holder.id : counterparty.id })
      return {
        sender: VERRA,
        kind: s.kind,
        body: { ...issued, serialStart: start, serialEnd: end, origin: 'PURO', space: 'PURO' },
        remember: () => {
          world.batches.push({ id: `PURO:${start}-${end}`, start, end })
          world.nextImportSerial = end + 1
        },
      }
    }
    case 'offtake.agree': {
      // The holder finances the counterparty's future deliveries of a project; the developer signs (now and then the
      // financier itself signs: BAD_COUNTERSIGNATURE). Later batches issued to the developer deliver.
      const quantity = s.size
      const pricePerTonne = 100 + s.pick * 10
      const terms: OfftakeTerms = {
        financier: holder.id,
        developer: counterparty.id,
        registry: 'VCS',
        projectId: pickOf(['1340', ...world.projects], s.at) as string,
        quantity,
        pricePerTonne,
        currency,
        prepaid: s.flag ? Math.floor((quantity * pricePerTonne) / 2) : 0,
        dueAtMs: expiry,
        expiresAtMs: expiry,
      }
      const signer = s.pick % 7 === 3 ? holder : counterparty
      const id = offtakeIdOf(chainId, terms)
      return { sender: holder, kind: s.kind, body: { ...terms, developerSignature: sign(offtakeSignBytes(chainId, terms), signer.secretKey) }, remember: () => world.offtakes.push({ id, financier: holder.id, developer: counterparty }) }
    }
    case 'offtake.cancel': {
      const offtake = pickOf(world.offtakes, s.pick)
      const financier = HOLDERS.find((account) => account.id === offtake?.financier)
      const refund = s.at % 2 === 0 ? 0 : s.at * 10
      const cancel = { offtakeId: offtake?.id ?? 'd'.repeat(64), refund }
      const developer = offtake?.developer ?? counterparty
      return { sender: s.flag && financier !== undefined ? financier : holder, kind: s.kind, body: { ...cancel, developerSignature: sign(offtakeCancelSignBytes(chainId, cancel), developer.secretKey) } }
    }
    case 'credit.fractionalise':
      return { sender: holder, kind: s.kind, body: s.flag ? selection : { ...selection, quantity: 1 + (s.size % 2) }, remember: () => rememberFractions(world, holder.id, batch.id) }
    case 'credit.recombine': {
      const batchId = pickOf(world.fractions.get(holder.id) ?? [], s.pick) ?? batch.id
      return { sender: holder, kind: s.kind, body: { batchId, quantity: 1, range: null } }
    }
    case 'fraction.transfer': {
      const batchId = pickOf(world.fractions.get(holder.id) ?? [], s.pick) ?? batch.id
      return { sender: holder, kind: s.kind, body: { batchId, parts: PART_AMOUNTS[s.at % PART_AMOUNTS.length] as number, fromSerial: 0, to: counterparty.id }, remember: () => rememberFractions(world, counterparty.id, batchId) }
    }
    case 'fraction.retire': {
      const batchId = pickOf(world.fractions.get(holder.id) ?? [], s.pick) ?? batch.id
      return { sender: holder, kind: s.kind, body: { batchId, parts: PART_AMOUNTS[s.at % PART_AMOUNTS.length] as number, fromSerial: 0, beneficiary: 'A beneficiary', purpose: '', reason: '', retiredOn: '' } }
    }
    case 'composite.define':
      // Two classes: one for any credit, one with rules the test's batches meet only in part (vintage, country).
      // C0 and C1 exist from the start (COMPOSITE_EXISTS); C2 and C3 do not.
      return { sender: holder, kind: s.kind, body: { classId: `C${s.pick % 4}`, name: 'A blend', rules: { removalOnly: false, vintageFrom: s.pick % 2 === 0 ? 0 : 2020, methodologies: [], countries: s.pick % 2 === 0 ? [] : ['ET'] } } }
    case 'composite.mint': {
      // One tonne from one batch, or half a tonne from each of two (some deposits the sender does not hold).
      const own = world.fractions.get(holder.id) ?? []
      const first = pickOf(own, s.pick) ?? batch.id
      const second = pickOf(own, s.pick + 1) ?? first
      const deposits = s.flag && second !== first ? [{ batchId: first, parts: 500_000, fromSerial: 0 }, { batchId: second, parts: 500_000, fromSerial: 0 }] : [{ batchId: first, parts: s.size % 4 === 0 ? 999_999 : 1_000_000, fromSerial: 0 }]
      return { sender: holder, kind: s.kind, body: { classId: `C${s.at % 2}`, deposits } }
    }
    case 'composite.transfer':
      return { sender: holder, kind: s.kind, body: { classId: `C${s.at % 2}`, quantity: 1, units: [], to: counterparty.id } }
    case 'composite.redeem':
      return { sender: holder, kind: s.kind, body: s.flag ? { classId: `C${s.at % 2}`, quantity: 1, units: [] } : { classId: `C${s.at % 2}`, quantity: 0, units: [1 + (s.pick % 4)] } }
    case 'composite.retire':
      return { sender: holder, kind: s.kind, body: { classId: `C${s.at % 2}`, quantity: 1, units: [], beneficiary: 'A beneficiary', purpose: '', reason: '', retiredOn: '' } }
    default:
      throw new Error(`no generator for ${s.kind}: add the new kind to this test`)
  }
}

type Unit = { owner: string; status: string; lockId: string | null }

async function unitsOf(ledger: TestLedger): Promise<Map<string, Unit>> {
  const out = new Map<string, Unit>()
  for (const [, holding] of await readRange<HoldingRecord>(ledger.state, prefixRange(PREFIX.holding))) {
    for (let serial = holding.start; serial <= holding.end; serial += 1) out.set(`${holding.batchId}#${serial}`, { owner: holding.owner, status: holding.status, lockId: holding.lockId ?? null })
  }
  return out
}

async function retiredParts(ledger: TestLedger): Promise<Map<string, number>> {
  return new Map((await readRange<FractionSerialRecord>(ledger.state, prefixRange(PREFIX.fractionSerial))).map(([, record]) => [`${record.batchId}#${record.serial}`, record.retiredParts]))
}

interface Block {
  jumpMs: number
  tx: Tx | null
}

/** Runs the steps with every check; returns the blocks it made, the app hash after each, and the outcomes seen. */
async function run(steps: Step[]): Promise<{ blocks: Block[]; appHashes: string[]; dump: Map<string, string>; outcomes: Set<string> }> {
  const ledger = new TestLedger(ALL_GENESIS)
  const blocks: Block[] = []
  const appHashes: string[] = []
  const outcomes = new Set<string>()
  const execute = async (jumpMs: number, tx: Tx | null): Promise<{ name: ResultName; message: string; writes: [string, Uint8Array | null][] }> => {
    ledger.timeMs += jumpMs
    const { results, writes } = await ledger.block(tx === null ? [] : [tx])
    blocks.push({ jumpMs, tx })
    appHashes.push(bytesToHex(ledger.appHash))
    return { name: (results[0]?.name ?? 'OK') as ResultName, message: results[0]?.message ?? '', writes: writes as [string, Uint8Array | null][] }
  }
  // A project and a batch for each of two holders, and some cash, so that most steps have something to act on.
  const world: World = { batches: [], nextSerial: 1, nextImportSerial: 1, projects: [], locks: [], immobilisations: [], offtakes: [], fractions: new Map(), offers: [], ratingDay: 0, attested: 0 }
  const prelude: [TestAccount, TxKind, unknown][] = [
    [VERRA, 'project.register', projectBody()],
    [VERRA, 'batch.issue', issueBody({ space: 'VCS', serialStart: 1, serialEnd: 40, to: (HOLDERS[0] as TestAccount).id })],
    [VERRA, 'batch.issue', issueBody({ space: 'VCS', serialStart: 41, serialEnd: 80, to: (HOLDERS[1] as TestAccount).id })],
    ...HOLDERS.flatMap((holder): [TestAccount, TxKind, unknown][] => CURRENCIES.map((currency) => [BANK, 'cash.mint', { currency, to: holder.id, amount: 50_000 }])),
    // Two composite classes, and fractions of both batches, so that composite steps have something to act on.
    [HOLDERS[2] as TestAccount, 'composite.define', { classId: 'C0', name: 'Any credit', rules: { removalOnly: false, vintageFrom: 0, methodologies: [], countries: [] } }],
    [HOLDERS[2] as TestAccount, 'composite.define', { classId: 'C1', name: 'Ethiopia from 2020', rules: { removalOnly: false, vintageFrom: 2020, methodologies: [], countries: ['ET'] } }],
    [HOLDERS[0] as TestAccount, 'credit.fractionalise', { batchId: 'VCS:1-40', quantity: 3, range: null }],
    [HOLDERS[1] as TestAccount, 'credit.fractionalise', { batchId: 'VCS:41-80', quantity: 3, range: null }],
  ]
  for (const [sender, kind, body] of prelude) expect((await execute(0, ledger.tx(sender, kind, body as TxBodies[typeof kind]))).name).toBe('OK')
  world.batches.push({ id: 'VCS:1-40', start: 1, end: 40 }, { id: 'VCS:41-80', start: 41, end: 80 })
  world.nextSerial = 81
  rememberFractions(world, (HOLDERS[0] as TestAccount).id, 'VCS:1-40')
  rememberFractions(world, (HOLDERS[1] as TestAccount).id, 'VCS:41-80')

  for (const s of steps) {
    const unitsBefore = await unitsOf(ledger)
    const frozenBefore = await frozenUnits(ledger.state)
    const retiredBefore = await retiredParts(ledger)
    const locksBefore = new Map((await readRange<LockRecord>(ledger.state, prefixRange(PREFIX.lock))).map(([, lock]) => [lock.id, lock]))
    let label = 'advance'
    let sender = ''
    let name: ResultName = 'OK'
    if (s.kind === 'advance') {
      await execute((1 + (s.at % 3)) * EPOCH_MS, null)
    } else {
      const made = txOf(s, world, ledger.timeMs + 1_000, ALL_GENESIS.chainId)
      label = made.kind
      sender = made.sender.id
      const snapshot = ledger.snapshot()
      const tx = ledger.tx(made.sender, made.kind, made.body as TxBodies[typeof made.kind])
      const outcome = await execute(0, tx)
      name = outcome.name
      if (made.kind === 'batch.issue' && name === 'OK' && outcome.message.includes('delivered to offtake')) outcomes.add('batch.issue (delivers to an offtake) OK')
      if (name === 'OK') made.remember?.(ledger.lastTxId)
      else {
        // Nothing but the nonce (no expiry can fall due in an ordinary block: they are EPOCH_MS apart).
        expect(outcome.writes.map(([key]) => key), `${made.kind} ${name}`).toEqual([keys.nonce(made.sender.id)])
        const after = ledger.snapshot()
        after.delete(keys.nonce(made.sender.id))
        snapshot.delete(keys.nonce(made.sender.id))
        expect(after, `${made.kind} ${name} changed state`).toEqual(snapshot)
      }
    }
    outcomes.add(`${label} ${name}`)
    if (s.kind === 'trade.accept' && !s.flag) outcomes.add(`trade.accept (partial) ${name}`)

    // Retired and cancelled units never change; locked units move only when their lock ends (or an offer is filled).
    expect(checkFrozen(frozenBefore, await frozenUnits(ledger.state))).toEqual([])
    const unitsAfter = await unitsOf(ledger)
    const locksAfter = new Map((await readRange<LockRecord>(ledger.state, prefixRange(PREFIX.lock))).map(([, lock]) => [lock.id, lock]))
    for (const [unit, was] of unitsBefore) {
      if (was.lockId === null) continue
      const now = unitsAfter.get(unit)
      if (locksAfter.has(was.lockId) && now?.lockId === was.lockId) {
        expect(now, `${unit} in lock ${was.lockId}`).toEqual(was)
        continue
      }
      const lock = locksBefore.get(was.lockId) as LockRecord
      // It left its lock in this block: back to its owner (release, mobilise, cancel, expiry), to the secured party
      // (seize), or to the buyer (trade.accept, whole or partial), always active.
      const allowed = new Set([was.owner])
      if (label === 'credit.seize') allowed.add(lock.securedParty)
      if (label === 'trade.accept' && lock.kind === 'offer') allowed.add(sender)
      expect(name, `${unit} left lock ${was.lockId} in a rejected ${label}`).toBe('OK')
      expect(now?.status, `${unit} after lock ${was.lockId} ended`).toBe('active')
      expect(allowed.has(now?.owner ?? ''), `${unit} went to ${now?.owner} after ${label}`).toBe(true)
    }
    expect(await checkLedger(ledger.state, ledger.timeMs)).toEqual([])
    expect(await checkCash(ledger.state)).toEqual([])
    expect(await checkQuality(ledger.state)).toEqual([])
    expect(await checkOfftakes(ledger.state, ledger.timeMs)).toEqual([])
    expect(await checkFractions(ledger.state)).toEqual([])
    expect(await checkComposites(ledger.state)).toEqual([])
    // Retired parts of a fractionalised serial never come back.
    const retiredAfter = await retiredParts(ledger)
    for (const [serial, parts] of retiredBefore) expect(retiredAfter.get(serial) ?? 0, `retired parts of ${serial}`).toBeGreaterThanOrEqual(parts)
  }
  return { blocks, appHashes, dump: ledger.snapshot(), outcomes }
}

/** The same blocks on a fresh ledger, with no checks: the app hash after each block and the final state. */
async function replay(blocks: Block[]): Promise<{ appHashes: string[]; dump: Map<string, string> }> {
  const ledger = new TestLedger(ALL_GENESIS)
  const appHashes: string[] = []
  for (const block of blocks) {
    ledger.timeMs += block.jumpMs
    await ledger.block(block.tx === null ? [] : [block.tx])
    appHashes.push(bytesToHex(ledger.appHash))
  }
  return { appHashes, dump: ledger.snapshot() }
}

describe('random sequences of every transaction kind', () => {
  it('conserve supply and cash, never move retired or locked units, change nothing when rejected, and replay identically', async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: SEQUENCE_LENGTH_MAX }), async (steps) => {
        const first = await run(steps)
        for (const outcome of first.outcomes) seen.add(outcome)
        const again = await replay(first.blocks)
        expect(again.appHashes).toEqual(first.appHashes)
        expect(again.dump).toEqual(first.dump)
      }),
      { numRuns: RUNS, seed: SEED },
    )
    // Every kind succeeded somewhere, and was rejected somewhere: the generator reaches all of them.
    console.log('OUTC', [...seen].filter((o) => /composite.mint|fractionalise|composite.define/.test(o)).sort().join(' ; '))
    const missing = TX_KINDS.filter((kind) => !seen.has(`${kind} OK`))
    expect(missing, [...seen].sort().join(', ')).toEqual([])
    expect(['batch.issue (delivers to an offtake) OK', 'trade.accept (partial) OK', 'trade.accept (partial) OFFER_QUANTITY_EXCEEDED', 'advance OK'].filter((outcome) => !seen.has(outcome))).toEqual([])
  }, 300_000)
})
