// `npm run demo`: four real node processes on loopback agree on a ledger built from real registry exports.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, offtakeIdOf, readKeyFile, signOfftake, signPort, signSwap } from '../client/keys.ts'
import { Signer, type TonneClient } from '../client/http.ts'
import * as build from '../client/builders.ts'
import type { RegistryCode } from '../client/wire.ts'
import { Cluster } from './cluster.ts'
import { runImport, type ImportSummary } from './import.ts'
import { registryAccountName, VERIFIER_ACCOUNT_NAME } from './testnet.ts'
import { createHash } from 'node:crypto'
import { describeParts } from '../client/amounts.ts'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const FIXTURES_DIR = join(repoRoot, 'test', 'fixtures', 'registries')

/** Sample export folders and the registry account that imports each. */
export const DEMO_REGISTRIES: { folder: string; registry: string; code: RegistryCode }[] = [
  { folder: 'verra', registry: 'verra', code: 'VCS' },
  { folder: 'gold-standard', registry: 'gold-standard', code: 'GS' },
  { folder: 'american-carbon-registry', registry: 'acr', code: 'ACR' },
  { folder: 'climate-action-reserve', registry: 'car', code: 'CAR' },
  { folder: 'cercarbono', registry: 'cercarbono', code: 'CERCARBONO' },
]

function say(line: string): void {
  process.stdout.write(line + '\n')
}

/** Minor units (cents) as a decimal string, in integer arithmetic: 1234567 -> "12,345.67". */
export function formatCents(amount: number): string {
  const cents = amount % 100
  const whole = (amount - cents) / 100
  return `${whole.toLocaleString('en-US')}.${String(cents).padStart(2, '0')}`
}

async function firstActiveBatch(client: TonneClient, account: string, minimumActive: number): Promise<{ batchId: string; active: number } | null> {
  const holdings = await client.holdings(account)
  for (const batch of holdings.batches) if (batch.totals.active >= minimumActive) return { batchId: batch.batchId, active: batch.totals.active }
  return null
}

