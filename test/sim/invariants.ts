// What every simulated run must satisfy. Each check returns human-readable violations (empty when it holds), so a
// failing seed says what broke, not only that something did.
import { decodeBlock, decodeSignedTx, txId } from '../../client/wire.ts'
import { batchSupply } from '../../node/ledger/queries.ts'
import { PREFIX, prefixRange, readRange, type CashSupplyRecord, type EvidenceRecord, type HoldingRecord, type LockRecord, type OfferRecord, type SpaceRangeRecord, type TradeRecord } from '../../node/ledger/keys.ts'
import type { StateReader } from '../../node/state/view.ts'
import type { Store } from '../../node/storage/store.ts'
import type { SimNode } from './node.ts'
import { holdingsOverlapping } from '../../node/ledger/holdings.ts'
import { FRACTION_PARTS_PER_TONNE } from '../../client/wire.ts'
import { padInteger, type BatchRecord, type CompositeClassRecord, type CompositeUnitRecord, type FractionRetirementRecord, type FractionSerialRecord, type RecordOfRecord } from '../../node/ledger/keys.ts'
import { keys, readRecord, type AttestationRecord, type EventRecord, type OfftakeDeliveryRecord, type OfftakeRecord, type PrivateRetirementRecord, type RatingRecord } from '../../node/ledger/keys.ts'

/** Agreement: no two honest validators commit different blocks, or reach different app hashes, at one height. */
export function checkAgreement(nodes: SimNode[]): string[] {
  const violations: string[] = []
  const byHeight = new Map<number, { node: number; blockHash: string; appHash: string }>()
  for (const node of nodes) {
    for (const conflict of node.conflicts) violations.push(`node ${node.index} committed twice at ${conflict}`)
    for (const [height, record] of node.commits) {
      const seen = byHeight.get(height)
      if (seen === undefined) {
        byHeight.set(height, { node: node.index, ...record })
        continue
      }
      if (seen.blockHash !== record.blockHash) violations.push(`fork at height ${height}: node ${seen.node} committed ${seen.blockHash.slice(0, 16)}, node ${node.index} ${record.blockHash.slice(0, 16)}`)
      else if (seen.appHash !== record.appHash) violations.push(`app hash differs at height ${height}: node ${seen.node} ${seen.appHash.slice(0, 16)}, node ${node.index} ${record.appHash.slice(0, 16)}`)
    }
  }
  return violations
}

/** Every key and value of a node's ledger state, for byte-for-byte comparison of two nodes at one height. */
export async function stateDump(state: StateReader): Promise<string> {
  const entries = await state.range({})
  return entries.map(([key, value]) => `${key}=${Buffer.from(value).toString('hex')}`).join('\n')
}

/** Honest nodes at the same height hold byte-identical states. */
export async function checkIdenticalStates(nodes: SimNode[]): Promise<string[]> {
  const violations: string[] = []
  const byHeight = new Map<number, { node: number; dump: string }>()
  for (const node of nodes) {
    const store = node.store
    if (store === null) continue
    const dump = await stateDump(store.state)
    const seen = byHeight.get(node.height)
    if (seen === undefined) byHeight.set(node.height, { node: node.index, dump })
    else if (seen.dump !== dump) violations.push(`nodes ${seen.node} and ${node.index} are both at height ${node.height} with different states`)
  }
  return violations
}

/**
 * Ledger invariants of one state (at a block whose time is `blockTimeMs`): indexes agree, holdings partition each
 * batch, supply is conserved, ranges never overlap, locked holdings and lock records match exactly, and no
 * collateral lock outlives its expiry.
 */
