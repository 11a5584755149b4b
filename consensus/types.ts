// Types of the pure Tendermint consensus core: configuration, state, inputs and outputs.
//
// Everything here is plain JSON data (numbers, strings, booleans, null, arrays, plain objects) so that a driver can
// persist the state after every step and restore it after a crash. Values (block hashes) and signatures are
// lowercase hex strings that the core treats as opaque; nil is null.

/** A block hash as lowercase hex. The core compares values for equality only. */
export type Value = string

/** A signature as hex. The core never verifies it: the driver does before feeding a message in. */
export type Signature = string

export type VoteType = 'prevote' | 'precommit'

/** The step of a round (pseudocode line 4), plus 'notStarted' before the first StartRound of a height. */
export type RoundStep = 'notStarted' | 'propose' | 'prevote' | 'precommit'

/** The steps that have a timeout (pseudocode lines 57, 61, 65). */
export type TimeoutStep = 'propose' | 'prevote' | 'precommit'

export interface ConsensusConfig {
  /** n: validators are indexed 0..validatorCount-1 in genesis order, all with equal weight. */
  validatorCount: number
  /** Our own validator index, or null for an observer that follows consensus but never proposes or votes. */
  selfIndex: number | null
  /** timeoutPropose(round) = timeoutProposeMs + round * timeoutDeltaMs. */
  timeoutProposeMs: number
  /** timeoutPrevote(round) = timeoutPrevoteMs + round * timeoutDeltaMs. */
  timeoutPrevoteMs: number
  /** timeoutPrecommit(round) = timeoutPrecommitMs + round * timeoutDeltaMs. */
  timeoutPrecommitMs: number
  /** How much every timeout grows per round, so that after GST the timeouts eventually become long enough. */
  timeoutDeltaMs: number
}

/** A prevote or precommit whose signature the driver has verified. */
export interface SignedVote {
  voteType: VoteType
  height: number
  round: number
  /** The block hash voted for, or null for nil. */
  value: Value | null
  validatorIndex: number
  signature: Signature
}

/** A proposal whose signature and proposer the driver has verified, with the driver's verdict on the block. */
export interface SignedProposal {
  height: number
  round: number
  /** The round of the proof-of-lock the value is re-proposed with (validRound of the proposer), or -1. */
  polRound: number
  value: Value
  validatorIndex: number
  signature: Signature
  /** valid(v) of the pseudocode: the driver has executed or checked the block and found it valid. */
  valid: boolean
}

/** One entry of a commit certificate. */
export interface CommitSignature {
  validatorIndex: number
  signature: Signature
}

export interface Decision {
  round: number
  value: Value
  /** The precommits for value in that round, at least quorumSize(n), sorted by validator index. */
  precommits: CommitSignature[]
}

/**
 * Every message received for one round of the current height (the "message log" of the pseudocode).
 *
 * A validator's first prevote and first precommit of a round are its votes: they alone count for "2f+1 of any value"
 * (lines 34, 47) and for the f+1 senders of line 55. A later, different one is equivocation: it is reported, and it
 * is kept only when f+1 validators' first votes in the same round and step are for its value, i.e. when at least
 * one correct validator voted that way. Kept, it counts toward that value's quorum as the paper counts messages:
 * without it, a Byzantine validator that shows a polka (or a commit) to some correct validators and a different
 * vote to the others can stall the height forever (found by test/consensus/properties.test.ts). Fewer than
 * n / (f+1) values can have f+1 first votes, so each validator adds at most 3 such votes per round and step.
 * Conflicting proposals are kept under the same rule (f+1 first prevotes or first precommits for their value).
 */
export interface RoundMessages {
  round: number
  /** The first proposal received from the proposer of this round: the one lines 22 and 28 act on. */
  proposal: SignedProposal | null
  /** At most one prevote per validator: the first one received. */
  prevotes: SignedVote[]
  /** At most one precommit per validator: the first one received. */
  precommits: SignedVote[]
  /** Equivocating proposals of the proposer whose value f+1 first votes support (lines 36, 49 consider them). */
  supportedConflictingProposals: SignedProposal[]
  /** Equivocating prevotes and precommits whose value f+1 first votes support; at most one per validator and value. */
  supportedConflictingVotes: SignedVote[]
}

/** A vote this node has asked the driver to sign and broadcast. */
export interface OwnVote {
  voteType: VoteType
  round: number
  value: Value | null
}

