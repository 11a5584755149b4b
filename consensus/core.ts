// The Tendermint consensus core: Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic,
// arXiv 1807.04938) as a pure, deterministic step function. `// line N` comments cite that pseudocode.
//
//   step(state, input) -> { state, outputs }
//
// The core never reads a clock, touches the network or the disk, or draws randomness. The caller's state is never
// modified (step works on a deep copy) and every state is plain JSON, so the driver can persist and restore it.
//
// How the core reads the pseudocode:
// - The "upon" rules (lines 22-56) are conditions over the state and the message log, not events. After every
//   accepted input the core fires enabled rules, one at a time in a fixed priority order, until none is enabled,
//   so a rule enabled by a round change or by a late message fires exactly as it would in the paper.
// - Deviation from line 21: the proposer schedules timeoutPropose as well (as malachite does), so a round whose
//   proposer cannot build a block, or whose own proposal is lost, still ends.
// - Lines 52-54 (move to the next height) are the driver's: after a decide output it sends startHeight(h + 1).
// - A validator's first vote of a (round, voteType) is its vote; a different later one is reported (equivocation
//   output) and ignored, except that it still counts toward its own value's quorum once f+1 validators' first votes
//   support that value, as the paper counts messages. Without that exception a Byzantine validator can show a
//   polka or a commit to only some correct validators and stall the height for good. The same holds for a second
//   proposal of the round's proposer (proposalEquivocation output). RoundMessages in types.ts has the details.
//
// Contract with the driver:
// 1. Before an input reaches the core the driver has verified its signature, that a proposal comes from
//    proposerIndex(height, round, n) and whether the proposed block is valid (the `valid` flag is valid(v)).
// 2. Persist the returned state before acting on the outputs; in any case sign and persist a vote before it leaves
//    the process. The core records every vote it asks for (state.ownVotes) and never asks for two in the same
//    (height, round, voteType).
// 3. OWN MESSAGES COME BACK AS INPUTS. The core counts its own proposal and votes only when the driver feeds them
//    back, signed, as 'proposal' and 'vote' inputs, exactly like a peer's. With n = 4 the quorum of 3 needs our
//    own vote, so a driver that does not feed them back stalls consensus.
// 4. Answer getValue with proposeValue for the same (height, round). A late answer is ignored.
// 5. For scheduleTimeout, send the timeout input back after durationMs. Timers need not be cancelled: a timeout for
//    a round or step that has passed is ignored.
// 6. Feed messages of the current height for every round, past ones included (lines 28 and 49 use them). Buffer
//    messages of future heights and replay them after startHeight; the core ignores other heights.
// 7. After restoring a persisted state, execute outputsAfterRestore(state): it re-arms timers and re-issues what
//    may not have been acted on before the crash.
// 8. Gossip, as the paper assumes: every message a correct validator accepts must eventually reach every correct
//    validator. Relay peers' messages, and from time to time re-send the votes you hold (above all the prevotes of
//    a proposal's polRound and the precommits of the current height) to peers that may lack them, not only your
//    own: an equivocating vote counts only if it arrives once its value has f+1 supporters, so re-delivery is what
//    makes a polka or commit shown to some correct validators visible to all. Re-delivered duplicates are ignored;
//    a re-delivered equivocation is reported again.
import {
  countDistinctSenders,
  countVotesAny,
  countVotesFor,
  findRound,
  firstProposalOf,
  proposalsOf,
  recordProposal,
  recordVote,
  votesFor,
} from './message-log.ts'
import { proposerIndex, quorumSize, roundSkipSize, timeoutDurationMs } from './thresholds.ts'
import type {
  CommitSignature,
  ConsensusConfig,
  ConsensusInput,
  ConsensusOutput,
  ConsensusState,
  ProposalInput,
  ProposeValueInput,
  RoundFlags,
  SignedProposal,
  SignedVote,
  StartHeightInput,
  StepResult,
  TimeoutInput,
  TimeoutStep,
  Value,
  VoteInput,
  VoteType,
} from './types.ts'