export async function checkLedger(state: StateReader, blockTimeMs: number): Promise<string[]> {
  const violations: string[] = []
  const byBatch = await readRange<HoldingRecord>(state, prefixRange(PREFIX.holding))
  const byOwner = await readRange<HoldingRecord>(state, prefixRange(PREFIX.owner))
  const canonical = (holding: HoldingRecord): string => `${holding.batchId}|${holding.start}|${holding.end}|${holding.owner}|${holding.status}`
  const batchSide = byBatch.map(([, holding]) => canonical(holding)).sort()
  const ownerSide = byOwner.map(([, holding]) => canonical(holding)).sort()
  if (batchSide.join('\n') !== ownerSide.join('\n')) violations.push('the owner index and the batch index hold different holdings')
  const holdingsOf = new Map<string, HoldingRecord[]>()
  for (const [, holding] of byBatch) holdingsOf.set(holding.batchId, [...(holdingsOf.get(holding.batchId) ?? []), holding])
  for (const [batchId, holdings] of holdingsOf) {
    const supply = await batchSupply(state, batchId)
    if (supply === undefined) {
      violations.push(`holdings of unknown batch ${batchId}`)
      continue
    }
    const [, range] = batchId.split(':') as [string, string]
    const [start, end] = range.split('-').map(Number) as [number, number]
    let next = start
    for (const holding of holdings) {
      if (holding.start !== next || holding.end < holding.start) violations.push(`batch ${batchId}: holdings do not partition its range at serial ${next}`)
      next = holding.end + 1
    }
    if (next !== end + 1) violations.push(`batch ${batchId}: holdings end at ${next - 1}, the batch at ${end}`)
    if (supply.active + supply.retired + supply.cancelled + supply.locked + supply.fractionalised !== supply.issued) {
      violations.push(`batch ${batchId}: active ${supply.active} + retired ${supply.retired} + cancelled ${supply.cancelled} + locked ${supply.locked} + fractionalised ${supply.fractionalised} != issued ${supply.issued}`)
    }
  }
  // Locks: the locked units of every holding are exactly the pieces of live lock records.
  const locks = await readRange<LockRecord>(state, prefixRange(PREFIX.lock))
  const lockedByLock = new Map<string, string[]>()
  for (const [, holding] of byBatch) {
    if ((holding.status === 'locked') !== (holding.lockId !== undefined)) violations.push(`holding ${holding.batchId} [${holding.start}, ${holding.end}] is ${holding.status} with lock id ${String(holding.lockId)}`)
    if (holding.lockId !== undefined) lockedByLock.set(holding.lockId, [...(lockedByLock.get(holding.lockId) ?? []), `${holding.start}-${holding.end}/${holding.owner}`])
  }
  for (const [, lock] of locks) {
    const recorded = lock.pieces.map((piece) => `${piece.start}-${piece.end}/${piece.owner}`)
    const held = lockedByLock.get(lock.id) ?? []
    lockedByLock.delete(lock.id)
    // The same serials with the same owners on both sides (holdings may split a recorded piece), no empty piece.
    const serials = (pieces: string[]): string[] => pieces.flatMap((piece) => { const [range, owner] = piece.split('/') as [string, string]; const [start, end] = range.split('-').map(Number) as [number, number]; return Array.from({ length: Math.max(0, end - start + 1) }, (_, offset) => `${start + offset}/${owner}`) }).sort()
    const empty = lock.pieces.find((piece) => piece.start > piece.end)
    if (empty !== undefined) violations.push(`lock ${lock.id.slice(0, 16)} records an empty piece [${empty.start}, ${empty.end}]`)
    else if (serials(recorded).join() !== serials(held).join()) violations.push(`lock ${lock.id.slice(0, 16)} records ${recorded.join(' ')}, its holdings are ${held.join(' ')}`)
    if (lock.kind === 'collateral' && lock.expiresAtMs <= blockTimeMs) violations.push(`lock ${lock.id.slice(0, 16)} expired at ${lock.expiresAtMs} and is still live at block time ${blockTimeMs}`)
  }
  for (const lockId of lockedByLock.keys()) violations.push(`holdings locked by ${lockId.slice(0, 16)}, which has no lock record`)
  // Offers: each live offer has its reservation (a lock of kind 'offer', same id, same units), and no other lock is one.
  const offers = new Map((await readRange<OfferRecord>(state, prefixRange(PREFIX.offer))).map(([, offer]) => [offer.id, offer]))
  for (const [, lock] of locks) {
    if (lock.kind !== 'offer') continue
    const offer = offers.get(lock.id)
    offers.delete(lock.id)
    const units = lock.pieces.reduce((sum, piece) => sum + piece.end - piece.start + 1, 0)
    if (offer === undefined) violations.push(`offer lock ${lock.id.slice(0, 16)} has no offer record`)
    else if (offer.quantity !== units || offer.seller !== lock.owner) violations.push(`offer ${lock.id.slice(0, 16)} of ${offer.quantity} units by ${offer.seller.slice(0, 8)} reserves ${units} of ${lock.owner.slice(0, 8)}`)
  }
  for (const offerId of offers.keys()) violations.push(`offer ${offerId.slice(0, 16)} reserves nothing`)
  // Settlements: the payment is exactly quantity x price, between two different accounts.
  for (const [key, trade] of await readRange<TradeRecord>(state, prefixRange(PREFIX.trade))) {
    if (trade.notional !== trade.quantity * trade.pricePerTonne || trade.seller === trade.buyer || trade.quantity < 1) violations.push(`trade ${key}: ${trade.quantity} x ${trade.pricePerTonne} recorded as ${trade.notional}`)
  }
  const ranges = await readRange<SpaceRangeRecord>(state, prefixRange(PREFIX.space))
  const lastEnd = new Map<string, number>()
  for (const [key, range] of ranges) {
    const space = key.slice(PREFIX.space.length, key.lastIndexOf(':'))
    const start = Number(key.slice(key.lastIndexOf(':') + 1))
    if (start <= (lastEnd.get(space) ?? 0)) violations.push(`space ${space}: range from ${start} overlaps the previous one`)
    lastEnd.set(space, range.end)
  }
  violations.push(...(await checkRegistryOfRecord(state, locks.map(([, lock]) => lock))))
  return violations
}

