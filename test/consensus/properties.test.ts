// Property tests for the consensus core, with fast-check.
//
// 1. One core under random input sequences (any step, round, value, sender, duplicate, equivocation, stale
//    timeout, out-of-window round, other height), with a driver that feeds own messages back as the contract asks:
//    the core never asks for two votes of one (height, round, voteType) or two proposals of one (height, round),
//    never modifies its input state, keeps plain-JSON state and its own invariants, and decides at most once per
//    height with a real certificate.
// 2. A seeded simulation of four validators, three correct and one Byzantine (validator 3, which equivocates at
//    will and proposes invalid blocks), over a network that delays, reorders, duplicates and drops messages, fires
//    timeouts in any order and crashes validators (restored from their JSON state with outputsAfterRestore): correct validators never decide differently (agreement) and, once the network
//    heals (messages arrive before timers fire, and correct validators re-gossip what they have seen whenever the
//    network goes quiet), they all decide (liveness). This simulation is what showed that "only a validator's first
//    vote counts" loses liveness against an equivocating validator; see RoundMessages in consensus/types.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  initialState,
  outputsAfterRestore,
  proposerIndex,
  quorumSize,
  step,
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusState,
  type Decision,
  type ProposalInput,
  type TimeoutInput,
  type Value,
  type VoteInput,
} from '../../consensus/index.ts'
import { A, B, C, HEIGHT, VALIDATOR_COUNT, configFor, signatureOf } from './helpers.ts'

const QUORUM = quorumSize(VALIDATOR_COUNT)

/** Raise these (e.g. CONSENSUS_SIMULATION_RUNS=20000) for a deeper search; a failure prints its seed to replay. */
const RANDOM_INPUT_RUNS = Number(process.env.CONSENSUS_RANDOM_INPUT_RUNS ?? 400)
const SIMULATION_RUNS = Number(process.env.CONSENSUS_SIMULATION_RUNS ?? 400)

/** Applies one input, checking that the given state is untouched and the result is plain JSON. */
function checkedStep(state: ConsensusState, input: ConsensusInput): { state: ConsensusState; outputs: ConsensusOutput[] } {
  const before = JSON.stringify(state)
  const result = step(state, input)
  if (JSON.stringify(state) !== before) throw new Error('step modified the state it was given')
  expect(JSON.parse(JSON.stringify(result.state))).toEqual(result.state)
  return result
}

/** Invariants of the core's own variables that must hold after every step. */
function assertStateInvariants(state: ConsensusState): void {
  expect(state.lockedRound <= state.round).toBe(true)
  expect(state.validRound <= state.round).toBe(true)
  expect(state.lockedRound <= state.validRound).toBe(true)
  expect(state.lockedRound === -1).toBe(state.lockedValue === null)
  expect(state.validRound === -1).toBe(state.validValue === null)
  const roundNumbers = state.rounds.map((entry) => entry.round)
  expect(roundNumbers).toEqual([...new Set(roundNumbers)].sort((left, right) => left - right))
  for (const entry of state.rounds) {
    for (const votes of [entry.prevotes, entry.precommits]) {
      const voters = votes.map((vote) => vote.validatorIndex)
      expect(new Set(voters).size).toBe(voters.length)
      for (const vote of votes) expect(vote.round).toBe(entry.round)
    }
    const conflictingKeys = entry.supportedConflictingVotes.map((vote) => `${vote.voteType}/${vote.validatorIndex}/${vote.value}`)
    expect(new Set(conflictingKeys).size).toBe(conflictingKeys.length)
    for (const vote of entry.supportedConflictingVotes) {
      const firstVotes = vote.voteType === 'prevote' ? entry.prevotes : entry.precommits
      expect(firstVotes.find((first) => first.validatorIndex === vote.validatorIndex)?.value).not.toBe(vote.value)
      expect(firstVotes.filter((first) => first.value === vote.value).length).toBeGreaterThanOrEqual(2) // f + 1
    }
    expect(entry.supportedConflictingProposals.length).toBeLessThanOrEqual(3)
  }
}

function assertCertificate(decision: Pick<Decision, 'precommits' | 'round' | 'value'>, state: ConsensusState): void {
  const voters = decision.precommits.map((entry) => entry.validatorIndex)
  expect(voters.length).toBeGreaterThanOrEqual(QUORUM)
  expect(new Set(voters).size).toBe(voters.length)
  const roundEntry = state.rounds.find((entry) => entry.round === decision.round)
  const precommits = [...(roundEntry?.precommits ?? []), ...(roundEntry?.supportedConflictingVotes ?? []).filter((vote) => vote.voteType === 'precommit')]
  for (const signature of decision.precommits) {
    const precommit = precommits.find((vote) => vote.validatorIndex === signature.validatorIndex && vote.value === decision.value)
    expect(precommit?.signature).toBe(signature.signature)
  }
}