/** Messages for rounds further than this ahead of the current round are ignored, which bounds the message log. */
export const ROUNDS_AHEAD_MAX = 100

/** The largest validator set the core accepts (a commit certificate carries up to this many signatures). */
export const VALIDATOR_COUNT_MAX = 1_000

/** Rules that may fire for one input; each firing advances step, round, a flag or the decision, so few are needed. */
export const RULE_FIRINGS_PER_STEP_MAX = 64

/** A broken invariant of the core itself: the process should stop rather than risk signing conflicting votes. */
export class ConsensusInvariantError extends Error {
  override readonly name = 'ConsensusInvariantError'
}

export class ConsensusConfigError extends Error {
  override readonly name = 'ConsensusConfigError'
}

// ---------------------------------------------------------------------------------------------------------
// Public entry points.

/** The state before the first startHeight of `height` (lines 1-9). Send startHeight(height) to begin. */
export function initialState(config: ConsensusConfig, height: number): ConsensusState {
  assertValidConfig(config)
  if (!isNonNegativeInteger(height)) throw new ConsensusConfigError(`height must be a non-negative integer, got ${height}`)
  return {
    config: { ...config },
    height,
    round: 0,
    step: 'notStarted',
    decision: null,
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    awaitingValue: false,
    roundFlags: freshRoundFlags(),
    rounds: [],
    ownVotes: [],
  }
}

/** Applies one input. The given state is not modified; the returned state is a new object. */
export function step(state: ConsensusState, input: ConsensusInput): StepResult {
  const next = structuredClone(state)
  const outputs: ConsensusOutput[] = []
  if (applyInput(next, input, outputs)) fireRulesUntilStable(next, outputs)
  return { state: next, outputs }
}

/**
 * What a driver must do again after restoring a persisted state: timers are not persisted, and the outputs of the
 * last step may not have been executed before the crash. Re-issued votes are the very votes already recorded, so
 * signing and sending them again is safe.
 */
export function outputsAfterRestore(state: ConsensusState): ConsensusOutput[] {
  if (!isRunning(state)) return []
  const { height, round } = state
  const outputs: ConsensusOutput[] = []
  if (state.awaitingValue) outputs.push({ type: 'getValue', height, round })
  for (const vote of state.ownVotes) {
    if (vote.round === round) outputs.push({ type: 'broadcastVote', voteType: vote.voteType, height, round, value: vote.value })
  }
  if (state.step === 'propose') outputs.push(timeoutOutput(state, 'propose'))
  if (state.step === 'prevote' && state.roundFlags.prevoteTimeoutScheduled) outputs.push(timeoutOutput(state, 'prevote'))
  if (state.roundFlags.precommitTimeoutScheduled) outputs.push(timeoutOutput(state, 'precommit'))
  return outputs
}

// ---------------------------------------------------------------------------------------------------------
// Inputs. Each handler returns whether the input changed the state (and so whether rules must be re-checked).

function applyInput(state: ConsensusState, input: ConsensusInput, outputs: ConsensusOutput[]): boolean {
  switch (input.type) {
    case 'startHeight':
      return onStartHeight(state, input, outputs)
    case 'proposal':
      return onProposal(state, input, outputs)
    case 'vote':
      return onVote(state, input, outputs)
    case 'proposeValue':
      return onProposeValue(state, input, outputs)
    case 'timeout':
      return onTimeout(state, input, outputs)
  }
}

function onStartHeight(state: ConsensusState, input: StartHeightInput, outputs: ConsensusOutput[]): boolean {
  if (!isNonNegativeInteger(input.height)) return false
  const isFirstStart = input.height === state.height && state.step === 'notStarted'
  // Restarting a height that is running would forget the lock and our votes, so only higher heights are accepted.
  if (!isFirstStart && input.height <= state.height) return false
  resetHeight(state, input.height) // line 53
  startRound(state, 0, outputs) // lines 10, 54
  return true
}

