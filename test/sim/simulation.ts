// One deterministic simulation run: n validators (the real application, mempool, ledger, consensus driver and
// block sync of the node) on a simulated clock and network, driven by one seed. The run has an unstable phase —
// messages dropped, delayed, duplicated and reordered, partitions that form and heal, honest validators that crash
// and restart from their persisted state — and then a stable phase in which the network behaves and every honest
// validator is up. Up to f validators are Byzantine for the whole run. Afterwards it checks agreement, identical
// states, liveness after stabilisation, the ledger invariants and that every client transaction committed once.
import { createHash } from 'node:crypto'
import { bytesToHex, decode, type Genesis } from '../../client/wire.ts'
import { DEFAULT_CONSENSUS_TIMEOUTS } from '../../node/config/config.ts'
import { checkAgreement, checkCash, checkComposites, checkEvidenceAccusesOnlyByzantine, checkFractions, committedEvidence, checkFrozen, checkIdenticalStates, checkLedger, checkOfftakes, checkQuality, committedTxIds, frozenUnits } from './invariants.ts'
import { STABLE_LINKS, SimNetwork } from './network.ts'
import { BYZANTINE_BEHAVIORS, SimNode, type Behavior } from './node.ts'
import { Rng, Scheduler } from './scheduler.ts'
import { bankAccount, CLIENT_TICK_MS, fractionRegistryAccount, HOLDER_COUNT, portRegistryAccount, ratingAccount, registryAccount, seededKey, verifierAccount, Workload } from './workload.ts'

export interface SimOptions {
  seed: number
  validators: number
  /** Length of the phase with network faults and crashes. */
  unstableMs?: number
  /** Length of the phase after it, with a good network and every honest validator up. */
  stableMs?: number
  /** Force these behaviours (index -> behaviour) instead of drawing them from the seed. */
  behaviors?: Behavior[]
  /** Tests of the checks only: let `behaviors` hold more than f Byzantine validators. */
  allowMoreThanF?: boolean
  /** Called after every event with the simulated time (ms since start) and the nodes (debugging, --trace). */
  observe?: (elapsedMs: number, nodes: readonly SimNode[]) => void
}

export const UNSTABLE_MS_DEFAULT = 8_000
export const STABLE_MS_DEFAULT = 20_000
/** Clients stop signing new transactions this long before the end, so that the last ones can commit. */
export const QUIESCE_MS = 8_000
/**
 * After stabilisation every honest validator must commit at least this many new heights in STABLE_MS_DEFAULT. A
 * healthy run commits one height every 1.2-1.5 s (timeoutCommitMs 1 s plus a round); a round with a faulty proposer
 * costs its timeouts (4-5 s). Over CI's seeds the fewest new heights was 9 of 20 s (4 and 7 validators), the median
 * 18-19; 5 leaves room for unlucky proposer orders while a chain several times slower than normal fails.
 */
export const LIVENESS_HEIGHTS_MIN = 5
/** How far each validator's clock is off, at most, either way. */
export const CLOCK_SKEW_MS_MAX = 250
const GENESIS_TIME_MS = 1_750_000_000_000
/**
 * The node's default timeouts, except the pause after a commit: 1 s instead of 200 ms, so that a run spends its CPU
 * on rounds under faults rather than on many uneventful heights.
 */
export const SIM_TIMEOUTS = { ...DEFAULT_CONSENSUS_TIMEOUTS, timeoutCommitMs: 1_000 }

export interface SimReport {
  seed: number
  validators: number
  behaviors: Behavior[]
  violations: string[]
  /** Final height of each validator (0 for a silent one). */
  heights: number[]
  heightAtStabilisation: number
  txsSigned: number
  txsCommitted: number
  resubmissions: number
  crashes: number
  partitions: number
  messagesDelivered: number
  messagesDropped: number
  events: number
  /** A digest of everything observable (commits of every node, counters): equal for equal seeds. */
  trace: string
  faultLog: string[]
  /** Per node: warnings logged by message, and gossip messages rejected. */
  warnings: Record<string, number>[]
  /** Committed client transactions by "kind result" (e.g. "credit.lock OK"), on the highest honest node. */
  outcomes: Record<string, number>
  /** Evidence items committed (on the highest honest node). */
  evidenceCommitted: number
  rejected: number[]
  unstableMs: number
  stableMs: number
}