/** The "for the first time" guards of pseudocode lines 34, 36 and 47; all reset when a round starts. */
export interface RoundFlags {
  /** Line 34 has fired in the current round. */
  prevoteTimeoutScheduled: boolean
  /** Line 36 has fired in the current round. */
  validValueUpdated: boolean
  /** Line 47 has fired in the current round. */
  precommitTimeoutScheduled: boolean
}

export interface ConsensusState {
  config: ConsensusConfig
  /** h_p (line 2). */
  height: number
  /** round_p (line 3). */
  round: number
  /** step_p (line 4). */
  step: RoundStep
  /** decision_p[h_p] (line 5): once set, the core ignores every input of this height. */
  decision: Decision | null
  /** lockedValue_p and lockedRound_p (lines 6, 7). */
  lockedValue: Value | null
  lockedRound: number
  /** validValue_p and validRound_p (lines 8, 9). */
  validValue: Value | null
  validRound: number
  /** We are the proposer of the current round, emitted getValue and wait for proposeValue (line 18). */
  awaitingValue: boolean
  roundFlags: RoundFlags
  /** The message log of this height, one entry per round that has messages, sorted by round. */
  rounds: RoundMessages[]
  /** Votes this node broadcast at this height; used to guarantee it never signs two different ones. */
  ownVotes: OwnVote[]
}

// ---------------------------------------------------------------------------------------------------------
// Inputs.

/** Begin a height at round 0 (lines 10, 54). Resets every per-height variable. */
export interface StartHeightInput {
  type: 'startHeight'
  height: number
}

/** A proposal from the proposer of (height, round), verified by the driver (lines 22, 28, 36, 49). */
export interface ProposalInput extends SignedProposal {
  type: 'proposal'
}

/** A prevote or precommit, verified by the driver. Our own votes come back through here too. */
export interface VoteInput extends SignedVote {
  type: 'vote'
}

/** The driver's answer to getValue: the block it built for us to propose (line 18). */
export interface ProposeValueInput {
  type: 'proposeValue'
  height: number
  round: number
  value: Value
}

/** A timeout the core scheduled has expired (lines 57, 61, 65). */
export interface TimeoutInput {
  type: 'timeout'
  step: TimeoutStep
  height: number
  round: number
}

export type ConsensusInput = StartHeightInput | ProposalInput | VoteInput | ProposeValueInput | TimeoutInput

// ---------------------------------------------------------------------------------------------------------
// Outputs.

/** We are the proposer and have no validValue (line 18): build a block and answer with proposeValue. */
export interface GetValueOutput {
  type: 'getValue'
  height: number
  round: number
}

/** Sign and gossip a proposal, then feed it back as a proposal input (line 19). */
export interface BroadcastProposalOutput {
  type: 'broadcastProposal'
  height: number
  round: number
  polRound: number
  value: Value
}

/** Sign, persist and gossip a vote, then feed it back as a vote input (lines 24, 26, 30, 32, 40, 45, 59, 63). */
export interface BroadcastVoteOutput {
  type: 'broadcastVote'
  voteType: VoteType
  height: number
  round: number
  value: Value | null
}

/** Send back a timeout input for (step, height, round) after durationMs (lines 21, 35, 48). */
export interface ScheduleTimeoutOutput {
  type: 'scheduleTimeout'
  step: TimeoutStep
  height: number
  round: number
  durationMs: number
}

/** The height is decided (line 51): commit value with its certificate, then send startHeight(height + 1). */
export interface DecideOutput {
  type: 'decide'
  height: number
  round: number
  value: Value
  precommits: CommitSignature[]
}

/** A validator signed two different votes of the same (height, round, voteType); only the first counts. */
export interface EquivocationOutput {
  type: 'equivocation'
  first: SignedVote
  second: SignedVote
}

/** The proposer signed two different proposals for the same (height, round); only the first counts. */
export interface ProposalEquivocationOutput {
  type: 'proposalEquivocation'
  first: SignedProposal
  second: SignedProposal
}

export type ConsensusOutput =
  | GetValueOutput
  | BroadcastProposalOutput
  | BroadcastVoteOutput
  | ScheduleTimeoutOutput
  | DecideOutput
  | EquivocationOutput
  | ProposalEquivocationOutput

export interface StepResult {
  state: ConsensusState
  outputs: ConsensusOutput[]
}