function onProposal(state: ConsensusState, input: ProposalInput, outputs: ConsensusOutput[]): boolean {
  if (!isRunning(state) || input.height !== state.height || !isRoundInWindow(state, input.round)) return false
  if (!Number.isSafeInteger(input.polRound) || input.polRound < -1) return false
  if (typeof input.value !== 'string' || typeof input.valid !== 'boolean') return false
  // "from proposer(h_p, r)" (lines 22, 28, 36, 49): the driver checked it; a message from anyone else never counts.
  if (input.validatorIndex !== proposerIndex(state.height, input.round, state.config.validatorCount)) return false
  const proposal: SignedProposal = {
    height: input.height,
    round: input.round,
    polRound: input.polRound,
    value: input.value,
    validatorIndex: input.validatorIndex,
    signature: input.signature,
    valid: input.valid,
  }
  const recorded = recordProposal(state, proposal, roundSkipSize(state.config.validatorCount))
  if (recorded.kind === 'conflict') outputs.push({ type: 'proposalEquivocation', first: recorded.first, second: proposal })
  return recorded.kind === 'added' || (recorded.kind === 'conflict' && recorded.counted)
}

function onVote(state: ConsensusState, input: VoteInput, outputs: ConsensusOutput[]): boolean {
  if (!isRunning(state) || input.height !== state.height || !isRoundInWindow(state, input.round)) return false
  if (input.voteType !== 'prevote' && input.voteType !== 'precommit') return false
  if (!isValidatorIndex(state, input.validatorIndex)) return false
  if (input.value !== null && typeof input.value !== 'string') return false
  const vote: SignedVote = {
    voteType: input.voteType,
    height: input.height,
    round: input.round,
    value: input.value,
    validatorIndex: input.validatorIndex,
    signature: input.signature,
  }
  const recorded = recordVote(state, vote, roundSkipSize(state.config.validatorCount))
  if (recorded.kind === 'conflict') outputs.push({ type: 'equivocation', first: recorded.first, second: vote })
  return recorded.kind === 'added' || (recorded.kind === 'conflict' && recorded.counted)
}

function onProposeValue(state: ConsensusState, input: ProposeValueInput, outputs: ConsensusOutput[]): boolean {
  if (!isRunning(state) || !state.awaitingValue || state.step !== 'propose') return false
  if (input.height !== state.height || input.round !== state.round || typeof input.value !== 'string') return false
  state.awaitingValue = false
  // line 19, continuing line 18: we asked for a value because validValue_p is nil, so validRound_p is -1.
  broadcastProposal(state, input.value, -1, outputs)
  return true
}

function onTimeout(state: ConsensusState, input: TimeoutInput, outputs: ConsensusOutput[]): boolean {
  if (!isRunning(state) || input.height !== state.height || input.round !== state.round) return false
  switch (input.step) {
    case 'propose':
      return onTimeoutPropose(state, outputs)
    case 'prevote':
      return onTimeoutPrevote(state, outputs)
    case 'precommit':
      return onTimeoutPrecommit(state, outputs)
  }
}

// line 57: OnTimeoutPropose(height, round); height and round were checked by onTimeout (line 58).
function onTimeoutPropose(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'propose') return false // line 58
  state.awaitingValue = false
  broadcastVote(state, 'prevote', null, outputs) // line 59
  state.step = 'prevote' // line 60
  return true
}

// line 61: OnTimeoutPrevote(height, round)
function onTimeoutPrevote(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'prevote') return false // line 62
  broadcastVote(state, 'precommit', null, outputs) // line 63
  state.step = 'precommit' // line 64
  return true
}

// line 65: OnTimeoutPrecommit(height, round)
function onTimeoutPrecommit(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  startRound(state, state.round + 1, outputs) // lines 66, 67
  return true
}

// ---------------------------------------------------------------------------------------------------------
// The "upon" rules, in the order they are tried. Each returns whether it fired.