export function faultTolerance(validators: number): number {
  return Math.floor((validators - 1) / 3)
}

export async function runSimulation(options: SimOptions): Promise<SimReport> {
  const { seed, validators: n } = options
  const unstableMs = options.unstableMs ?? UNSTABLE_MS_DEFAULT
  const stableMs = options.stableMs ?? STABLE_MS_DEFAULT
  const f = faultTolerance(n)
  const rng = new Rng(seed)
  const faultRng = rng.fork()
  const networkRng = rng.fork()
  const workloadRng = rng.fork()
  const scheduler = new Scheduler(GENESIS_TIME_MS + 1_000)
  const network = new SimNetwork(scheduler, networkRng, n)
  const violations: string[] = []
  const faultLog: string[] = []
  const log = (text: string): void => void faultLog.push(`${scheduler.nowMs - GENESIS_TIME_MS - 1_000} ms: ${text}`)

  // Who is Byzantine: up to f validators, each with one behaviour, for the whole run.
  const behaviors: Behavior[] = options.behaviors ?? new Array<Behavior>(n).fill('honest')
  if (options.behaviors === undefined) {
    const byzantineCount = faultRng.between(0, f)
    const indexes = [...Array(n).keys()]
    for (let chosen = 0; chosen < byzantineCount; chosen += 1) {
      const index = indexes.splice(faultRng.int(indexes.length), 1)[0] as number
      behaviors[index] = faultRng.pick(BYZANTINE_BEHAVIORS)
    }
  }
  if (options.allowMoreThanF !== true && behaviors.filter((behavior) => behavior !== 'honest').length > f) throw new Error(`more than f = ${f} Byzantine validators`)

  const validatorKeys = Array.from({ length: n }, (_, index) => seededKey(`validator${index}`, seed))
  const registryKey = seededKey('registry', seed)
  const bankKey = seededKey('bank', seed)
  const holderKeys = Array.from({ length: HOLDER_COUNT }, (_, index) => seededKey(`holder${index}`, seed))
  const qualityKeys = { rating: seededKey('rating', seed), verifier: seededKey('verifier', seed) }
  const portKeys = { vcs: seededKey('registry-vcs-port', seed), gs: seededKey('registry-gs', seed) }
  const fractionKeys = { registry: seededKey('fractions-registry', seed), holder: seededKey('fractions-holder', seed) }
  const genesis: Genesis = {
    chainId: 'tonne-sim',
    genesisTimeMs: GENESIS_TIME_MS,
    validators: validatorKeys.map((key, index) => ({ name: `v${index}`, publicKey: bytesToHex(key.publicKey), peerId: `sim-peer-${index}`, address: `/ip4/127.0.0.1/tcp/${27000 + index}` })),
    accounts: [registryAccount(registryKey), bankAccount(bankKey), ratingAccount(qualityKeys.rating), verifierAccount(qualityKeys.verifier), portRegistryAccount('registry-vcs-port', portKeys.vcs, 'VCS'), portRegistryAccount('registry-gs', portKeys.gs, 'GS'), fractionRegistryAccount(fractionKeys.registry)],
  }
  const nodes = validatorKeys.map(
    (key, index) =>
      new SimNode({
        index,
        genesis,
        key,
        behavior: behaviors[index] as Behavior,
        timeouts: SIM_TIMEOUTS,
        skewMs: faultRng.between(-CLOCK_SKEW_MS_MAX, CLOCK_SKEW_MS_MAX),
        scheduler,
        network,
        rng: rng.fork(),
        onError: (node, object, message) => violations.push(`node ${node} logged an error: ${message ?? ''} ${JSON.stringify(object).slice(0, 300)}`),
      }),
  )
  for (const node of nodes) network.attach(node)
  const honest = nodes.filter((node) => node.honest)
  const workload = new Workload(genesis, registryKey, holderKeys, workloadRng, bankKey, qualityKeys, portKeys, fractionKeys)

  const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
  const startedAt = scheduler.nowMs
  const stableAt = startedAt + unstableMs
  const endAt = stableAt + stableMs
  let crashes = 0
  let partitions = 0

  // Faults of the unstable phase, drawn as it goes.
  const scheduleFault = (): void => {
    scheduler.schedule(faultRng.between(300, 2_500), () => {
      if (scheduler.nowMs >= stableAt) return
      // 2 in 9: link faults; 2 in 9: a partition; 2 in 9: one honest validator crashes; 1 in 9: every validator
      // crashes at once (a power cut: nobody may be left holding the only copy of what was signed); 2 in 9: calm.
      const choice = [0, 0, 1, 1, 2, 2, 4, 3, 3][faultRng.int(9)] as number
      if (choice === 0) {
        network.faults = {
          dropProbability: faultRng.next() * 0.3,
          duplicateProbability: faultRng.next() * 0.1,
          delayMinMs: 1,
          delayMaxMs: faultRng.between(20, 600),
        }
        log(`links: drop ${network.faults.dropProbability.toFixed(2)}, duplicate ${network.faults.duplicateProbability.toFixed(2)}, delay up to ${network.faults.delayMaxMs} ms`)
      } else if (choice === 1) {
        const groups = nodes.map(() => faultRng.int(2))
        network.partition(groups)
        partitions += 1
        log(`partition ${network.describePartition()}`)
        scheduler.schedule(faultRng.between(300, 5_000), () => {
          if (scheduler.nowMs >= stableAt) return
          network.heal()
          log('partition healed')
        })
      } else if (choice === 2) {
        // Crash an honest validator, never more than f of them down at once.
        const down = honest.filter((node) => !node.isUp()).length
        const candidates = honest.filter((node) => node.isUp())
        if (down < f && candidates.length > 0) {
          const victim = faultRng.pick(candidates)
          log(`crash node ${victim.index} at height ${victim.height}`)
          victim.crash()
          crashes += 1
          scheduler.schedule(faultRng.between(100, 5_000), () => {
            if (victim.isUp()) return
            log(`restart node ${victim.index}`)
            void victim.start()
          })
        }
      } else if (choice === 4) {
        const victims = nodes.filter((node) => node.isUp())
        log(`crash all ${victims.length} running validators at heights ${victims.map((node) => node.height).join(',')}`)
        for (const victim of victims) {
          victim.crash()
          crashes += 1
          scheduler.schedule(faultRng.between(100, 3_000), () => {
            if (victim.isUp()) return
            log(`restart node ${victim.index}`)
            void victim.start()
          })
        }
      } else {
        network.heal()
        network.faults = STABLE_LINKS
        log('network calm')
      }
      scheduleFault()
    })
  }

  // Stabilisation: the network behaves, every honest validator is up.
  let heightAtStabilisation = 0
  let frozenAtStabilisation = new Map<string, string>()
  scheduler.schedule(unstableMs, () => {
    network.heal()
    network.faults = STABLE_LINKS
    log('stable')
    for (const node of nodes) {
      if (node.isUp() || node.behavior === 'silent') continue
      log(`restart node ${node.index}`)
      void node.start()
    }
    heightAtStabilisation = Math.max(...honest.map((node) => node.height))
    const reference = honest.find((node) => node.isUp() && node.height === heightAtStabilisation)
    if (reference?.store) void frozenUnits(reference.store.state).then((frozen) => void (frozenAtStabilisation = frozen))
  })
  scheduler.schedule(unstableMs + stableMs - QUIESCE_MS, () => workload.stopCreating())
  const clientTick = (): void => {
    scheduler.schedule(CLIENT_TICK_MS, () => {
      void workload.tick(scheduler.nowMs, nodes)
      clientTick()
    })
  }

  for (const node of nodes) await node.start()
  await drain()
  scheduleFault()
  clientTick()
  for (;;) {
    const event = scheduler.next(endAt)
    if (event === undefined) break
    event.run()
    await drain()
    options.observe?.(scheduler.nowMs - startedAt, nodes)
  }
  for (const node of nodes) node.driver?.stop()

  // Checks.
  violations.push(...checkAgreement(honest))
  violations.push(...(await checkIdenticalStates(honest)))
  const heights = nodes.map((node) => node.height)
  for (const node of honest) {
    if (node.height < heightAtStabilisation + LIVENESS_HEIGHTS_MIN) {
      violations.push(`liveness: node ${node.index} is at height ${node.height}, ${LIVENESS_HEIGHTS_MIN} above ${heightAtStabilisation} expected after stabilisation`)
    }
  }
  const top = honest.reduce((best, node) => (node.height > best.height ? node : best), honest[0] as SimNode)
  const signed = workload.signed
  let evidenceCommitted = 0
  const outcomes: Record<string, number> = {}
  if (top.store !== null) {
    violations.push(...(await checkLedger(top.store.state, top.app?.latest.timeMs ?? 0)))
    violations.push(...(await checkCash(top.store.state)))
    violations.push(...(await checkQuality(top.store.state)))
    violations.push(...(await checkOfftakes(top.store.state, top.app?.latest.timeMs ?? 0)))
    violations.push(...(await checkFractions(top.store.state)))
    violations.push(...(await checkComposites(top.store.state)))
    violations.push(...checkFrozen(frozenAtStabilisation, await frozenUnits(top.store.state)))
    const { ids, violations: duplicates } = await committedTxIds(top.store, top.height)
    violations.push(...duplicates)
    const evidence = await committedEvidence(top.store.state)
    evidenceCommitted = evidence.length
    violations.push(...checkEvidenceAccusesOnlyByzantine(evidence, new Set(nodes.filter((node) => !node.honest).map((node) => node.index))))
    for (const tx of signed) {
      const record = await top.store.state.get('tx/' + tx.id)
      if (record === undefined) continue
      const [, , , name] = decode(record) as [number, number, number, string]
      const key = `${tx.kind} ${name}`
      outcomes[key] = (outcomes[key] ?? 0) + 1
    }
    // How the offtake agreements ended (delivered on issuance, defaulted at the due date, still open).
    for (const [, bytes] of await top.store.state.range({ gte: 'offtake/', lt: 'offtake0' })) {
      const key = `offtake status ${(decode(bytes) as { status: string }).status}`
      outcomes[key] = (outcomes[key] ?? 0) + 1
    }
    const missing = signed.filter((tx) => !ids.has(tx.id))
    if (missing.length > 0) violations.push(`${missing.length} of ${signed.length} client transactions never committed (first: ${missing[0]?.kind} of ${missing[0]?.client})`)
  }
  const trace = createHash('sha256')
    .update(JSON.stringify({ commits: nodes.map((node) => [...node.commits.entries()]), heights, events: scheduler.executed, delivered: network.delivered, dropped: network.dropped, faultLog }))
    .digest('hex')
  return {
    seed,
    validators: n,
    behaviors,
    violations,
    heights,
    heightAtStabilisation,
    txsSigned: signed.length,
    txsCommitted: workload.clients.reduce((sum, client) => sum + client.committed, 0),
    resubmissions: workload.clients.reduce((sum, client) => sum + client.resubmissions, 0),
    crashes,
    partitions,
    messagesDelivered: network.delivered,
    messagesDropped: network.dropped,
    events: scheduler.executed,
    trace,
    faultLog,
    evidenceCommitted,
    outcomes,
    warnings: nodes.map((node) => Object.fromEntries(node.warnings)),
    rejected: nodes.map((node) => node.rejected),
    unstableMs,
    stableMs,
  }
}

export function describeFailure(report: SimReport): string {
  return [
    `simulation seed ${report.seed} (${report.validators} validators: ${report.behaviors.join(', ')}) failed:`,
    ...report.violations.slice(0, 20).map((violation) => `  - ${violation}`),
    `  heights ${report.heights.join(', ')}; at stabilisation ${report.heightAtStabilisation}`,
    `  replay: ${replayCommand(report)}`,
  ].join('\n')
}

export function replayCommand(report: Pick<SimReport, 'seed' | 'validators' | 'unstableMs' | 'stableMs'>): string {
  const lengths = report.unstableMs !== UNSTABLE_MS_DEFAULT || report.stableMs !== STABLE_MS_DEFAULT ? ` --unstable-ms ${report.unstableMs} --stable-ms ${report.stableMs}` : ''
  return `npm run sim -- --seed ${report.seed} --validators ${report.validators}${lengths}`
}