// ---------------------------------------------------------------------------------------------------------
// 1. One core, random inputs.

const valueArbitrary = fc.constantFrom<Value | null>(A, B, C, null)
const roundArbitrary = fc.nat({ max: 4 })
const heightArbitrary = fc.constantFrom(HEIGHT, HEIGHT, HEIGHT, HEIGHT, HEIGHT + 1)
const validatorArbitrary = fc.nat({ max: VALIDATOR_COUNT - 1 })

const inputArbitrary: fc.Arbitrary<ConsensusInput> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('prevote' as const, 'precommit' as const), heightArbitrary, roundArbitrary, validatorArbitrary, valueArbitrary) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('proposal' as const), heightArbitrary, roundArbitrary, fc.integer({ min: -1, max: 4 }), fc.constantFrom(A, B, C), fc.boolean()) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('timeout' as const), fc.constantFrom('propose' as const, 'prevote' as const, 'precommit' as const), heightArbitrary, roundArbitrary) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('proposeValue' as const), heightArbitrary, roundArbitrary, fc.constantFrom(A, B, C)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('startHeight' as const), fc.constantFrom(HEIGHT, HEIGHT + 1)) },
).map((tuple): ConsensusInput => {
  switch (tuple[0]) {
    case 'prevote':
    case 'precommit': {
      const [voteType, height, round, validatorIndex, value] = tuple
      return { type: 'vote', voteType, height, round, value, validatorIndex, signature: signatureOf(voteType, round, validatorIndex, value, height) }
    }
    case 'proposal': {
      const [, height, round, polRound, value, valid] = tuple
      const validatorIndex = proposerIndex(height, round, VALIDATOR_COUNT)
      return { type: 'proposal', height, round, polRound, value, validatorIndex, signature: signatureOf('proposal', round, validatorIndex, value, height), valid }
    }
    case 'timeout': {
      const [, timeoutStep, height, round] = tuple
      return { type: 'timeout', step: timeoutStep, height, round }
    }
    case 'proposeValue': {
      const [, height, round, value] = tuple
      return { type: 'proposeValue', height, round, value }
    }
    case 'startHeight':
      return { type: 'startHeight', height: tuple[1] }
  }
})