type Rule = (state: ConsensusState, outputs: ConsensusOutput[]) => boolean

const RULES: readonly Rule[] = [
  decideOnPrecommitQuorum, // line 49
  prevoteOnFreshProposal, // line 22
  prevoteOnProposalWithProofOfLock, // line 28
  precommitOnPrevoteQuorumForProposal, // line 36
  precommitNilOnNilPrevoteQuorum, // line 44
  scheduleTimeoutPrevoteOnAnyPrevoteQuorum, // line 34
  scheduleTimeoutPrecommitOnAnyPrecommitQuorum, // line 47
  skipToRoundWithMessagesFromOneCorrectValidator, // line 55
]

function fireRulesUntilStable(state: ConsensusState, outputs: ConsensusOutput[]): void {
  for (let firings = 0; isRunning(state); firings++) {
    if (firings > RULE_FIRINGS_PER_STEP_MAX) throw new ConsensusInvariantError(`more than ${RULE_FIRINGS_PER_STEP_MAX} rule firings for one input`)
    const fired = RULES.some((rule) => rule(state, outputs))
    if (!fired) return
  }
}

// line 49: upon PROPOSAL(h_p, r, v, *) from proposer(h_p, r) AND 2f+1 PRECOMMIT(h_p, r, id(v)) while decision_p[h_p] = nil
function decideOnPrecommitQuorum(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  for (const entry of state.rounds) {
    for (const proposal of proposalsOf(entry)) {
      if (!proposal.valid) continue // line 50: valid(v)
      const precommits = votesFor(entry, 'precommit', proposal.value)
      if (precommits.length < quorumSize(state.config.validatorCount)) continue
      const certificate = commitSignatures(precommits)
      state.decision = { round: entry.round, value: proposal.value, precommits: certificate } // line 51
      outputs.push({ type: 'decide', height: state.height, round: entry.round, value: proposal.value, precommits: certificate })
      return true // lines 52-54 happen when the driver sends startHeight(h_p + 1)
    }
  }
  return false
}

// line 22: upon PROPOSAL(h_p, round_p, v, -1) from proposer(h_p, round_p) while step_p = propose
// (lines 22 and 28 act on the first proposal of the round: whichever fires first ends step propose)
function prevoteOnFreshProposal(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'propose') return false
  const proposal = firstProposalOf(state, state.round)
  if (proposal === null || proposal.polRound !== -1) return false
  const acceptable = proposal.valid && (state.lockedRound === -1 || state.lockedValue === proposal.value) // line 23
  broadcastVote(state, 'prevote', acceptable ? proposal.value : null, outputs) // lines 24, 26
  state.step = 'prevote' // line 27
  return true
}

// line 28: upon PROPOSAL(h_p, round_p, v, vr) from proposer(h_p, round_p) AND 2f+1 PREVOTE(h_p, vr, id(v))
//          while step_p = propose and 0 <= vr < round_p
function prevoteOnProposalWithProofOfLock(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'propose') return false
  const proposal = firstProposalOf(state, state.round)
  if (proposal === null) return false
  const proofOfLockRound = proposal.polRound
  if (proofOfLockRound < 0 || proofOfLockRound >= state.round) return false
  if (countVotesFor(state, 'prevote', proofOfLockRound, proposal.value) < quorumSize(state.config.validatorCount)) return false
  const acceptable = proposal.valid && (state.lockedRound <= proofOfLockRound || state.lockedValue === proposal.value) // line 29
  broadcastVote(state, 'prevote', acceptable ? proposal.value : null, outputs) // lines 30, 32
  state.step = 'prevote' // line 33
  return true
}

// line 34: upon 2f+1 PREVOTE(h_p, round_p, *) while step_p = prevote for the first time
function scheduleTimeoutPrevoteOnAnyPrevoteQuorum(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'prevote' || state.roundFlags.prevoteTimeoutScheduled) return false
  if (countVotesAny(state, 'prevote', state.round) < quorumSize(state.config.validatorCount)) return false
  state.roundFlags.prevoteTimeoutScheduled = true
  outputs.push(timeoutOutput(state, 'prevote')) // line 35
  return true
}