/**
 * Portability: the ranges of record of every batch partition its serials exactly (each serial has one registry of
 * record, so no range is active under two registries), every immobilisation belongs to the registry of record of
 * each unit it holds, and an imported batch lives in its origin's numbering space.
 */
export async function checkRegistryOfRecord(state: StateReader, locks: LockRecord[]): Promise<string[]> {
  const violations: string[] = []
  const recordsOf = new Map<string, RecordOfRecord[]>()
  for (const [key, record] of await readRange<RecordOfRecord>(state, prefixRange(PREFIX.recordOf))) {
    if (key !== keys.recordOf(record.batchId, record.start)) violations.push(`range of record ${key} holds ${record.batchId} from ${record.start}`)
    recordsOf.set(record.batchId, [...(recordsOf.get(record.batchId) ?? []), record])
  }
  for (const [, batch] of await readRange<BatchRecord>(state, prefixRange(PREFIX.batch))) {
    const records = recordsOf.get(batch.batchId) ?? []
    recordsOf.delete(batch.batchId)
    let next = batch.serialStart
    for (const record of records) {
      if (record.start !== next || record.end < record.start) violations.push(`batch ${batch.batchId}: ranges of record do not partition it at serial ${next}`)
      next = record.end + 1
    }
    if (next !== batch.serialEnd + 1) violations.push(`batch ${batch.batchId}: ranges of record end at ${next - 1}, the batch at ${batch.serialEnd}`)
    if (batch.importedFrom !== undefined && batch.space !== batch.importedFrom && !batch.space.startsWith(`${batch.importedFrom}/`)) violations.push(`batch ${batch.batchId} imported from ${batch.importedFrom} lives in space ${batch.space}`)
  }
  for (const batchId of recordsOf.keys()) violations.push(`ranges of record of unknown batch ${batchId}`)
  for (const lock of locks) {
    if (lock.kind !== 'immobilised') continue
    for (const piece of lock.pieces) {
      for (const record of await readRange<RecordOfRecord>(state, prefixRange(keys.recordOfPrefix(lock.batchId)))) {
        if (record[1].end < piece.start || record[1].start > piece.end) continue
        if (record[1].registry !== lock.registry) violations.push(`immobilisation ${lock.id.slice(0, 16)} by ${lock.registry} holds serials of ${lock.batchId} of record at ${record[1].registry}`)
      }
    }
  }
  return violations
}

/**
 * Cash invariants of one state: every balance is a positive safe integer (none negative, zero or fractional: a
 * zero balance is deleted), and per currency the supply record's supply is the sum of its balances plus its escrow
 * (cashescrow/<currency>, held by open offtake agreements) and its holder count the number of balances; no balance
 * or escrow of a currency without a supply record. Sums are BigInt, so exact.
 */
