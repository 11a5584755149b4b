// Builders for consensus core inputs and outputs, shared by the table tests and the property tests.
// Four validators (f = 1, quorum 3, f + 1 = 2) at height 1, where the proposer of round r is (1 + r) mod 4:
// round 0 -> 1, round 1 -> 2, round 2 -> 3, round 3 -> 0.
import { expect } from 'vitest'
import {
  initialState,
  proposerIndex,
  step,
  type CommitSignature,
  type ConsensusConfig,
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusState,
  type ProposalInput,
  type TimeoutStep,
  type Value,
  type VoteInput,
  type VoteType,
} from '../../consensus/index.ts'

export const HEIGHT = 1
export const VALIDATOR_COUNT = 4

export const A: Value = 'aa'.repeat(32)
export const B: Value = 'bb'.repeat(32)
export const C: Value = 'cc'.repeat(32)

export const TIMEOUT_PROPOSE_MS = 3_000
export const TIMEOUT_PREVOTE_MS = 1_000
export const TIMEOUT_PRECOMMIT_MS = 1_200
export const TIMEOUT_DELTA_MS = 500

export function configFor(selfIndex: number | null, validatorCount = VALIDATOR_COUNT): ConsensusConfig {
  return {
    validatorCount,
    selfIndex,
    timeoutProposeMs: TIMEOUT_PROPOSE_MS,
    timeoutPrevoteMs: TIMEOUT_PREVOTE_MS,
    timeoutPrecommitMs: TIMEOUT_PRECOMMIT_MS,
    timeoutDeltaMs: TIMEOUT_DELTA_MS,
  }
}

/** A readable stand-in for a signature, unique per signed content, so certificates can be checked exactly. */
export function signatureOf(kind: VoteType | 'proposal', round: number, validatorIndex: number, value: Value | null, height = HEIGHT): string {
  return `${kind}/h${height}/r${round}/v${validatorIndex}/${value === null ? 'nil' : value.slice(0, 4)}`
}

// ---------------------------------------------------------------------------------------------------------
// Inputs.

export const startHeight = (height = HEIGHT): ConsensusInput => ({ type: 'startHeight', height })

export function vote(voteType: VoteType, round: number, validatorIndex: number, value: Value | null, height = HEIGHT): VoteInput {
  return { type: 'vote', voteType, height, round, value, validatorIndex, signature: signatureOf(voteType, round, validatorIndex, value, height) }
}

export const prevote = (round: number, validatorIndex: number, value: Value | null, height = HEIGHT): VoteInput =>
  vote('prevote', round, validatorIndex, value, height)

export const precommit = (round: number, validatorIndex: number, value: Value | null, height = HEIGHT): VoteInput =>
  vote('precommit', round, validatorIndex, value, height)

export interface ProposalOptions {
  polRound?: number
  valid?: boolean
  /** Defaults to the proposer of (height, round). */
  validatorIndex?: number
  height?: number
}

export function proposal(round: number, value: Value, options: ProposalOptions = {}): ProposalInput {
  const height = options.height ?? HEIGHT
  const validatorIndex = options.validatorIndex ?? proposerIndex(height, round, VALIDATOR_COUNT)
  return {
    type: 'proposal',
    height,
    round,
    polRound: options.polRound ?? -1,
    value,
    validatorIndex,
    signature: signatureOf('proposal', round, validatorIndex, value, height),
    valid: options.valid ?? true,
  }
}

export const timeout = (timeoutStep: TimeoutStep, round: number, height = HEIGHT): ConsensusInput => ({ type: 'timeout', step: timeoutStep, height, round })

export const proposeValue = (round: number, value: Value, height = HEIGHT): ConsensusInput => ({ type: 'proposeValue', height, round, value })

// ---------------------------------------------------------------------------------------------------------
// Outputs.

export const getValueOutput = (round: number, height = HEIGHT): ConsensusOutput => ({ type: 'getValue', height, round })

export const broadcastProposalOutput = (round: number, value: Value, polRound = -1, height = HEIGHT): ConsensusOutput => ({
  type: 'broadcastProposal',
  height,
  round,
  polRound,
  value,
})

export const broadcastPrevote = (round: number, value: Value | null, height = HEIGHT): ConsensusOutput => ({
  type: 'broadcastVote',
  voteType: 'prevote',
  height,
  round,
  value,
})

export const broadcastPrecommit = (round: number, value: Value | null, height = HEIGHT): ConsensusOutput => ({
  type: 'broadcastVote',
  voteType: 'precommit',
  height,
  round,
  value,
})

/** The timeout the core must schedule: base + round * delta, written out so a wrong formula fails. */
export function scheduleTimeoutOutput(timeoutStep: TimeoutStep, round: number, height = HEIGHT): ConsensusOutput {
  const baseMs = { propose: TIMEOUT_PROPOSE_MS, prevote: TIMEOUT_PREVOTE_MS, precommit: TIMEOUT_PRECOMMIT_MS }[timeoutStep]
  return { type: 'scheduleTimeout', step: timeoutStep, height, round, durationMs: baseMs + round * TIMEOUT_DELTA_MS }
}

export function certificate(round: number, value: Value, validatorIndexes: number[], height = HEIGHT): CommitSignature[] {
  return validatorIndexes.map((validatorIndex) => ({ validatorIndex, signature: signatureOf('precommit', round, validatorIndex, value, height) }))
}

export const decideOutput = (round: number, value: Value, validatorIndexes: number[], height = HEIGHT): ConsensusOutput => ({
  type: 'decide',
  height,
  round,
  value,
  precommits: certificate(round, value, validatorIndexes, height),
})

export function equivocationOutput(first: VoteInput, second: VoteInput): ConsensusOutput {
  return { type: 'equivocation', first: withoutType(first), second: withoutType(second) }
}

export function proposalEquivocationOutput(first: ProposalInput, second: ProposalInput): ConsensusOutput {
  return { type: 'proposalEquivocation', first: withoutType(first), second: withoutType(second) }
}

/** The message as the core stores it: the input minus its `type` tag. */
function withoutType<Message extends { type: string }>(input: Message): Omit<Message, 'type'> {
  const { type: _type, ...message } = input
  return message
}

// ---------------------------------------------------------------------------------------------------------
// Running inputs.

export interface Run {
  state: ConsensusState
  outputs: ConsensusOutput[]
}

/** Applies inputs in order and returns the final state and every output, checking on the way that the caller's
 * state is never modified and that every state survives a JSON round trip unchanged. */
export function run(state: ConsensusState, inputs: ConsensusInput[]): Run {
  const outputs: ConsensusOutput[] = []
  let current = state
  for (const input of inputs) {
    const before = JSON.stringify(current)
    const result = step(current, input)
    expect(JSON.stringify(current), 'step must not modify the state it was given').toBe(before)
    expect(JSON.parse(JSON.stringify(result.state)), 'state must be plain JSON').toEqual(result.state)
    outputs.push(...result.outputs)
    current = result.state
  }
  return { state: current, outputs }
}

export function stateAfter(selfIndex: number | null, inputs: ConsensusInput[]): ConsensusState {
  return run(initialState(configFor(selfIndex), HEIGHT), inputs).state
}