// line 36: upon PROPOSAL(h_p, round_p, v, *) from proposer(h_p, round_p) AND 2f+1 PREVOTE(h_p, round_p, id(v))
//          while valid(v) and step_p >= prevote for the first time
function precommitOnPrevoteQuorumForProposal(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if ((state.step !== 'prevote' && state.step !== 'precommit') || state.roundFlags.validValueUpdated) return false
  const entry = findRound(state, state.round)
  const quorum = quorumSize(state.config.validatorCount)
  const proposal = entry === undefined ? undefined : proposalsOf(entry).find((candidate) => candidate.valid && countVotesFor(state, 'prevote', state.round, candidate.value) >= quorum)
  if (proposal === undefined) return false
  state.roundFlags.validValueUpdated = true
  if (state.step === 'prevote') {
    // line 37
    state.lockedValue = proposal.value // line 38
    state.lockedRound = state.round // line 39
    broadcastVote(state, 'precommit', proposal.value, outputs) // line 40
    state.step = 'precommit' // line 41
  }
  state.validValue = proposal.value // line 42
  state.validRound = state.round // line 43
  return true
}

// line 44: upon 2f+1 PREVOTE(h_p, round_p, nil) while step_p = prevote
function precommitNilOnNilPrevoteQuorum(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.step !== 'prevote') return false
  if (countVotesFor(state, 'prevote', state.round, null) < quorumSize(state.config.validatorCount)) return false
  broadcastVote(state, 'precommit', null, outputs) // line 45
  state.step = 'precommit' // line 46
  return true
}

// line 47: upon 2f+1 PRECOMMIT(h_p, round_p, *) for the first time
function scheduleTimeoutPrecommitOnAnyPrecommitQuorum(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  if (state.roundFlags.precommitTimeoutScheduled) return false
  if (countVotesAny(state, 'precommit', state.round) < quorumSize(state.config.validatorCount)) return false
  state.roundFlags.precommitTimeoutScheduled = true
  outputs.push(timeoutOutput(state, 'precommit')) // line 48
  return true
}

// line 55: upon f+1 <*, h_p, round, *, *> with round > round_p. Jumps to the highest such round.
function skipToRoundWithMessagesFromOneCorrectValidator(state: ConsensusState, outputs: ConsensusOutput[]): boolean {
  let targetRound = -1
  for (const entry of state.rounds) {
    if (entry.round > state.round && countDistinctSenders(entry) >= roundSkipSize(state.config.validatorCount)) targetRound = entry.round
  }
  if (targetRound === -1) return false
  startRound(state, targetRound, outputs) // line 56
  return true
}

// ---------------------------------------------------------------------------------------------------------
// StartRound and the actions shared by several rules.

// line 11: Function StartRound(round)
function startRound(state: ConsensusState, round: number, outputs: ConsensusOutput[]): void {
  state.round = round // line 12
  state.step = 'propose' // line 13
  state.roundFlags = freshRoundFlags()
  state.awaitingValue = false
  if (isOwnTurnToPropose(state)) {
    // line 14
    if (state.validValue !== null) {
      broadcastProposal(state, state.validValue, state.validRound, outputs) // lines 15, 16, 19
    } else {
      state.awaitingValue = true
      outputs.push({ type: 'getValue', height: state.height, round }) // line 18; line 19 waits for proposeValue
    }
  }
  outputs.push(timeoutOutput(state, 'propose')) // line 21, for the proposer too (see the header)
}

// line 53: reset lockedRound_p, lockedValue_p, validRound_p and validValue_p and empty the message log
function resetHeight(state: ConsensusState, height: number): void {
  state.height = height
  state.round = 0
  state.step = 'notStarted'
  state.decision = null
  state.lockedValue = null
  state.lockedRound = -1
  state.validValue = null
  state.validRound = -1
  state.awaitingValue = false
  state.roundFlags = freshRoundFlags()
  state.rounds = []
  state.ownVotes = []
}