export async function checkCash(state: StateReader): Promise<string[]> {
  const violations: string[] = []
  const sums = new Map<string, bigint>()
  const holders = new Map<string, number>()
  for (const [key, value] of await readRange<unknown>(state, prefixRange(PREFIX.balance))) {
    const parts = key.slice(PREFIX.balance.length).split('/')
    const currency = parts[1]
    if (parts.length !== 2 || currency === undefined) {
      violations.push(`malformed balance key ${key}`)
      continue
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      violations.push(`${key} is ${JSON.stringify(value)}, not a positive integer of minor units`)
      continue
    }
    sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(value))
    holders.set(currency, (holders.get(currency) ?? 0) + 1)
  }
  const supplies = new Map((await readRange<CashSupplyRecord>(state, prefixRange(PREFIX.cashSupply))).map(([key, record]) => [key.slice(PREFIX.cashSupply.length), record]))
  for (const currency of sums.keys()) if (!supplies.has(currency)) violations.push(`balances of ${currency}, which has no supply record`)
  const escrows = new Map<string, bigint>()
  for (const [key, value] of await readRange<unknown>(state, prefixRange(PREFIX.cashEscrow))) {
    const currency = key.slice(PREFIX.cashEscrow.length)
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) violations.push(`${key} is ${JSON.stringify(value)}, not a positive integer of minor units`)
    else escrows.set(currency, BigInt(value))
    if (!supplies.has(currency)) violations.push(`escrow of ${currency}, which has no supply record`)
  }
  for (const [currency, record] of supplies) {
    if (record.currency !== currency) violations.push(`supply record of ${currency} names ${String(record.currency)}`)
    if (!Number.isSafeInteger(record.supply) || record.supply < 0) violations.push(`supply of ${currency} is ${String(record.supply)}`)
    else if (BigInt(record.supply) !== (sums.get(currency) ?? 0n) + (escrows.get(currency) ?? 0n)) {
      const escrow = escrows.get(currency) ?? 0n
      violations.push(`supply of ${currency} is ${record.supply}, its balances sum to ${String(sums.get(currency) ?? 0n)}${escrow > 0n ? ` and ${String(escrow)} is in escrow` : ''}`)
    }
    if (record.holders !== (holders.get(currency) ?? 0)) violations.push(`${currency} has ${String(record.holders)} holders on record, ${holders.get(currency) ?? 0} balances`)
  }
  return violations
}

/** Retired and cancelled serials, with their owners: once in this set, a serial must stay exactly so. */
export async function frozenUnits(state: StateReader): Promise<Map<string, string>> {
  const frozen = new Map<string, string>()
  for (const [, holding] of await readRange<HoldingRecord>(state, prefixRange(PREFIX.holding))) {
    if (holding.status !== 'retired' && holding.status !== 'cancelled') continue
    for (let serial = holding.start; serial <= holding.end; serial += 1) frozen.set(`${holding.batchId}#${serial}`, `${holding.owner}/${holding.status}`)
  }
  return frozen
}

export function checkFrozen(before: Map<string, string>, after: Map<string, string>): string[] {
  const violations: string[] = []
  for (const [unit, owner] of before) {
    const now = after.get(unit)
    if (now !== owner) violations.push(`unit ${unit} was ${owner} and is now ${now ?? 'active'}`)
    if (violations.length > 5) break
  }
  return violations
}

/** Every committed block's transactions, by id: a signed transaction appears in at most one block, once. */
export async function committedTxIds(store: Store, height: number): Promise<{ ids: Map<string, number>; violations: string[] }> {
  const ids = new Map<string, number>()
  const violations: string[] = []
  for (let at = 1; at <= height; at += 1) {
    const bytes = await store.getBlock(at)
    if (bytes === undefined) {
      violations.push(`block ${at} missing from a node at height ${height}`)
      continue
    }
    for (const signed of decodeBlock(bytes).txs) {
      const id = txIdOfSigned(signed)
      const previous = ids.get(id)
      if (previous !== undefined) violations.push(`transaction ${id.slice(0, 16)} committed at heights ${previous} and ${at}`)
      ids.set(id, at)
    }
  }
  return { ids, violations }
}