export async function runDemo(options: { out?: string; keep: boolean }): Promise<number> {
  const out = options.out ?? mkdtempSync(join(tmpdir(), 'tonne-demo-'))
  say(`tonne demo: generating a 4-validator testnet in ${out}`)
  const cluster = await Cluster.create(out, 4, 'tonne-demo')
  let exitCode = 1
  try {
    cluster.startAll(options.keep)
    say('starting node0 (registry operator), node1 (bank), node2 (marketplace), node3 (rating agency) ...')
    await cluster.waitForHeight(1)
    say(`all four nodes are committing blocks; APIs at ${cluster.nodes.map((node) => node.apiUrl).join(' ')}`)

    const registryNode = cluster.nodes[0] as Cluster['nodes'][number]
    const summaries: ImportSummary[] = []
    for (const entry of DEMO_REGISTRIES) {
      const folder = join(FIXTURES_DIR, entry.folder)
      const files = readdirSync(folder)
        .filter((name) => name.endsWith('.csv'))
        .sort()
        .map((name) => ({ path: join(folder, name), text: readFileSync(join(folder, name), 'utf8') }))
      const keyFile = cluster.testnet.accountKeys[registryAccountName(entry.code)] as string
      const summary = await runImport({ node: registryNode.apiUrl, registry: entry.registry, keyFile, files })
      summaries.push(summary)
      say(`  ${entry.registry}: ${summary.committed} transactions committed (${Object.entries(summary.byKind).map(([kind, count]) => `${count} ${kind}`).join(', ')}), ${summary.rejected} rejected, ${summary.parseErrors.length} rows not parsed`)
      for (const rejection of summary.rejections.slice(0, 3)) say(`    rejected ${rejection.path.split('/').slice(-1)[0]}:${rejection.line} ${rejection.kind}: ${rejection.code} ${rejection.message}`)
    }

    // Trades between participants, each submitted to a different node.
    const chainId = cluster.testnet.genesis.chainId
    const accountOf = (name: string): string => cluster.testnet.genesis.accounts.find((account) => account.name === name)?.publicKey as string
    const signerFor = (name: string, nodeIndex: number): Signer => new Signer(readKeyFile(cluster.testnet.accountKeys[name] as string), chainId, (cluster.nodes[nodeIndex] as Cluster['nodes'][number]).client)
    const verra = signerFor(registryAccountName('VCS'), 0)
    const marketplace = signerFor('marketplace', 2)
    const bank = signerFor('bank', 1)
    const source = await firstActiveBatch(verra.client, verra.accountId, 100)
    let tradeTxs = 0
    if (source === null) {
      say('no active Verra batch with 100 credits to trade: skipping trades')
    } else {
      const toMarketplace = await verra.send('credit.transfer', build.creditTransfer({ batchId: source.batchId, quantity: 100, to: accountOf('marketplace') }), { wait: 'commit' })
      const toBank = await marketplace.send('credit.transfer', build.creditTransfer({ batchId: source.batchId, quantity: 40, to: accountOf('bank') }), { wait: 'commit' })
      const bankRetire = await bank.send('credit.retire', build.creditRetire({ batchId: source.batchId, quantity: 15, beneficiary: "The bank's client", purpose: 'Voluntary offsetting', reason: '2026 operational emissions' }), { wait: 'commit' })
      const held = await firstActiveBatch(marketplace.client, marketplace.accountId, 1)
      const marketplaceRetire = held === null ? null : await marketplace.send('credit.retire', build.creditRetire({ batchId: source.batchId, quantity: 10, beneficiary: 'Marketplace customer', purpose: 'Offsetting', reason: 'Demo retirement' }), { wait: 'commit' })
      // Collateral: the marketplace borrows from the bank against credits. One loan is repaid (the bank releases the
      // lock), the other defaults (the bank seizes the credits).
      const dayMs = 24 * 60 * 60 * 1000
      const lockRepaid = await marketplace.send('credit.lock', build.creditLock({ batchId: source.batchId, quantity: 20, securedParty: accountOf('bank'), expiresAtMs: Date.now() + 30 * dayMs }), { wait: 'commit' })
      const whileLocked = await marketplace.send('credit.transfer', build.creditTransfer({ batchId: source.batchId, quantity: 40, to: accountOf('bank') }), { wait: 'commit' })
      const released = await bank.send('credit.release', { lockId: lockRepaid.id }, { wait: 'commit' })
      const lockDefaulted = await marketplace.send('credit.lock', build.creditLock({ batchId: source.batchId, quantity: 10, securedParty: accountOf('bank'), expiresAtMs: Date.now() + 7 * dayMs }), { wait: 'commit' })
      const seized = await bank.send('credit.seize', { lockId: lockDefaulted.id }, { wait: 'commit' })
      const overspend = await bank.send('credit.transfer', build.creditTransfer({ batchId: source.batchId, quantity: 1_000_000, to: accountOf('marketplace') }), { wait: 'commit' })
      tradeTxs = 10
      say(`trades on ${source.batchId}:`)
      say(`  registry-vcs -> marketplace 100 credits: ${toMarketplace.result?.name} at height ${toMarketplace.height}`)
      say(`  marketplace -> bank 40 credits (via node2): ${toBank.result?.name} at height ${toBank.height}`)
      say(`  bank retires 15 for its client (via node1): ${bankRetire.result?.name} at height ${bankRetire.height}`)
      say(`  marketplace retires 10: ${marketplaceRetire?.result?.name ?? 'skipped'}`)
      say(`  marketplace locks 20 credits as collateral for a bank loan (30 days): ${lockRepaid.result?.name}, lock ${lockRepaid.id.slice(0, 16)}`)
      say(`  marketplace tries to move 40 of its 50 credits while 20 are locked: ${whileLocked.result?.name} (${whileLocked.result?.message})`)
      say(`  loan repaid, bank releases the lock: ${released.result?.name}`)
      say(`  marketplace locks 10 credits for a second loan: ${lockDefaulted.result?.name}; it defaults, bank seizes them: ${seized.result?.name} (${seized.result?.message})`)
      say(`  bank tries to transfer 1,000,000 it does not hold: ${overspend.result?.name} (${overspend.result?.message})`)
      const provenance = (await verra.client.provenance({ space: 'VCS', serial: Number(source.batchId.split(':')[1]?.split('-')[0]) })) as { batch?: { originalSerial?: string }; events?: { type: string; from?: string; to?: string; height: number }[] }
      say(`provenance of serial ${source.batchId.split(':')[1]?.split('-')[0]} in VCS (original serial ${provenance.batch?.originalSerial ?? '?'}):`)
      const names = new Map(cluster.testnet.genesis.accounts.map((account) => [account.publicKey, account.name]))
      for (const event of provenance.events ?? []) say(`  height ${event.height}: ${event.type}${event.from ? ` from ${names.get(event.from) ?? event.from.slice(0, 12)}` : ''}${event.to ? ` to ${names.get(event.to) ?? event.to.slice(0, 12)}` : ''}`)
      tradeTxs += await qualityDemo({ source: source.batchId, verra, bank, rater: signerFor('rating-agency', 3), verifier: signerFor(VERIFIER_ACCOUNT_NAME, 3), other: (cluster.nodes[2] as Cluster['nodes'][number]).client })
      tradeTxs += await portabilityDemo({ source: source.batchId, chainId, verra, gold: signerFor(registryAccountName('GS'), 1), goldKey: cluster.testnet.accountKeys[registryAccountName('GS')] as string, car: signerFor(registryAccountName('CAR'), 2) })
    }

    // Cash: the bank mints USD to the marketplace and to a client of the bank (a key outside genesis), and the
    // client pays the marketplace. Amounts are integer cents.
    const client = new Signer(generateKeyPair(), chainId, (cluster.nodes[3] as Cluster['nodes'][number]).client)
    const mintMarketplace = await bank.send('cash.mint', build.cashMint({ currency: 'USD', to: accountOf('marketplace'), amount: 25_000_000 }), { wait: 'commit' })
    const mintClient = await bank.send('cash.mint', build.cashMint({ currency: 'USD', to: client.accountId, amount: 5_000_000 }), { wait: 'commit' })
    const payment = await client.send('cash.transfer', build.cashTransfer({ currency: 'USD', to: accountOf('marketplace'), amount: 1_234_567 }), { wait: 'commit' })
    tradeTxs += 3
    const usdOf = async (account: string): Promise<number> => (await bank.client.balances(account)).balances.find((entry) => entry.currency === 'USD')?.amount ?? 0
    const usd = await bank.client.cash('USD')
    say('cash (USD, integer cents):')
    say(`  bank mints USD 250,000.00 to marketplace (via node1): ${mintMarketplace.result?.name} at height ${mintMarketplace.height}`)
    say(`  bank mints USD 50,000.00 to its client ${client.accountId.slice(0, 12)}: ${mintClient.result?.name} at height ${mintClient.height}`)
    say(`  client pays marketplace USD 12,345.67 (via node3): ${payment.result?.name} at height ${payment.height}`)
    say(`  balances: marketplace USD ${formatCents(await usdOf(accountOf('marketplace')))}, client USD ${formatCents(await usdOf(client.accountId))}; USD supply ${formatCents(usd.supply)} held by ${usd.holders} accounts`)

    // Delivery versus payment on the real imported credits: the marketplace offers 30 tonnes to the bank's client at
    // USD 12.50, the client accepts 20 and then the rest (cash and credits move in one transaction each); then the bank sells the client 5
    // tonnes in a swap both sign, at USD 14.00. The price statistics follow.
    if (source !== null) {
      const dayMs = 24 * 60 * 60 * 1000
      const offer = await marketplace.send('trade.offer', build.tradeOffer({ batchId: source.batchId, quantity: 30, pricePerTonne: 1_250, currency: 'USD', buyer: client.accountId, expiresAtMs: Date.now() + dayMs, disclosePrice: true }), { wait: 'commit' })
      // The client takes 20 tonnes first (a partial fill), then the 10 that remain (quantity 0: all that is left).
      const partial = await client.send('trade.accept', { offerId: offer.id, quantity: 20, disclosePrice: true }, { wait: 'commit' })
      const accepted = await client.send('trade.accept', { offerId: offer.id, quantity: 0, disclosePrice: true }, { wait: 'commit' })
      const terms = build.swapTerms({ batchId: source.batchId, quantity: 5, seller: bank.accountId, buyer: client.accountId, pricePerTonne: 1_400, currency: 'USD', expiresAtMs: Date.now() + dayMs, discloseSeller: false, discloseBuyer: true })
      const swapped = await client.send('trade.swap', signSwap(readKeyFile(cluster.testnet.accountKeys.bank as string), chainId, terms), { wait: 'commit' })
      tradeTxs += 4
      const prices = await client.client.prices({ currency: 'USD', registry: 'VCS' })
      say(`delivery versus payment on ${source.batchId}:`)
      say(`  marketplace offers 30 t at USD 12.50/t to the client: ${offer.result?.name}; client takes 20 t: ${partial.result?.name} (${partial.result?.message}); then the rest: ${accepted.result?.name} (${accepted.result?.message})`)
      say(`  bank and client swap 5 t at USD 14.00/t, both signing: ${swapped.result?.name}`)
      say(`  client now holds USD ${formatCents(await usdOf(client.accountId))} and ${(await client.client.holdings(client.accountId)).totals.active} credits`)
      say(`  VCS prices in USD: ${prices.count} trades, ${prices.volume} t, VWAP ${prices.vwapPerTonne === null ? '-' : formatCents(prices.vwapPerTonne)}/t, min ${prices.minPerTonne === null ? '-' : formatCents(prices.minPerTonne)}, max ${prices.maxPerTonne === null ? '-' : formatCents(prices.maxPerTonne)}; disclosed prices: ${prices.disclosed.map((trade) => formatCents(trade.pricePerTonne)).join(', ') || 'none'}`)
      tradeTxs += await offtakeDemo({ source: source.batchId, chainId, verra, financier: client, usdOf })
      tradeTxs += await fractionsDemo({ source: source.batchId, bank, signerFor, names: new Map(cluster.testnet.genesis.accounts.map((account) => [account.publicKey, account.name])) })
    }

    // Let every node reach the same height, then compare.
    const latest = Math.max(...(await Promise.all(cluster.nodes.map((node) => cluster.status(node.index)))).map((status) => status?.height ?? 0))
    await cluster.waitForHeight(latest, undefined, 30_000)
    const agreement = await cluster.agreement()
    const totalTxs = summaries.reduce((sum, summary) => sum + summary.steps, 0) + tradeTxs
    say('summary:')
    say(`  transactions submitted: ${totalTxs} (${summaries.reduce((sum, summary) => sum + summary.committed, 0)} imports accepted, ${summaries.reduce((sum, summary) => sum + summary.rejected, 0)} rejected)`)
    for (const node of agreement.perNode) say(`  node${node.index}: height ${node.height}, app hash at ${agreement.height}: ${node.appHashAtH}`)
    exitCode = agreement.agreeing === agreement.total ? 0 : 1
    if (options.keep) {
      say(`nodes keep running in ${out} (APIs ${cluster.nodes.map((node) => node.apiUrl).join(' ')}); stop them with: kill ${cluster.nodes.map((node) => node.process?.pid).join(' ')}`)
    }
    say(`agreement: ${agreement.agreeing}/${agreement.total} nodes at height ${agreement.height} app hash ${agreement.appHash}`)
  } catch (error) {
    process.stderr.write(`demo failed: ${(error as Error).message}\n`)
    for (const node of cluster.nodes) process.stderr.write(`--- node${node.index} log (last lines):\n${cluster.logTail(node.index, 10)}\n`)
    exitCode = 1
  } finally {
    if (!options.keep) await cluster.stopAll()
  }
  // A temporary testnet of a successful run is removed; one given with --out, kept running, or of a failed run
  // (its logs explain the failure) stays.
  if (!options.keep && options.out === undefined) {
    if (exitCode === 0) rmSync(out, { recursive: true, force: true })
    else process.stderr.write(`the testnet and its node logs are kept in ${out}\n`)
  }
  return exitCode
}