function broadcastProposal(state: ConsensusState, value: Value, polRound: number, outputs: ConsensusOutput[]): void {
  outputs.push({ type: 'broadcastProposal', height: state.height, round: state.round, polRound, value })
}

/** Asks the driver to sign and send our vote for the current round; observers follow the steps but never vote. */
function broadcastVote(state: ConsensusState, voteType: VoteType, value: Value | null, outputs: ConsensusOutput[]): void {
  if (state.config.selfIndex === null) return
  const previous = state.ownVotes.find((vote) => vote.round === state.round && vote.voteType === voteType)
  if (previous !== undefined) {
    // The step transitions make this unreachable; it is checked because signing twice could break safety.
    throw new ConsensusInvariantError(`a second ${voteType} at height ${state.height} round ${state.round}`)
  }
  state.ownVotes.push({ voteType, round: state.round, value })
  outputs.push({ type: 'broadcastVote', voteType, height: state.height, round: state.round, value })
}

function timeoutOutput(state: ConsensusState, timeoutStep: TimeoutStep): ConsensusOutput {
  return {
    type: 'scheduleTimeout',
    step: timeoutStep,
    height: state.height,
    round: state.round,
    durationMs: timeoutDurationMs(state.config, timeoutStep, state.round),
  }
}

function commitSignatures(precommits: SignedVote[]): CommitSignature[] {
  return precommits
    .map((vote) => ({ validatorIndex: vote.validatorIndex, signature: vote.signature }))
    .sort((left, right) => left.validatorIndex - right.validatorIndex)
}

// ---------------------------------------------------------------------------------------------------------
// Small predicates.

function freshRoundFlags(): RoundFlags {
  return { prevoteTimeoutScheduled: false, validValueUpdated: false, precommitTimeoutScheduled: false }
}

function isRunning(state: ConsensusState): boolean {
  return state.step !== 'notStarted' && state.decision === null
}

function isOwnTurnToPropose(state: ConsensusState): boolean {
  const selfIndex = state.config.selfIndex
  return selfIndex !== null && proposerIndex(state.height, state.round, state.config.validatorCount) === selfIndex
}

function isRoundInWindow(state: ConsensusState, round: number): boolean {
  return isNonNegativeInteger(round) && round <= state.round + ROUNDS_AHEAD_MAX
}

function isValidatorIndex(state: ConsensusState, validatorIndex: number): boolean {
  return isNonNegativeInteger(validatorIndex) && validatorIndex < state.config.validatorCount
}

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}

function assertValidConfig(config: ConsensusConfig): void {
  const { validatorCount, selfIndex } = config
  if (!isNonNegativeInteger(validatorCount) || validatorCount < 1 || validatorCount > VALIDATOR_COUNT_MAX) {
    throw new ConsensusConfigError(`validatorCount must be an integer in 1..${VALIDATOR_COUNT_MAX}, got ${validatorCount}`)
  }
  if (selfIndex !== null && !(isNonNegativeInteger(selfIndex) && selfIndex < validatorCount)) {
    throw new ConsensusConfigError(`selfIndex must be null or an integer in 0..${validatorCount - 1}, got ${selfIndex}`)
  }
  const timeouts = {
    timeoutProposeMs: config.timeoutProposeMs,
    timeoutPrevoteMs: config.timeoutPrevoteMs,
    timeoutPrecommitMs: config.timeoutPrecommitMs,
    timeoutDeltaMs: config.timeoutDeltaMs,
  }
  for (const [name, durationMs] of Object.entries(timeouts)) {
    if (!isNonNegativeInteger(durationMs)) throw new ConsensusConfigError(`${name} must be a non-negative integer, got ${durationMs}`)
  }
}