function txIdOfSigned(bytes: Uint8Array): string {
  return txId(decodeSignedTx(bytes).txBytes)
}

/** Committed evidence, all of it: it may only ever accuse validators that really are Byzantine. */
export async function committedEvidence(state: StateReader): Promise<EvidenceRecord[]> {
  return (await readRange<EvidenceRecord>(state, prefixRange(PREFIX.evidence))).map(([, record]) => record)
}

export function checkEvidenceAccusesOnlyByzantine(evidence: EvidenceRecord[], byzantine: Set<number>): string[] {
  return evidence.filter((record) => !byzantine.has(record.validatorIndex)).map((record) => `evidence ${record.id.slice(0, 16)} accuses honest validator ${record.validatorIndex}`)
}

/**
 * Quality information and private retirements: every private retirement's runs are retire events carrying its
 * commitment over units retired by its sender; each agency's ratings of a project are numbered 0, 1, ... with dates
 * that never go back; attestations are numbered 0, 1, ... and the data-hash index names exactly them.
 */
export async function checkQuality(state: StateReader): Promise<string[]> {
  const violations: string[] = []
  for (const [, record] of await readRange<PrivateRetirementRecord>(state, prefixRange(PREFIX.privateRetirement))) {
    let units = 0
    for (const run of record.runs) {
      units += run.range.end - run.range.start + 1
      const event = await readRecord<EventRecord>(state, keys.event(record.batchId, run.eventSeq))
      if (event === undefined || event.type !== 'retire' || event.txId !== record.txId || event.details.beneficiaryCommitment !== record.beneficiaryCommitment || event.range.start !== run.range.start || event.range.end !== run.range.end) {
        violations.push(`private retirement ${record.txId.slice(0, 16)}: event ${run.eventSeq} of ${record.batchId} is not its retire event`)
      }
      if ('beneficiary' in (event?.details ?? {})) violations.push(`private retirement ${record.txId.slice(0, 16)}: its event names a beneficiary`)
      for (const holding of await holdingsOverlapping(state, record.batchId, run.range)) {
        if (holding.status !== 'retired' || holding.owner !== record.retiredBy) violations.push(`private retirement ${record.txId.slice(0, 16)}: serials ${holding.start}-${holding.end} are ${holding.status} with ${holding.owner.slice(0, 16)}`)
      }
    }
    if (units !== record.units) violations.push(`private retirement ${record.txId.slice(0, 16)}: runs hold ${units} units, the record says ${record.units}`)
  }
  const lastRating = new Map<string, RatingRecord>()
  for (const [key, rating] of await readRange<RatingRecord>(state, prefixRange(PREFIX.rating))) {
    const group = `${rating.registry}/${rating.projectId}/${rating.agency}`
    const previous = lastRating.get(group)
    if (rating.seq !== (previous === undefined ? 0 : previous.seq + 1)) violations.push(`rating ${key}: seq ${rating.seq} after ${String(previous?.seq)}`)
    if (previous !== undefined && rating.ratedOn < previous.ratedOn) violations.push(`rating ${key}: dated ${rating.ratedOn}, before the superseded ${previous.ratedOn}`)
    lastRating.set(group, rating)
  }
  const attestations = new Map<string, AttestationRecord>()
  const nextSeq = new Map<string, number>()
  for (const [key, attestation] of await readRange<AttestationRecord>(state, prefixRange(PREFIX.attestation))) {
    const project = `${attestation.registry}/${attestation.projectId}`
    if (attestation.seq !== (nextSeq.get(project) ?? 0)) violations.push(`attestation ${key}: seq ${attestation.seq}, expected ${nextSeq.get(project) ?? 0}`)
    nextSeq.set(project, attestation.seq + 1)
    attestations.set(`${project}/${attestation.verifier}/${attestation.dataHash}`, attestation)
  }
  const indexed = await readRange<number>(state, prefixRange(PREFIX.attestationData))
  for (const [key, seq] of indexed) {
    const attestation = attestations.get(key.slice(PREFIX.attestationData.length))
    if (attestation === undefined || attestation.seq !== seq) violations.push(`attestation index ${key} names seq ${seq}, which is not that attestation`)
  }
  if (indexed.length !== attestations.size) violations.push(`${attestations.size} attestations, ${indexed.length} data-hash index entries`)
  return violations
}