/** Waits until `client`'s node has committed `height`: a read from another node than the one a transaction was sent to. */
async function atHeight(client: TonneClient, height: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await client.status()).height < height) {
    if (Date.now() > deadline) throw new Error(`node did not reach height ${height} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Quality information: the rating agency rates the real imported project of `source` and a verifier attests MRV data
 * for it (both illustrative: the grade, dates and tonnes are the demo's, not real assessments); the bank retires
 * credits for a private beneficiary and the beneficiary is proven against the stored commitment, read from another
 * node. Returns the number of transactions it submitted.
 */
async function qualityDemo(input: { source: string; verra: Signer; bank: Signer; rater: Signer; verifier: Signer; other: TonneClient }): Promise<number> {
  const batch = (await input.verra.client.batch(input.source)) as { registry: RegistryCode; projectId: string }
  const project = (await input.verra.client.project(batch.registry, batch.projectId)) as { name: string }
  const today = new Date().toISOString().slice(0, 10)
  const rated = await input.rater.send('project.rate', build.projectRate({ registry: batch.registry, projectId: batch.projectId, scale: 'tonne demo scale (AAA-D)', grade: 'A', ratedOn: today, reportUri: `https://example.org/tonne-demo/ratings/${batch.registry}-${batch.projectId}.pdf` }), { wait: 'commit' })
  const data = JSON.stringify({ project: `${batch.registry}/${batch.projectId}`, period: '2024', measuredTonnes: 12_500, note: 'illustrative demo data' })
  const attested = await input.verifier.send(
    'project.attest',
    build.projectAttest({ registry: batch.registry, projectId: batch.projectId, periodStart: '2024-01-01', periodEnd: '2024-12-31', measuredTonnes: 12_500, dataHash: createHash('sha256').update(data).digest('hex'), dataUri: `https://example.org/tonne-demo/mrv/${batch.registry}-${batch.projectId}-2024.json` }),
    { wait: 'commit' },
  )
  const beneficiary = "The bank's private client"
  const privateRetire = build.creditRetirePrivate({ batchId: input.source, quantity: 5, beneficiary, purpose: 'Voluntary offsetting' })
  const retired = await input.bank.send('credit.retire-private', privateRetire.body, { wait: 'commit' })
  await atHeight(input.other, retired.height ?? 0)
  const proof = await input.other.verifyBeneficiary(retired.id, beneficiary, privateRetire.salt)
  const wrongName = await input.other.verifyBeneficiary(retired.id, 'Someone else', privateRetire.salt)
  const quality = (await input.other.projectQuality(batch.registry, batch.projectId)).quality
  say(`quality information on ${batch.registry}/${batch.projectId} (${project.name}; grade, dates and tonnes are illustrative):`)
  say(`  rating agency rates it ${quality.ratings[0]?.grade ?? '?'} on ${quality.ratings[0]?.scale ?? '?'} (${quality.ratings[0]?.ratedOn ?? '?'}): ${rated.result?.name}`)
  say(`  verifier attests ${quality.attestations[0]?.measuredTonnes ?? '?'} tonnes CO2e for ${quality.attestations[0]?.periodStart ?? '?'} to ${quality.attestations[0]?.periodEnd ?? '?'}, data sha256 ${quality.attestations[0]?.dataHash.slice(0, 16) ?? '?'}...: ${attested.result?.name}`)
  say(`  bank retires 5 credits for a private beneficiary: ${retired.result?.name}; the ledger stores only commitment ${privateRetire.commitment.slice(0, 16)}...`)
  say(`  proof with the kept name and salt (checked against node2's copy): ${proof.matches ? 'matches' : 'DOES NOT MATCH'}; with another name: ${wrongName.matches ? 'MATCHES' : 'does not match'}`)
  if (rated.result?.name !== 'OK' || attested.result?.name !== 'OK' || retired.result?.name !== 'OK' || !proof.matches || wrongName.matches) throw new Error('the quality information steps did not go as expected')
  return 3
}

/**
 * Portability between registries on the real imported Verra credits: Verra ports ten active serials to Gold
 * Standard, both signing (the serials, holder and history stay); Verra can no longer cancel them and Gold Standard
 * immobilises and mobilises them as their registry of record. CAR imports credits taken over from a registry that is
 * not on the ledger (PURO, illustrative serials), then tries to import the ported Verra serials as if taken over
 * from Verra, and is refused with IMPORT_OVERLAP naming the batch and its registry of record. Returns the number of
 * transactions it submitted.
 */
async function portabilityDemo(input: { source: string; chainId: string; verra: Signer; gold: Signer; goldKey: string; car: Signer }): Promise<number> {
  // Ten active serials of the batch, whoever holds them: a port changes the registry of record, not the holder.
  const [first, last] = (input.source.split(':')[1] ?? '').split('-').map(Number) as [number, number]
  const current = (await input.verra.client.provenance({ batchId: input.source, start: first, end: last })) as { holdings: { start: number; end: number; status: string }[] }
  const held = [...current.holdings].reverse().find((holding) => holding.status === 'active' && holding.end - holding.start + 1 >= 10)
  if (held === undefined) throw new Error(`no 10 active serials of ${input.source} to port`)
  const range = { start: held.start, end: held.start + 9 }
  const dayMs = 24 * 60 * 60 * 1000
  const terms = build.portTerms({ batchId: input.source, range, fromRegistry: 'VCS', toRegistry: 'GS', toSigner: input.gold.accountId, expiresAtMs: Date.now() + dayMs, reason: 'credits move to Gold Standard as registry of record' })
  const ported = await input.verra.send('credit.port', signPort(readKeyFile(input.goldKey), input.chainId, terms), { wait: 'commit' })
  await atHeight(input.gold.client, ported.height ?? 0)
  const recordOf = await input.gold.client.recordOf(input.source)
  const verraCancel = await input.verra.send('credit.cancel', build.creditCancel({ batchId: input.source, range: { start: range.start, end: range.start }, reason: 'demo: no longer of record here' }), { wait: 'commit' })
  const immobilised = await input.gold.send('credit.immobilise', build.creditImmobilise({ batchId: input.source, range: { start: range.start, end: range.start + 1 }, reason: 'demo: review at the new registry' }), { wait: 'commit' })
  const mobilised = await input.gold.send('credit.mobilise', { lockId: immobilised.id }, { wait: 'commit' })
  const registered = await input.car.send('project.register', build.projectRegister({ registry: 'CAR', projectId: 'DEMO-TAKEOVER', name: 'Credits taken over by CAR (demo, illustrative)' }), { wait: 'commit' })
  const imported = await input.car.send('batch.import', build.batchImport({ registry: 'CAR', origin: 'PURO', projectId: 'DEMO-TAKEOVER', space: 'PURO', serialStart: 1_001, serialEnd: 1_100, unitType: 'CORC', originalSerial: 'illustrative PURO 1001-1100' }), { wait: 'commit' })
  const overlapping = await input.car.send('batch.import', build.batchImport({ registry: 'CAR', origin: 'VCS', projectId: 'DEMO-TAKEOVER', space: 'VCS', serialStart: range.start + 5, serialEnd: range.end + 5 }), { wait: 'commit' })
  const history = (await input.car.client.provenance({ space: 'VCS', serial: range.start })) as { events?: { type: string; details?: Record<string, string> }[] }
  say(`portability between registries on ${input.source}:`)
  say(`  registry-vcs ports serials ${range.start}-${range.end} to GS, both registries signing: ${ported.result?.name}; ranges of record now ${recordOf.ranges.map((entry) => `${entry.start}-${entry.end} ${entry.registry}`).join(', ')}`)
  say(`  provenance of serial ${range.start}: ${(history.events ?? []).map((event) => (event.type === 'port' ? `port ${event.details?.fromRegistry} -> ${event.details?.toRegistry}` : event.type)).join(', ')}`)
  say(`  registry-vcs tries to cancel serial ${range.start}: ${verraCancel.result?.name} (${verraCancel.result?.message})`)
  say(`  registry-gs immobilises serials ${range.start}-${range.start + 1} as their registry of record: ${immobilised.result?.name}; and mobilises them: ${mobilised.result?.name}`)
  say(`  registry-car imports 100 credits taken over from PURO, not on the ledger (illustrative serials 1001-1100): ${imported.result?.name}`)
  say(`  registry-car tries to import VCS serials ${range.start + 5}-${range.end + 5} as if taken over from Verra: ${overlapping.result?.name} (${overlapping.result?.message})`)
  if (ported.result?.name !== 'OK' || verraCancel.result?.name !== 'NOT_REGISTRY_OF_RECORD' || immobilised.result?.name !== 'OK' || mobilised.result?.name !== 'OK' || registered.result?.name !== 'OK' || imported.result?.name !== 'OK' || overlapping.result?.name !== 'IMPORT_OVERLAP') {
    throw new Error('the portability steps did not go as expected')
  }
  return 7
}

/**
 * Offtake / prepayment on a real imported project (the project of `source`): the bank's client (the financier) and a
 * project developer (a new key) agree 60 t at USD 11.00 with USD 220.00 prepaid, both signing; then Verra issues a
 * new batch of that project to the developer (its serials follow the imported ones; the batch is illustrative) and
 * the ledger delivers the 60 t to the financier and pays the developer the rest out of the escrow, in the same
 * transaction. Returns the number of transactions it submitted.
 */
async function offtakeDemo(input: { source: string; chainId: string; verra: Signer; financier: Signer; usdOf: (account: string) => Promise<number> }): Promise<number> {
  const { verra, financier } = input
  const batch = (await verra.client.batch(input.source)) as { registry: RegistryCode; projectId: string }
  const project = (await verra.client.project(batch.registry, batch.projectId)) as { name: string }
  // The first free serial of the registry-wide VCS space: after every imported VCS batch.
  let lastSerial = 0
  let after: string | undefined
  for (;;) {
    const page = (await verra.client.batches({ limit: 1_000, ...(after === undefined ? {} : { after }) })) as { items: { space: string; serialEnd: number }[]; next: string | null }
    for (const item of page.items) if (item.space === 'VCS') lastSerial = Math.max(lastSerial, item.serialEnd)
    if (page.next === null) break
    after = page.next
  }
  const developerKey = generateKeyPair()
  const developer = new Signer(developerKey, input.chainId, verra.client)
  const dayMs = 24 * 60 * 60 * 1000
  const terms = build.offtakeTerms({ financier: financier.accountId, developer: developer.accountId, registry: batch.registry, projectId: batch.projectId, quantity: 60, pricePerTonne: 1_100, currency: 'USD', prepaid: 22_000, dueAtMs: Date.now() + 90 * dayMs, expiresAtMs: Date.now() + dayMs })
  const offtakeId = offtakeIdOf(input.chainId, terms)
  const financierBefore = await input.usdOf(financier.accountId)
  const agreed = await financier.send('offtake.agree', signOfftake(developerKey, input.chainId, terms), { wait: 'commit' })
  const open = await financier.client.offtake(offtakeId)
  const serialStart = lastSerial + 1
  const issued = await verra.send(
    'batch.issue',
    build.batchIssue({ registry: batch.registry, projectId: batch.projectId, space: 'VCS', serialStart, serialEnd: serialStart + 99, vintageStart: '2025-01-01', vintageEnd: '2025-12-31', unitType: 'VCU', originalSerial: `demo-${serialStart}-${serialStart + 99}`, issuanceDate: new Date().toISOString().slice(0, 10), to: developer.accountId }),
    { wait: 'commit' },
  )
  await atHeight(financier.client, issued.height ?? 0)
  const delivered = await financier.client.offtake(offtakeId)
  const newBatch = `VCS:${serialStart}-${serialStart + 99}`
  const provenance = (await financier.client.provenance({ batchId: newBatch, start: serialStart, end: serialStart })) as { events: { type: string; height: number; details: Record<string, string> }[] }
  say(`offtake / prepayment on ${batch.registry}/${batch.projectId} (${project.name}; the new batch is illustrative):`)
  say(`  the bank's client and a developer agree 60 t at USD 11.00/t by ${new Date(terms.dueAtMs).toISOString().slice(0, 10)}, USD 220.00 prepaid, both signing: ${agreed.result?.name}; offtake ${offtakeId.slice(0, 16)} ${open.status}, USD ${formatCents(open.escrowed)} in escrow`)
  say(`  Verra issues ${newBatch} (100 t) to the developer: ${issued.result?.name} (${issued.result?.message})`)
  say(`  in the same block: offtake ${delivered.status}, ${delivered.delivered} t delivered to the client (serials ${delivered.deliveryRecords[0]?.range.start}-${delivered.deliveryRecords[0]?.range.end}), developer paid USD ${formatCents(delivered.paidOnDelivery)} from the escrow (USD ${formatCents(await input.usdOf(developer.accountId))} in all)`)
  say(`  client paid USD ${formatCents(financierBefore - (await input.usdOf(financier.accountId)))} for 60 t; provenance of serial ${serialStart}: ${provenance.events.map((event) => `${event.type} at height ${event.height}`).join(', ')} (offtake prices are forward prices and stay out of the price statistics)`)
  if (agreed.result?.name !== 'OK' || issued.result?.name !== 'OK' || delivered.status !== 'delivered' || delivered.delivered !== 60 || delivered.escrowed !== 0 || issued.height !== delivered.closedHeight) throw new Error('the offtake steps did not go as expected')
  return 2
}

/**
 * Fractions and composites on the real imported credits: the bank fractionalises one of its Verra credits and retires
 * 250 kg of it; another registry (the first of Gold Standard, ACR, CAR, Cercarbono holding an active credit)
 * fractionalises one of its credits and sends half a tonne to the bank; the bank defines a composite class whose
 * rules both projects meet (their countries, and a vintage from the earlier of the two years), mints one unit from
 * 0.5 t of each project, shows its look-through, and retires it. Returns the number of transactions it submitted.
 */
async function fractionsDemo(input: { source: string; bank: Signer; signerFor: (name: string, nodeIndex: number) => Signer; names: Map<string, string> }): Promise<number> {
  const { bank } = input
  const ok = (step: string, response: { result?: { name: string; message: string } }): void => {
    if (response.result?.name !== 'OK') throw new Error(`fractions demo: ${step}: ${response.result?.name ?? 'no result'} ${response.result?.message ?? ''}`)
  }
  let txs = 0
  const fractionalised = await bank.send('credit.fractionalise', build.creditFractionalise({ batchId: input.source, quantity: 1 }), { wait: 'commit' })
  ok('bank fractionalises a credit', fractionalised)
  const retired = await bank.send('fraction.retire', build.fractionRetire({ batchId: input.source, amount: '250kg', beneficiary: 'A traveller', purpose: 'Flight offset', reason: 'one return flight' }), { wait: 'commit' })
  ok('bank retires 250 kg', retired)
  txs += 2
  const retirement = await bank.client.fractionRetirement(retired.id)
  say(`fractions (1 t = 1,000,000 parts, one part = one gram):`)
  say(`  bank fractionalises 1 credit of ${input.source}: ${fractionalised.result?.name}; retires 250 kg of it for a traveller: ${retired.result?.name}`)
  say(`  the retirement lists ${retirement.parts.map((part) => `${describeParts(part.parts)} of serial ${part.serial}`).join(', ')}`)
  // A second project: the first other registry holding an active credit of its own.
  let other: { signer: Signer; batchId: string } | null = null
  for (const code of ['GS', 'ACR', 'CAR', 'CERCARBONO'] as const) {
    const signer = input.signerFor(registryAccountName(code), 0)
    const holdings = await signer.client.holdings(signer.accountId)
    const batch = holdings.batches.find((entry) => entry.totals.active >= 1)
    if (batch !== undefined) {
      other = { signer, batchId: batch.batchId }
      break
    }
  }
  if (other === null) {
    say('  no other registry holds an active credit: skipping the composite')
    return txs
  }
  const otherFractionalised = await other.signer.send('credit.fractionalise', build.creditFractionalise({ batchId: other.batchId, quantity: 1 }), { wait: 'commit' })
  ok('second registry fractionalises a credit', otherFractionalised)
  const sent = await other.signer.send('fraction.transfer', build.fractionTransfer({ batchId: other.batchId, amount: '0.5', to: bank.accountId }), { wait: 'commit' })
  ok('second registry sends 0.5 t to the bank', sent)
  txs += 2
  const batchOf = async (batchId: string) => (await bank.client.batch(batchId)) as { registry: RegistryCode; projectId: string; vintageStart: string }
  const [first, second] = [await batchOf(input.source), await batchOf(other.batchId)]
  const projects = [(await bank.client.project(first.registry, first.projectId)) as { country: string; name: string }, (await bank.client.project(second.registry, second.projectId)) as { country: string; name: string }]
  const years = [first.vintageStart, second.vintageStart].map((date) => Number(/^(\d{4})-/.exec(date)?.[1] ?? 0))
  const vintageFrom = years.every((year) => year > 0) ? Math.min(...years) : 0
  const classId = `DEMO-BLEND-${Date.now()}`
  const defined = await bank.send('composite.define', build.compositeDefine({ classId, name: 'Demo blend of two projects', rules: { vintageFrom, countries: [...new Set(projects.map((project) => project.country))].sort() } }), { wait: 'commit' })
  ok('bank defines a composite class', defined)
  const minted = await bank.send('composite.mint', build.compositeMint({ classId, deposits: [{ batchId: input.source, amount: '0.5' }, { batchId: other.batchId, amount: '0.5' }] }), { wait: 'commit' })
  ok('bank mints a composite unit', minted)
  const unit = await bank.client.compositeUnit(classId, 1)
  const retiredUnit = await bank.send('composite.retire', build.compositeRetire({ classId, units: [1], beneficiary: "The bank's client", purpose: 'Blended offset' }), { wait: 'commit' })
  ok('bank retires the composite unit', retiredUnit)
  txs += 3
  const composite = await bank.client.composite(classId)
  const unitRetirement = await bank.client.fractionRetirement(retiredUnit.id)
  say(`  ${input.names.get(other.signer.accountId) ?? 'a registry'} fractionalises 1 credit of ${other.batchId} and sends 0.5 t to the bank: ${sent.result?.name}`)
  say(`  bank defines composite ${classId} (countries ${composite.rules.countries.join(', ') || 'any'}, vintage from ${composite.rules.vintageFrom || 'any'}): ${defined.result?.name}`)
  say(`  bank mints 1 unit from 0.5 t of each project: ${minted.result?.name}; look-through of unit 1:`)
  for (const component of unit.components) say(`    ${describeParts(component.parts)} of ${component.registry} ${component.projectId} (${component.projectName.slice(0, 50)}), batch ${component.batchId}, serial ${component.serial}, vintage ${component.vintageStart || '-'}`)
  say(`  bank retires the unit: ${retiredUnit.result?.name}; the retirement lists ${unitRetirement.parts.length} serials, ${describeParts(unitRetirement.totalParts)}; composite outstanding ${composite.outstanding}, retired ${composite.retired}`)
  return txs
}