describe('one core under random inputs', () => {
  it('never asks for conflicting votes or proposals, keeps its invariants and decides at most once per height', () => {
    fc.assert(
      fc.property(fc.constantFrom<number | null>(0, 1, 2, 3, null), fc.array(inputArbitrary, { maxLength: 120 }), (selfIndex, inputs) => {
        let state = initialState(configFor(selfIndex), HEIGHT)
        const voteKeys = new Set<string>()
        const proposalKeys = new Set<string>()
        const decidedHeights = new Set<number>()
        const pending: ConsensusInput[] = [{ type: 'startHeight', height: HEIGHT }, ...inputs]
        for (let index = 0; index < pending.length; index++) {
          const input = pending[index] as ConsensusInput
          const result = checkedStep(state, input)
          state = result.state
          assertStateInvariants(state)
          const feedback: ConsensusInput[] = []
          for (const output of result.outputs) {
            if (output.type === 'broadcastVote') {
              const key = `${output.height}/${output.round}/${output.voteType}`
              expect(voteKeys.has(key), `a second ${key} vote`).toBe(false)
              voteKeys.add(key)
              expect(selfIndex).not.toBeNull()
              const own = selfIndex as number
              feedback.push({ ...output, type: 'vote', validatorIndex: own, signature: signatureOf(output.voteType, output.round, own, output.value, output.height) })
            }
            if (output.type === 'broadcastProposal') {
              const key = `${output.height}/${output.round}`
              expect(proposalKeys.has(key), `a second proposal for ${key}`).toBe(false)
              proposalKeys.add(key)
              expect(proposerIndex(output.height, output.round, VALIDATOR_COUNT)).toBe(selfIndex)
              const own = selfIndex as number
              feedback.push({ ...output, type: 'proposal', validatorIndex: own, signature: signatureOf('proposal', output.round, own, output.value, output.height), valid: true })
            }
            if (output.type === 'getValue') expect(proposerIndex(output.height, output.round, VALIDATOR_COUNT)).toBe(selfIndex)
            if (output.type === 'decide') {
              expect(decidedHeights.has(output.height)).toBe(false)
              decidedHeights.add(output.height)
              assertCertificate(output, state)
            }
          }
          // The driver feeds own messages back right after the step, before the next peer message.
          pending.splice(index + 1, 0, ...feedback)
        }
      }),
      { numRuns: RANDOM_INPUT_RUNS },
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// 2. Simulation: three correct validators, one Byzantine, an adversarial network, then a healed one.

const CORRECT_VALIDATORS = [0, 1, 2] as const
const BYZANTINE_VALIDATOR = 3
/** A block every correct validator's driver rejects. */
const INVALID_BLOCK: Value = 'ee'.repeat(32)
const SIMULATED_ROUNDS_MAX = 6
const SIMULATION_ACTIONS_MAX = Number(process.env.CONSENSUS_SIMULATION_ACTIONS_MAX ?? 400)
/** Liveness bound: rounds take a few timer firings each, so this allows dozens of rounds. */
const HEALED_TIMER_FIRINGS_MAX = 300

/** The block a correct proposer builds for a round: different per proposer and round, so conflicts are possible. */
function blockOf(validatorIndex: number, round: number): Value {
  return `${validatorIndex}${round}`.padStart(64, '0')
}

const BYZANTINE_VALUES: (Value | null)[] = [null, A, B, INVALID_BLOCK, blockOf(1, 0), blockOf(2, 1), blockOf(0, 3)]

interface SimulatedValidator {
  index: number
  state: ConsensusState
  timers: { input: TimeoutInput; fireAtMs: number }[]
  /** Everything this validator signed. */
  signed: ConsensusInput[]
  /** Every message this validator has received or sent, by identity: what its gossip layer relays. */
  seen: Map<string, ConsensusInput>
  decision: { round: number; value: Value } | null
}

interface Network {
  nowMs: number
  inFlight: { to: number; input: ConsensusInput }[]
  validators: SimulatedValidator[]
}

/** What the receiving driver does before the core sees a proposal: judge the block. */
function asReceived(input: ConsensusInput): ConsensusInput {
  return input.type === 'proposal' ? { ...input, valid: input.value !== INVALID_BLOCK } : input
}

function sendToOthers(network: Network, from: number, input: ConsensusInput): void {
  for (const to of CORRECT_VALIDATORS) if (to !== from) network.inFlight.push({ to, input })
}

/** A message's identity for the gossip layer: everything signed (so not the receiver's verdict `valid`). */
function messageKey(input: ConsensusInput): string {
  if (input.type === 'vote') return `${input.voteType}/${input.round}/${input.validatorIndex}/${input.value}`
  if (input.type === 'proposal') return `proposal/${input.round}/${input.polRound}/${input.validatorIndex}/${input.value}`
  return input.type
}

/**
 * Gossip: a correct validator relays every message the first time it sees it, as gossipsub does. The paper's
 * liveness argument assumes exactly this ("if a correct process receives m, every correct process eventually
 * receives m"): without it a Byzantine validator can show a proof-of-lock to one validator only, and the others
 * never accept the re-proposal that needs it (line 28).
 */
function receiveFromNetwork(network: Network, to: number, input: ConsensusInput): void {
  const validator = network.validators[to] as SimulatedValidator
  const key = messageKey(input)
  if (!validator.seen.has(key)) {
    validator.seen.set(key, input)
    sendToOthers(network, to, input)
  }
  deliver(network, to, input)
}

/** The driver of a correct validator: one input, then the outputs, own messages fed back in order. */
function deliver(network: Network, to: number, first: ConsensusInput): void {
  processQueue(network, network.validators[to] as SimulatedValidator, [asReceived(first)])
}

function processQueue(network: Network, validator: SimulatedValidator, queue: ConsensusInput[]): void {
  for (let input = queue.shift(); input !== undefined; input = queue.shift()) {
    const result = step(validator.state, input)
    validator.state = result.state
    for (const output of result.outputs) perform(network, validator, output, queue)
  }
}

function perform(network: Network, validator: SimulatedValidator, output: ConsensusOutput, queue: ConsensusInput[]): void {
  switch (output.type) {
    case 'scheduleTimeout':
      validator.timers.push({ input: { type: 'timeout', step: output.step, height: output.height, round: output.round }, fireAtMs: network.nowMs + output.durationMs })
      return
    case 'getValue':
      queue.push({ type: 'proposeValue', height: output.height, round: output.round, value: blockOf(validator.index, output.round) })
      return
    case 'broadcastProposal':
    case 'broadcastVote': {
      const signedInput: ProposalInput | VoteInput =
        output.type === 'broadcastProposal'
          ? { ...output, type: 'proposal', validatorIndex: validator.index, signature: signatureOf('proposal', output.round, validator.index, output.value), valid: true }
          : { ...output, type: 'vote', validatorIndex: validator.index, signature: signatureOf(output.voteType, output.round, validator.index, output.value) }
      const earlier = validator.signed.find((candidate) => sameSlot(candidate, signedInput))
      if (earlier !== undefined) {
        // Only a restart re-issues a vote, and it must be the very same one.
        expect(messageKey(earlier), 'a correct validator signed two different messages for one (height, round, step)').toBe(messageKey(signedInput))
      }
      validator.signed.push(signedInput)
      validator.seen.set(messageKey(signedInput), signedInput)
      queue.push(signedInput)
      sendToOthers(network, validator.index, signedInput)
      return
    }
    case 'decide':
      expect(validator.decision).toBeNull()
      assertCertificate(output, validator.state)
      validator.decision = { round: output.round, value: output.value }
      return
    case 'equivocation':
    case 'proposalEquivocation':
      return
  }
}

function sameSlot(left: ConsensusInput, right: ProposalInput | VoteInput): boolean {
  if (left.type !== right.type || !('round' in left) || left.round !== right.round) return false
  return left.type === 'vote' && right.type === 'vote' ? left.voteType === right.voteType : true
}

function byzantineMessage(choice: number): ConsensusInput {
  const kind = choice % 3
  const round = Math.floor(choice / 3) % SIMULATED_ROUNDS_MAX
  const value = BYZANTINE_VALUES[Math.floor(choice / (3 * SIMULATED_ROUNDS_MAX)) % BYZANTINE_VALUES.length] ?? null
  const isProposer = proposerIndex(HEIGHT, round, VALIDATOR_COUNT) === BYZANTINE_VALIDATOR
  if (kind === 2 && isProposer && value !== null) {
    const polRound = (Math.floor(choice / 7) % (round + 1)) - 1
    return { type: 'proposal', height: HEIGHT, round, polRound, value, validatorIndex: BYZANTINE_VALIDATOR, signature: signatureOf('proposal', round, BYZANTINE_VALIDATOR, value), valid: true }
  }
  const voteType = kind === 0 ? 'prevote' : 'precommit'
  return { type: 'vote', voteType, height: HEIGHT, round, value, validatorIndex: BYZANTINE_VALIDATOR, signature: signatureOf(voteType, round, BYZANTINE_VALIDATOR, value) }
}

type NetworkAction = [kind: number, first: number, second: number]

function applyAdversarialAction(network: Network, [kind, first, second]: NetworkAction): void {
  const inFlightCount = network.inFlight.length
  if (kind <= 4 && inFlightCount > 0) {
    const [message] = network.inFlight.splice(first % inFlightCount, 1)
    if (message !== undefined) receiveFromNetwork(network, message.to, message.input)
  } else if (kind === 5 && inFlightCount > 0) {
    network.inFlight.splice(first % inFlightCount, 1) // dropped
  } else if (kind === 6 && inFlightCount > 0) {
    const message = network.inFlight[first % inFlightCount]
    if (message !== undefined) network.inFlight.push(message) // duplicated
  } else if (kind === 7 || kind === 8) {
    const validator = network.validators[CORRECT_VALIDATORS[first % CORRECT_VALIDATORS.length] as number] as SimulatedValidator
    const [timer] = validator.timers.splice(second % Math.max(validator.timers.length, 1), 1)
    if (timer !== undefined) deliver(network, validator.index, timer.input) // fired early, or out of order
  } else if (kind >= 9 && kind <= 11) {
    network.inFlight.push({ to: CORRECT_VALIDATORS[first % CORRECT_VALIDATORS.length] as number, input: byzantineMessage(second) })
  } else if (kind === 12) {
    restart(network, network.validators[CORRECT_VALIDATORS[first % CORRECT_VALIDATORS.length] as number] as SimulatedValidator)
  }
}

/** A crash and restart: the state comes back from its JSON, timers and messages in flight to it are lost. */
function restart(network: Network, validator: SimulatedValidator): void {
  validator.state = JSON.parse(JSON.stringify(validator.state)) as ConsensusState
  validator.timers = []
  network.inFlight = network.inFlight.filter((message) => message.to !== validator.index)
  const queue: ConsensusInput[] = []
  for (const output of outputsAfterRestore(validator.state)) perform(network, validator, output, queue)
  processQueue(network, validator, queue)
}

/**
 * After GST, until every correct validator decides: messages arrive before the next timer fires, and whenever the
 * network goes quiet each correct validator re-sends everything it has seen (as CometBFT's vote gossip sends a
 * peer the votes it lacks) once, if it has seen something new since the last time.
 */
/** Bounds the healed phase's message deliveries too, so a message storm fails the test instead of hanging it. */
const HEALED_DELIVERIES_MAX = 200_000

function runHealedNetwork(network: Network): void {
  let seenCountAtLastGossip = -1
  let deliveries = 0
  for (let timerFirings = 0; timerFirings <= HEALED_TIMER_FIRINGS_MAX; ) {
    if (network.validators.every((validator) => validator.decision !== null)) return
    const message = network.inFlight.shift()
    if (message !== undefined) {
      deliveries += 1
      if (deliveries > HEALED_DELIVERIES_MAX) throw new Error(`no decision after ${HEALED_DELIVERIES_MAX} message deliveries on a healed network: a message storm`)
      receiveFromNetwork(network, message.to, message.input)
      continue
    }
    const seenCount = network.validators.reduce((total, validator) => total + validator.seen.size, 0)
    if (seenCount !== seenCountAtLastGossip) {
      seenCountAtLastGossip = seenCount
      for (const validator of network.validators) for (const input of validator.seen.values()) sendToOthers(network, validator.index, input)
      continue
    }
    const next = earliestTimer(network)
    if (next === null) throw new Error('no message in flight and no timer pending: the correct validators are stuck')
    network.nowMs = Math.max(network.nowMs, next.timer.fireAtMs)
    next.validator.timers.splice(next.validator.timers.indexOf(next.timer), 1)
    deliver(network, next.validator.index, next.timer.input)
    timerFirings++
  }
  const rounds = network.validators.map((validator) => `${validator.index}: round ${validator.state.round} ${validator.state.step}, locked ${validator.state.lockedRound}`)
  throw new Error(`no decision after ${HEALED_TIMER_FIRINGS_MAX} timer firings on a healed network (${rounds.join('; ')})`)
}

function earliestTimer(network: Network): { validator: SimulatedValidator; timer: SimulatedValidator['timers'][number] } | null {
  let earliest: { validator: SimulatedValidator; timer: SimulatedValidator['timers'][number] } | null = null
  for (const validator of network.validators) {
    for (const timer of validator.timers) if (earliest === null || timer.fireAtMs < earliest.timer.fireAtMs) earliest = { validator, timer }
  }
  return earliest
}

function newNetwork(): Network {
  const validators = CORRECT_VALIDATORS.map((index) => ({ index, state: initialState(configFor(index), HEIGHT), timers: [], signed: [], seen: new Map(), decision: null }))
  const network: Network = { nowMs: 0, inFlight: [], validators }
  for (const validator of validators) deliver(network, validator.index, { type: 'startHeight', height: HEIGHT })
  return network
}

const actionArbitrary: fc.Arbitrary<NetworkAction> = fc.tuple(fc.nat({ max: 12 }), fc.nat(), fc.nat())

describe('simulation: 3 correct validators and 1 Byzantine on an adversarial network', () => {
  it('correct validators never decide different values, and all decide once the network heals', () => {
    fc.assert(
      fc.property(fc.array(actionArbitrary, { maxLength: SIMULATION_ACTIONS_MAX }), (actions) => {
        const network = newNetwork()
        for (const action of actions) applyAdversarialAction(network, action)
        const decidedEarly = network.validators.flatMap((validator) => (validator.decision === null ? [] : [validator.decision.value]))
        expect(new Set(decidedEarly).size).toBeLessThanOrEqual(1)
        runHealedNetwork(network)
        const decided = network.validators.map((validator) => validator.decision?.value)
        expect(decided.every((value) => value !== undefined)).toBe(true)
        expect(new Set(decided).size).toBe(1)
        expect(decided[0]).not.toBe(INVALID_BLOCK)
      }),
      { numRuns: SIMULATION_RUNS },
    )
  })

  it('with no adversary at all, every correct validator decides the round-0 block', () => {
    const network = newNetwork()
    runHealedNetwork(network)
    expect(network.validators.map((validator) => validator.decision)).toEqual([0, 1, 2].map(() => ({ round: 0, value: blockOf(1, 0) })))
  })
})