/**
 * Offtake agreements (node/ledger/offtakes.ts) at a block whose time is `blockTimeMs`: each open agreement escrows
 * exactly the remaining payment, quantity x price - max(prepaid, delivered x price), and a closed one nothing; the
 * escrow total of each currency is the sum of its agreements' escrows; paid on delivery = max(0, delivered x price -
 * prepaid); delivered + outstanding (open) or + shortfall (closed) = quantity; its delivery records sum to what was
 * delivered and pay what was paid; the open and due indexes name exactly the open agreements; and none is open past
 * its due date.
 */
export async function checkOfftakes(state: StateReader, blockTimeMs: number): Promise<string[]> {
  const violations: string[] = []
  const agreements = (await readRange<OfftakeRecord>(state, prefixRange(PREFIX.offtake))).map(([, record]) => record)
  const escrowed = new Map<string, number>()
  const open = new Set<string>()
  for (const record of agreements) {
    const name = `offtake ${record.id.slice(0, 16)}`
    const total = record.quantity * record.pricePerTonne
    escrowed.set(record.currency, (escrowed.get(record.currency) ?? 0) + record.escrowed)
    if (record.paidOnDelivery !== Math.max(0, record.delivered * record.pricePerTonne - record.prepaid)) violations.push(`${name}: paid ${record.paidOnDelivery} on delivery of ${record.delivered} t`)
    if (record.prepaid > total || record.delivered > record.quantity) violations.push(`${name}: prepaid ${record.prepaid} of ${total}, delivered ${record.delivered} of ${record.quantity}`)
    if (record.status === 'open') {
      open.add(record.id)
      const required = total - Math.max(record.prepaid, record.delivered * record.pricePerTonne)
      if (record.escrowed !== required) violations.push(`${name}: escrows ${record.escrowed}, the remaining payment is ${required}`)
      if (record.delivered >= record.quantity) violations.push(`${name}: open with ${record.delivered} of ${record.quantity} t delivered`)
      if (record.dueAtMs < blockTimeMs) violations.push(`${name}: open past its due date ${record.dueAtMs} at block time ${blockTimeMs}`)
    } else {
      if (record.escrowed !== 0) violations.push(`${name}: ${record.status} with ${record.escrowed} still in escrow`)
      if (record.delivered + record.shortfall !== record.quantity) violations.push(`${name}: ${record.status}: delivered ${record.delivered} + shortfall ${record.shortfall} != ${record.quantity}`)
    }
    const prefix = `${PREFIX.offtakeDelivery}${record.id}/`
    const deliveries = (await readRange<OfftakeDeliveryRecord>(state, prefixRange(prefix))).map(([, delivery]) => delivery)
    if (deliveries.length !== record.deliveries || deliveries.reduce((sum, delivery) => sum + delivery.units, 0) !== record.delivered || deliveries.reduce((sum, delivery) => sum + delivery.payment, 0) !== record.paidOnDelivery) {
      violations.push(`${name}: ${deliveries.length} delivery records do not add up to ${record.delivered} t and ${record.paidOnDelivery} paid`)
    }
  }
  for (const [currency, total] of escrowed) {
    const stored = (await readRecord<number>(state, keys.cashEscrow(currency))) ?? 0
    if (stored !== total) violations.push(`escrow of ${currency} is ${stored}, its agreements escrow ${total}`)
  }
  for (const [key] of await readRange<unknown>(state, prefixRange(PREFIX.cashEscrow))) if (!escrowed.has(key.slice(PREFIX.cashEscrow.length))) violations.push(`${key} without an agreement`)
  const openIndexed = (await readRange<string>(state, prefixRange(PREFIX.offtakeOpen))).map(([, id]) => id).sort()
  const dueIndexed = (await readRange<null>(state, prefixRange(PREFIX.offtakeDue))).map(([key]) => key.slice(key.lastIndexOf('/') + 1)).sort()
  const expected = [...open].sort().join(',')
  if (openIndexed.join(',') !== expected) violations.push(`the open-offtake index names ${openIndexed.length} agreements, ${open.size} are open`)
  if (dueIndexed.join(',') !== expected) violations.push(`the due-date index names ${dueIndexed.length} agreements, ${open.size} are open`)
  return violations
}

/**
 * Fractions (node/ledger/fractions.ts): the serials of 'fractionalised' holdings are exactly those with a
 * fractionserial record; every balance is a positive safe integer of a fractionalised serial, listed identically in
 * both indexes; and per fractionalised serial the parts held (composite custodies included) + its retired parts are
 * exactly FRACTION_PARTS_PER_TONNE. Sums are BigInt, so exact.
 */
export async function checkFractions(state: StateReader): Promise<string[]> {
  const violations: string[] = []
  const fractionalisedSerials = new Set<string>()
  for (const [, holding] of await readRange<HoldingRecord>(state, prefixRange(PREFIX.holding))) {
    if (holding.status !== 'fractionalised') continue
    for (let serial = holding.start; serial <= holding.end; serial += 1) fractionalisedSerials.add(`${holding.batchId}#${serial}`)
  }
  const records = new Map<string, FractionSerialRecord>()
  for (const [, record] of await readRange<FractionSerialRecord>(state, prefixRange(PREFIX.fractionSerial))) {
    const unit = `${record.batchId}#${record.serial}`
    records.set(unit, record)
    if (!fractionalisedSerials.has(unit)) violations.push(`serial ${unit} has a fraction record but its holding is not fractionalised`)
    if (!Number.isSafeInteger(record.retiredParts) || record.retiredParts < 0) violations.push(`serial ${unit} has ${String(record.retiredParts)} retired parts`)
  }
  for (const unit of fractionalisedSerials) if (!records.has(unit)) violations.push(`serial ${unit} is fractionalised without a fraction record`)
  const held = new Map<string, bigint>()
  const byBatch = new Map<string, number>()
  for (const [key, parts] of await readRange<number>(state, prefixRange(PREFIX.fraction))) {
    const rest = key.slice(PREFIX.fraction.length)
    const accountSlash = rest.lastIndexOf('/')
    const serialSlash = rest.lastIndexOf('/', accountSlash - 1)
    const batchId = rest.slice(0, serialSlash)
    const serial = Number(rest.slice(serialSlash + 1, accountSlash))
    const account = rest.slice(accountSlash + 1)
    const unit = `${batchId}#${serial}`
    if (!Number.isSafeInteger(parts) || parts < 1 || parts > FRACTION_PARTS_PER_TONNE) violations.push(`fraction ${key} is ${String(parts)}, not a positive integer of at most one tonne`)
    if (!records.has(unit)) violations.push(`fraction ${key} of serial ${unit}, which is not fractionalised`)
    held.set(unit, (held.get(unit) ?? 0n) + BigInt(parts))
    byBatch.set(`${account}/${batchId}/${padInteger(serial)}`, parts)
  }
  const owners = await readRange<number>(state, prefixRange(PREFIX.fractionOwner))
  if (owners.length !== byBatch.size) violations.push(`${byBatch.size} fraction balances, ${owners.length} owner index entries`)
  for (const [key, parts] of owners) if (byBatch.get(key.slice(PREFIX.fractionOwner.length)) !== parts) violations.push(`fraction owner index ${key} says ${String(parts)}, the balance differs`)
  for (const [unit, record] of records) {
    const total = (held.get(unit) ?? 0n) + BigInt(record.retiredParts)
    if (total !== BigInt(FRACTION_PARTS_PER_TONNE)) violations.push(`serial ${unit}: parts held ${String(held.get(unit) ?? 0n)} + retired ${record.retiredParts} != ${FRACTION_PARTS_PER_TONNE}`)
  }
  for (const [key, retirement] of await readRange<FractionRetirementRecord>(state, prefixRange(PREFIX.fractionRetirement))) {
    const sum = retirement.parts.reduce((total, part) => total + part.parts, 0)
    if (sum !== retirement.totalParts || retirement.parts.some((part) => !Number.isSafeInteger(part.parts) || part.parts < 1)) violations.push(`fractional retirement ${key}: parts sum to ${sum}, total says ${retirement.totalParts}`)
  }
  return violations
}

/**
 * Composites (node/ledger/composites.ts): a composite equals the sum of its components. Every live unit's components
 * sum to exactly FRACTION_PARTS_PER_TONNE; per class and serial, the live units' components sum to exactly the
 * custody account's balance of that serial (no part in custody backs no unit, no unit is backed by missing parts);
 * the owner index lists exactly the live units, under their owners; the class's counts match its units.
 */
export async function checkComposites(state: StateReader): Promise<string[]> {
  const violations: string[] = []
  const owned = new Set((await readRange<null>(state, prefixRange(PREFIX.compositeOwner))).map(([key]) => key))
  for (const [, composite] of await readRange<CompositeClassRecord>(state, prefixRange(PREFIX.composite))) {
    const backing = new Map<string, bigint>()
    const counts = { active: 0, redeemed: 0, retired: 0 }
    let last = 0
    for (const [, unit] of await readRange<CompositeUnitRecord>(state, prefixRange(keys.compositeUnitPrefix(composite.classId)))) {
      if (unit.n !== last + 1) violations.push(`composite ${composite.classId}: unit ${unit.n} follows ${last}`)
      last = unit.n
      counts[unit.status] += 1
      const ownerKey = keys.compositeOwner(unit.owner, composite.classId, unit.n)
      if ((unit.status === 'active') !== owned.has(ownerKey)) violations.push(`composite ${composite.classId} unit ${unit.n} is ${unit.status}, owner index ${owned.has(ownerKey) ? 'lists' : 'misses'} it`)
      owned.delete(ownerKey)
      if (unit.status !== 'active') continue
      let sum = 0n
      for (const component of unit.components) {
        if (!Number.isSafeInteger(component.parts) || component.parts < 1) violations.push(`composite ${composite.classId} unit ${unit.n}: component of ${component.parts} parts`)
        sum += BigInt(component.parts)
        const serial = `${component.batchId}#${component.serial}`
        backing.set(serial, (backing.get(serial) ?? 0n) + BigInt(component.parts))
      }
      if (sum !== BigInt(FRACTION_PARTS_PER_TONNE)) violations.push(`composite ${composite.classId} unit ${unit.n}: components sum to ${String(sum)} parts, not one tonne`)
    }
    if (counts.active !== composite.outstanding || counts.redeemed !== composite.redeemed || counts.retired !== composite.retired || last !== composite.minted) {
      violations.push(`composite ${composite.classId}: record says minted ${composite.minted} outstanding ${composite.outstanding} redeemed ${composite.redeemed} retired ${composite.retired}, units say ${last} / ${JSON.stringify(counts)}`)
    }
    const custody = new Map<string, bigint>()
    for (const [key, parts] of await readRange<number>(state, prefixRange(keys.fractionOwnerPrefix(composite.custody)))) {
      const rest = key.slice(keys.fractionOwnerPrefix(composite.custody).length)
      const slash = rest.lastIndexOf('/')
      custody.set(`${rest.slice(0, slash)}#${Number(rest.slice(slash + 1))}`, BigInt(parts))
    }
    for (const serial of new Set([...custody.keys(), ...backing.keys()])) {
      if ((custody.get(serial) ?? 0n) !== (backing.get(serial) ?? 0n)) violations.push(`composite ${composite.classId}: custody holds ${String(custody.get(serial) ?? 0n)} parts of ${serial}, its live units ${String(backing.get(serial) ?? 0n)}`)
    }
  }
  for (const key of owned) violations.push(`composite owner index ${key} names no unit`)
  const classes = await readRange<CompositeClassRecord>(state, prefixRange(PREFIX.composite))
  const custodies = await readRange<string>(state, prefixRange(PREFIX.compositeCustody))
  if (custodies.length !== classes.length || classes.some(([, composite]) => !custodies.some(([key, classId]) => classId === composite.classId && key === keys.compositeCustody(composite.custody)))) {
    violations.push(`${classes.length} composite classes, ${custodies.length} custody index entries that do not match them`)
  }
  return violations
}
