// Table tests for the consensus core. Each case: the inputs already applied (`given`, outputs not checked), the
// inputs under test, the exact outputs they must produce (all of them, in order) and the relevant state fields after.
//
// Driver contract these tests follow: the core counts its own proposal and votes only when they come back as
// inputs, so every scenario feeds them back explicitly ("own ..., fed back").
import { describe, expect, it } from 'vitest'
import {
  ConsensusConfigError,
  ROUNDS_AHEAD_MAX,
  faultyValidatorsMax,
  initialState,
  outputsAfterRestore,
  proposerIndex,
  quorumSize,
  roundSkipSize,
  step,
  timeoutDurationMs,
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusState,
} from '../../consensus/index.ts'
import {
  A,
  B,
  C,
  HEIGHT,
  broadcastPrecommit,
  broadcastPrevote,
  broadcastProposalOutput,
  certificate,
  configFor,
  decideOutput,
  equivocationOutput,
  getValueOutput,
  precommit,
  prevote,
  proposal,
  proposalEquivocationOutput,
  proposeValue,
  run,
  scheduleTimeoutOutput,
  startHeight,
  stateAfter,
  timeout,
} from './helpers.ts'

interface Case {
  description: string
  /** Our validator index; 0 unless stated (0 is not the proposer of rounds 0, 1, 2 at height 1). */
  selfIndex?: number | null
  given?: ConsensusInput[]
  inputs: ConsensusInput[]
  expectedOutputs: ConsensusOutput[]
  expectedState?: Partial<ConsensusState> | Record<string, unknown>
}

function runCase(testCase: Case): void {
  const selfIndex = testCase.selfIndex === undefined ? 0 : testCase.selfIndex
  const given = stateAfter(selfIndex, testCase.given ?? [])
  const { state, outputs } = run(given, testCase.inputs)
  expect(outputs).toEqual(testCase.expectedOutputs)
  if (testCase.expectedState !== undefined) expect(state).toMatchObject(testCase.expectedState)
}

function table(name: string, cases: Case[]): void {
  describe(name, () => {
    it.each(cases.map((testCase) => [testCase.description, testCase] as const))('%s', (_description, testCase) => runCase(testCase))
  })
}

// Self 0 has prevoted A in round 0, the proposal of validator 1.
const PREVOTED_A_IN_ROUND_0 = [startHeight(), proposal(0, A)]

// Self 0 locked on A in round 0, the others precommitted nil, and round 1 (proposer 2) has started.
const LOCKED_ON_A_NOW_IN_ROUND_1 = [
  startHeight(),
  proposal(0, A),
  prevote(0, 0, A), // own, fed back
  prevote(0, 1, A),
  prevote(0, 2, A),
  precommit(0, 0, A), // own, fed back
  precommit(0, 2, null),
  precommit(0, 3, null),
  timeout('precommit', 0),
]

table('happy paths (lines 11-21, 22-27, 36-43, 49)', [
  {
    description: 'proposer: getValue, propose, prevote, lock and precommit on 2f+1 prevotes, decide on 2f+1 precommits',
    selfIndex: 1,
    inputs: [
      startHeight(),
      proposeValue(0, A),
      proposal(0, A, { validatorIndex: 1 }), // own, fed back
      prevote(0, 1, A), // own, fed back
      prevote(0, 0, A),
      prevote(0, 2, A),
      precommit(0, 1, A), // own, fed back
      precommit(0, 0, A),
      precommit(0, 3, A),
    ],
    expectedOutputs: [
      getValueOutput(0),
      scheduleTimeoutOutput('propose', 0),
      broadcastProposalOutput(0, A, -1),
      broadcastPrevote(0, A),
      broadcastPrecommit(0, A),
      decideOutput(0, A, [0, 1, 3]),
    ],
    expectedState: {
      height: HEIGHT,
      round: 0,
      step: 'precommit',
      lockedValue: A,
      lockedRound: 0,
      validValue: A,
      validRound: 0,
      awaitingValue: false,
      decision: { round: 0, value: A, precommits: certificate(0, A, [0, 1, 3]) },
    },
  },
  {
    description: 'non-proposer: prevote the proposal, precommit on 2f+1 prevotes, decide on 2f+1 precommits',
    inputs: [
      startHeight(),
      proposal(0, A),
      prevote(0, 0, A), // own, fed back
      prevote(0, 1, A),
      prevote(0, 3, A),
      precommit(0, 0, A), // own, fed back
      precommit(0, 1, A),
      precommit(0, 2, A),
    ],
    expectedOutputs: [scheduleTimeoutOutput('propose', 0), broadcastPrevote(0, A), broadcastPrecommit(0, A), decideOutput(0, A, [0, 1, 2])],
    expectedState: { step: 'precommit', lockedValue: A, lockedRound: 0, decision: { round: 0, value: A } },
  },
  {
    description: 'the certificate lists the precommits for the value only, sorted by validator, nil precommits left out',
    given: [startHeight(), proposal(0, A)],
    inputs: [precommit(0, 3, A), precommit(0, 1, null), precommit(0, 2, A), precommit(0, 0, A)],
    expectedOutputs: [scheduleTimeoutOutput('precommit', 0), decideOutput(0, A, [0, 2, 3])],
  },
  {
    description: 'own votes count only once fed back: 2 peer prevotes alone do not make a quorum of 3',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [prevote(0, 1, A), prevote(0, 2, A)],
    expectedOutputs: [],
    expectedState: { step: 'prevote', lockedRound: -1 },
  },
  {
    description: '...and feeding back the own prevote completes the quorum',
    given: [...PREVOTED_A_IN_ROUND_0, prevote(0, 1, A), prevote(0, 2, A)],
    inputs: [prevote(0, 0, A)],
    expectedOutputs: [broadcastPrecommit(0, A)],
    expectedState: { step: 'precommit', lockedValue: A, lockedRound: 0 },
  },
  {
    description: 'line 49: precommits that arrive before the proposal decide when the proposal arrives',
    inputs: [startHeight(), precommit(0, 1, A), precommit(0, 2, A), precommit(0, 3, A), proposal(0, A)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 0), scheduleTimeoutOutput('precommit', 0), decideOutput(0, A, [1, 2, 3])],
    expectedState: { round: 0, step: 'propose', decision: { round: 0, value: A } },
  },
  {
    description: 'line 49: a decision in an earlier round than the current one',
    given: [startHeight(), prevote(1, 2, B), prevote(1, 3, B)], // f+1 messages: now in round 1
    inputs: [proposal(0, A), precommit(0, 1, A), precommit(0, 2, A), precommit(0, 3, A)],
    expectedOutputs: [decideOutput(0, A, [1, 2, 3])],
    expectedState: { round: 1, decision: { round: 0, value: A } },
  },
  {
    description: 'an observer (selfIndex null) never proposes or votes, but follows the steps and decides',
    selfIndex: null,
    inputs: [startHeight(), proposal(0, A), prevote(0, 0, A), prevote(0, 1, A), prevote(0, 2, A), precommit(0, 0, A), precommit(0, 1, A), precommit(0, 3, A)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 0), decideOutput(0, A, [0, 1, 3])],
    expectedState: { step: 'precommit', lockedValue: A, ownVotes: [], decision: { round: 0, value: A } },
  },
  {
    description: 'an observer never asks for a value when it enters a round',
    selfIndex: null,
    inputs: [startHeight(), prevote(3, 1, B), prevote(3, 2, B)], // round 3: proposer 0
    expectedOutputs: [scheduleTimeoutOutput('propose', 0), scheduleTimeoutOutput('propose', 3)],
    expectedState: { round: 3, awaitingValue: false },
  },
])

table('timeouts (lines 21, 34, 47, 57-67)', [
  {
    description: 'silent proposer: prevote nil on timeoutPropose, precommit nil on 2f+1 nil prevotes, next round on timeoutPrecommit, where we propose',
    selfIndex: 2,
    inputs: [
      startHeight(),
      timeout('propose', 0),
      prevote(0, 2, null), // own, fed back
      prevote(0, 0, null),
      prevote(0, 3, null),
      precommit(0, 2, null), // own, fed back
      precommit(0, 0, null),
      precommit(0, 3, null),
      timeout('precommit', 0),
      proposeValue(1, B),
    ],
    expectedOutputs: [
      scheduleTimeoutOutput('propose', 0),
      broadcastPrevote(0, null), // line 59
      broadcastPrecommit(0, null), // line 45
      scheduleTimeoutOutput('precommit', 0), // line 48
      getValueOutput(1), // line 18: validator 2 proposes round 1
      scheduleTimeoutOutput('propose', 1), // 3000 + 1 * 500 ms
      broadcastProposalOutput(1, B, -1),
    ],
    expectedState: { round: 1, step: 'propose', lockedValue: null, lockedRound: -1, validValue: null, awaitingValue: false },
  },
  {
    description: 'line 34 and 61: 2f+1 prevotes without a quorum for one value schedule timeoutPrevote, which precommits nil',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [prevote(0, 0, A), prevote(0, 1, null), prevote(0, 2, B), prevote(0, 3, B), timeout('prevote', 0)],
    expectedOutputs: [scheduleTimeoutOutput('prevote', 0), broadcastPrecommit(0, null)],
    expectedState: { step: 'precommit', lockedRound: -1, roundFlags: { prevoteTimeoutScheduled: true } },
  },
  {
    description: 'line 47: 2f+1 precommits of any value schedule timeoutPrecommit once per round',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [precommit(0, 1, A), precommit(0, 2, null), precommit(0, 3, B), precommit(0, 0, C)],
    expectedOutputs: [scheduleTimeoutOutput('precommit', 0)],
    expectedState: { round: 0, decision: null },
  },
  {
    description: 'the proposer schedules timeoutPropose too, and prevotes nil when the driver never answers getValue',
    selfIndex: 1,
    inputs: [startHeight(), timeout('propose', 0), proposeValue(0, A)],
    expectedOutputs: [getValueOutput(0), scheduleTimeoutOutput('propose', 0), broadcastPrevote(0, null)],
    expectedState: { step: 'prevote', awaitingValue: false },
  },
  {
    description: 'line 58: timeoutPropose after the prevote is ignored',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [timeout('propose', 0)],
    expectedOutputs: [],
    expectedState: { step: 'prevote' },
  },
  {
    description: 'line 62: timeoutPrevote in step propose is ignored',
    given: [startHeight()],
    inputs: [timeout('prevote', 0)],
    expectedOutputs: [],
    expectedState: { step: 'propose' },
  },
  {
    description: 'lines 58, 62, 66: timeouts of another round or height are ignored',
    given: [startHeight()],
    inputs: [timeout('propose', 1), timeout('precommit', 1), timeout('precommit', 0, HEIGHT + 1), timeout('propose', 0, HEIGHT - 1)],
    expectedOutputs: [],
    expectedState: { round: 0, step: 'propose' },
  },
  {
    description: 'line 66: timeoutPrecommit starts the next round from any step',
    given: [startHeight()],
    inputs: [timeout('precommit', 0)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 1)],
    expectedState: { round: 1, step: 'propose' },
  },
])

describe('timeouts grow with the round', () => {
  it.each([0, 1, 2, 5, 17])('round %i: propose, prevote and precommit timeouts are base + round * delta', (round) => {
    const inputs = [
      startHeight(),
      ...(round > 0 ? [prevote(round, 1, A), prevote(round, 2, B)] : []), // f+1 senders: skip to the round
      timeout('propose', round),
      prevote(round, 0, null), // own, fed back
      ...(round === 0 ? [prevote(0, 1, A), prevote(0, 2, B)] : []), // 3 prevotes of 3 different values
      timeout('prevote', round),
      precommit(round, 0, null), // own, fed back
      precommit(round, 1, A),
      precommit(round, 2, B),
    ]
    const { outputs } = run(initialState(configFor(0), HEIGHT), inputs)
    const durationsMs = outputs.flatMap((output) => (output.type === 'scheduleTimeout' && output.round === round ? [[output.step, output.durationMs]] : []))
    expect(durationsMs).toEqual([
      ['propose', 3_000 + round * 500],
      ['prevote', 1_000 + round * 500],
      ['precommit', 1_200 + round * 500],
    ])
    expect(timeoutDurationMs(configFor(0), 'precommit', round)).toBe(1_200 + round * 500)
  })

  it('the propose timeout emitted on entering a round grows too', () => {
    const { outputs } = run(stateAfter(0, [startHeight()]), [timeout('precommit', 0), timeout('precommit', 1), timeout('precommit', 2)])
    expect(outputs).toEqual([scheduleTimeoutOutput('propose', 1), scheduleTimeoutOutput('propose', 2), getValueOutput(3), scheduleTimeoutOutput('propose', 3)])
    expect(outputs.flatMap((output) => (output.type === 'scheduleTimeout' ? [output.durationMs] : []))).toEqual([3_500, 4_000, 4_500])
  })
})

table('locks across rounds (lines 15-16, 22-33, 36-43)', [
  {
    description: 'locked on A in round 0: a proposal of B with polRound -1 in round 1 is prevoted nil (line 23 fails)',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [proposal(1, B)],
    expectedOutputs: [broadcastPrevote(1, null)],
    expectedState: { round: 1, step: 'prevote', lockedValue: A, lockedRound: 0, validValue: A, validRound: 0 },
  },
  {
    description: 'locked on A in round 0: a fresh proposal of A itself in round 1 is prevoted (lockedValue = v)',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [proposal(1, A)],
    expectedOutputs: [broadcastPrevote(1, A)],
  },
  {
    description: 'locked on A: a re-proposal of A with polRound 0, backed by 2f+1 round-0 prevotes, is prevoted (line 28)',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [proposal(1, A, { polRound: 0 })],
    expectedOutputs: [broadcastPrevote(1, A)],
    expectedState: { step: 'prevote', lockedValue: A, lockedRound: 0 },
  },
  {
    description: 'locked on A: B with polRound 0 but no round-0 prevote quorum for B waits, then prevotes nil on timeout',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [proposal(1, B, { polRound: 0 }), timeout('propose', 1)],
    expectedOutputs: [broadcastPrevote(1, null)],
    expectedState: { step: 'prevote', lockedValue: A },
  },
  {
    description: 'a polRound that is not below the current round never enables line 28, even with a polka in that round',
    given: [...LOCKED_ON_A_NOW_IN_ROUND_1, prevote(1, 1, A), prevote(1, 2, A), prevote(1, 3, A)],
    inputs: [proposal(1, A, { polRound: 1 }), proposal(1, A, { polRound: 2 })],
    expectedOutputs: [proposalEquivocationOutput(proposal(1, A, { polRound: 1 }), proposal(1, A, { polRound: 2 }))],
    expectedState: { step: 'propose' },
  },
  {
    description: 'locked on A in round 1: B re-proposed with an older polka (round 0) is prevoted nil (line 29: lockedRound > vr)',
    given: [
      startHeight(),
      proposal(0, B),
      prevote(0, 0, B), // own, fed back
      prevote(0, 1, null),
      prevote(0, 2, B), // 3 prevotes of any value
      timeout('prevote', 0), // precommit nil
      prevote(0, 3, B), // polka for B in round 0, seen after precommitting: validValue B, validRound 0, no lock
      precommit(0, 0, null),
      precommit(0, 1, null),
      precommit(0, 2, null),
      timeout('precommit', 0),
      proposal(1, A), // fresh proposal, not locked: prevote A
      prevote(1, 0, A),
      prevote(1, 1, A),
      prevote(1, 2, A), // polka for A in round 1: lock A
      precommit(1, 0, A),
      precommit(1, 1, null),
      precommit(1, 3, null),
      timeout('precommit', 1),
    ],
    inputs: [proposal(2, B, { polRound: 0 })],
    expectedOutputs: [broadcastPrevote(2, null)],
    expectedState: { round: 2, lockedValue: A, lockedRound: 1, validValue: A, validRound: 1 },
  },
  {
    description: 'line 29 unlocks with lockedRound <= vr, equal included (two polkas in one round need more than f faulty validators)',
    given: [
      startHeight(),
      proposal(0, A),
      prevote(0, 0, A), // own, fed back
      prevote(0, 1, A),
      prevote(0, 2, B),
      prevote(0, 3, B),
      prevote(0, 2, A), // 2 equivocates; A has f+1 first prevotes: counted, polka for A: lock A in round 0
      prevote(0, 1, B), // 1 equivocates; B has f+1 first prevotes: counted, polka for B in round 0 too
      precommit(0, 0, A),
      precommit(0, 2, null),
      precommit(0, 3, null),
      timeout('precommit', 0),
    ],
    inputs: [proposal(1, B, { polRound: 0 })],
    expectedOutputs: [broadcastPrevote(1, B)],
    expectedState: { round: 1, lockedValue: A, lockedRound: 0 },
  },
  {
    description: 'locked on A in round 0: a polka for B seen in round 1 after precommitting nil updates validValue only (lines 36, 42-43)',
    given: [
      ...LOCKED_ON_A_NOW_IN_ROUND_1,
      proposal(1, B), // prevoted nil: locked on A
      prevote(1, 0, null), // own, fed back
      prevote(1, 1, B),
      prevote(1, 2, B), // 2f+1 prevotes of any value: timeoutPrevote scheduled
      timeout('prevote', 1), // precommit nil
    ],
    inputs: [prevote(1, 3, B)],
    expectedOutputs: [],
    expectedState: { step: 'precommit', lockedValue: A, lockedRound: 0, validValue: B, validRound: 1 },
  },
  {
    description: '...and in round 2 a proposal of B with polRound 1 is prevoted despite the lock on A (line 29: lockedRound <= vr)',
    given: [
      ...LOCKED_ON_A_NOW_IN_ROUND_1,
      proposal(1, B),
      prevote(1, 0, null),
      prevote(1, 1, B),
      prevote(1, 2, B),
      timeout('prevote', 1),
      prevote(1, 3, B),
      precommit(1, 0, null), // own, fed back
      precommit(1, 1, null),
      precommit(1, 2, null),
      timeout('precommit', 1),
    ],
    inputs: [proposal(2, B, { polRound: 1 })],
    expectedOutputs: [broadcastPrevote(2, B)],
    expectedState: { round: 2, lockedValue: A, lockedRound: 0, validValue: B, validRound: 1 },
  },
  {
    description: 'a polka for B while still in step prevote locks on B even after prevoting nil (lines 37-41)',
    given: [...LOCKED_ON_A_NOW_IN_ROUND_1, proposal(1, B), prevote(1, 0, null)],
    inputs: [prevote(1, 1, B), prevote(1, 2, B), prevote(1, 3, B)],
    expectedOutputs: [scheduleTimeoutOutput('prevote', 1), broadcastPrecommit(1, B)], // 3 prevotes of any value first (line 34)
    expectedState: { step: 'precommit', lockedValue: B, lockedRound: 1, validValue: B, validRound: 1 },
  },
  {
    description: 'a proposer with a validValue re-proposes it with its validRound instead of asking for a new block (lines 15, 16, 19)',
    selfIndex: 2,
    given: [startHeight(), proposal(0, A), prevote(0, 2, A), prevote(0, 0, A), prevote(0, 1, A), precommit(0, 2, A), precommit(0, 0, null), precommit(0, 3, null)],
    inputs: [timeout('precommit', 0)],
    expectedOutputs: [broadcastProposalOutput(1, A, 0), scheduleTimeoutOutput('propose', 1)],
    expectedState: { round: 1, awaitingValue: false, validValue: A, validRound: 0 },
  },
])

table('rounds (line 55) and votes from mixed rounds', [
  {
    description: '2 precommits in round 0 and 1 in round 1 for the same value do not decide, and 1 sender in round 1 does not skip',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [precommit(0, 1, A), precommit(0, 2, A), precommit(1, 3, A)],
    expectedOutputs: [],
    expectedState: { round: 0, step: 'prevote', decision: null },
  },
  {
    description: '...a second validator in round 1 makes f+1 senders: skip to round 1 (line 56)',
    given: [...PREVOTED_A_IN_ROUND_0, precommit(0, 1, A), precommit(0, 2, A), precommit(1, 3, A)],
    inputs: [prevote(1, 2, A)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 1)],
    expectedState: { round: 1, step: 'propose', decision: null },
  },
  {
    description: 'several messages of one validator in a higher round count as one sender',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [prevote(2, 3, B), precommit(2, 3, B), proposal(2, B)], // validator 3 is also the proposer of round 2
    expectedOutputs: [],
    expectedState: { round: 0 },
  },
  {
    description: 'a proposal counts as a message: proposal and a prevote from another validator skip, and the proposal is then prevoted',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [proposal(2, B), prevote(2, 1, B)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 2), broadcastPrevote(2, B)],
    expectedState: { round: 2, step: 'prevote' },
  },
  {
    description: 'the skip goes straight from round 0 to round 3, where self 0 is the proposer',
    given: [startHeight(), prevote(1, 1, A)],
    inputs: [prevote(3, 1, B), precommit(3, 2, B)],
    expectedOutputs: [getValueOutput(3), scheduleTimeoutOutput('propose', 3)],
    expectedState: { round: 3, step: 'propose', awaitingValue: true },
  },
  {
    description: 'messages of a lower round never move the round back',
    given: [startHeight(), prevote(2, 1, A), prevote(2, 2, A)],
    inputs: [prevote(1, 1, A), prevote(1, 2, A), prevote(1, 3, A), timeout('precommit', 1)],
    expectedOutputs: [],
    expectedState: { round: 2 },
  },
  {
    description: `rounds more than ROUNDS_AHEAD_MAX (${ROUNDS_AHEAD_MAX}) ahead are ignored and not stored`,
    given: [startHeight()],
    inputs: [prevote(ROUNDS_AHEAD_MAX + 1, 1, A), prevote(ROUNDS_AHEAD_MAX + 1, 2, A), proposal(ROUNDS_AHEAD_MAX + 1, A)],
    expectedOutputs: [],
    expectedState: { round: 0, rounds: [] },
  },
  {
    description: 'a round exactly ROUNDS_AHEAD_MAX ahead is accepted',
    given: [startHeight()],
    inputs: [prevote(ROUNDS_AHEAD_MAX, 1, A), prevote(ROUNDS_AHEAD_MAX, 2, A)],
    expectedOutputs: [scheduleTimeoutOutput('propose', ROUNDS_AHEAD_MAX)],
    expectedState: { round: ROUNDS_AHEAD_MAX },
  },
])

table('invalid proposals (lines 23, 29, 36, 50)', [
  {
    description: 'an invalid proposal is prevoted nil',
    given: [startHeight()],
    inputs: [proposal(0, A, { valid: false })],
    expectedOutputs: [broadcastPrevote(0, null)],
    expectedState: { step: 'prevote', lockedRound: -1 },
  },
  {
    description: '2f+1 prevotes for an invalid proposal neither lock nor set validValue (only timeoutPrevote is scheduled)',
    given: [startHeight(), proposal(0, A, { valid: false })],
    inputs: [prevote(0, 0, null), prevote(0, 1, A), prevote(0, 2, A), prevote(0, 3, A)],
    expectedOutputs: [scheduleTimeoutOutput('prevote', 0)],
    expectedState: { step: 'prevote', lockedValue: null, lockedRound: -1, validValue: null, validRound: -1 },
  },
  {
    description: '2f+1 precommits for an invalid proposal do not decide',
    given: [startHeight(), proposal(0, A, { valid: false })],
    inputs: [precommit(0, 1, A), precommit(0, 2, A), precommit(0, 3, A)],
    expectedOutputs: [scheduleTimeoutOutput('precommit', 0)],
    expectedState: { decision: null },
  },
  {
    description: 'an invalid re-proposal with a valid polRound is prevoted nil (line 29)',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [proposal(1, A, { polRound: 0, valid: false })],
    expectedOutputs: [broadcastPrevote(1, null)],
  },
  {
    description: 'a proposal signed by a validator that is not the proposer of the round is ignored',
    given: [startHeight()],
    inputs: [proposal(0, A, { validatorIndex: 2 }), proposal(0, A, { validatorIndex: 0 })],
    expectedOutputs: [],
    expectedState: { step: 'propose', rounds: [] },
  },
])

table('duplicates and equivocation: the first vote of a validator is its vote', [
  {
    description: 'a duplicate prevote is counted once',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [prevote(0, 1, A), prevote(0, 1, A), prevote(0, 2, A)],
    expectedOutputs: [],
    expectedState: { step: 'prevote', lockedRound: -1 },
  },
  {
    description: 'an equivocating prevote is reported; only the first counts, so B gets no quorum',
    given: [startHeight(), proposal(0, B)],
    inputs: [prevote(0, 1, A), prevote(0, 1, B), prevote(0, 2, B), prevote(0, 0, B)],
    expectedOutputs: [equivocationOutput(prevote(0, 1, A), prevote(0, 1, B)), scheduleTimeoutOutput('prevote', 0)],
    expectedState: { step: 'prevote', lockedRound: -1, validValue: null },
  },
  {
    description: 'duplicate and equivocating precommits do not make a decision',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [precommit(0, 1, A), precommit(0, 1, A), precommit(0, 2, B), precommit(0, 2, A), precommit(0, 3, A)],
    expectedOutputs: [equivocationOutput(precommit(0, 2, B), precommit(0, 2, A)), scheduleTimeoutOutput('precommit', 0)],
    expectedState: { decision: null },
  },
  {
    description: 'nil and a value are different votes: a nil prevote after a prevote for A is equivocation',
    given: PREVOTED_A_IN_ROUND_0,
    inputs: [prevote(0, 3, A), prevote(0, 3, null)],
    expectedOutputs: [equivocationOutput(prevote(0, 3, A), prevote(0, 3, null))],
  },
  {
    description: 'a second, different proposal of the same round is reported and ignored: the node keeps its prevote for the first',
    given: [startHeight()],
    inputs: [proposal(0, A), proposal(0, B), proposal(0, A, { polRound: 0 })],
    expectedOutputs: [
      broadcastPrevote(0, A),
      proposalEquivocationOutput(proposal(0, A), proposal(0, B)),
      proposalEquivocationOutput(proposal(0, A), proposal(0, A, { polRound: 0 })),
    ],
    expectedState: { step: 'prevote' },
  },
])

table('equivocation that still counts: f+1 first votes support the value (paper semantics, bounded memory)', [
  {
    description: 'a second prevote for a value with f+1 first prevotes counts toward its polka, and is still reported',
    given: [startHeight(), proposal(0, A), prevote(0, 3, B), prevote(0, 0, A), prevote(0, 1, A)],
    inputs: [prevote(0, 3, A)],
    expectedOutputs: [equivocationOutput(prevote(0, 3, B), prevote(0, 3, A)), broadcastPrecommit(0, A)],
    expectedState: { step: 'precommit', lockedValue: A, lockedRound: 0 },
  },
  {
    description: 'with a single first vote for its value it is not counted, not even once support arrives, until it is delivered again',
    given: [startHeight(), proposal(0, A), prevote(0, 3, B), prevote(0, 0, A)],
    inputs: [prevote(0, 3, A), prevote(0, 1, A), prevote(0, 3, A)],
    expectedOutputs: [
      equivocationOutput(prevote(0, 3, B), prevote(0, 3, A)),
      scheduleTimeoutOutput('prevote', 0), // 3 validators prevoted: 3 (first vote B), 0 and 1
      equivocationOutput(prevote(0, 3, B), prevote(0, 3, A)),
      broadcastPrecommit(0, A),
    ],
  },
  {
    description: 'a counted equivocating vote counts once for its value and never again for "2f+1 of any value"',
    given: [startHeight(), proposal(0, A), prevote(0, 3, B), prevote(0, 0, A), prevote(0, 1, A), prevote(0, 3, A)],
    inputs: [prevote(0, 3, A), prevote(0, 3, null)],
    expectedOutputs: [equivocationOutput(prevote(0, 3, B), prevote(0, 3, null))],
  },
  {
    description: "an equivocating precommit completes the commit certificate, with the equivocator's precommit for the value",
    given: [startHeight(), proposal(0, A), precommit(0, 3, B), precommit(0, 1, A), precommit(0, 2, A)],
    inputs: [precommit(0, 3, A)],
    expectedOutputs: [equivocationOutput(precommit(0, 3, B), precommit(0, 3, A)), decideOutput(0, A, [1, 2, 3])],
  },
  {
    description: "the proposer's second proposal counts for line 49 once f+1 first precommits support its value",
    given: [startHeight(), proposal(0, A), precommit(0, 1, B), precommit(0, 2, B), precommit(0, 3, B)],
    inputs: [proposal(0, B)],
    expectedOutputs: [proposalEquivocationOutput(proposal(0, A), proposal(0, B)), decideOutput(0, B, [1, 2, 3])],
  },
  {
    description: "the proposer's second proposal counts for line 36 once f+1 first prevotes support it: precommit it although we prevoted the first",
    given: [startHeight(), proposal(0, A), prevote(0, 0, A), prevote(0, 1, B), prevote(0, 2, B), prevote(0, 3, B)],
    inputs: [proposal(0, B)],
    expectedOutputs: [proposalEquivocationOutput(proposal(0, A), proposal(0, B)), broadcastPrecommit(0, B)],
    expectedState: { step: 'precommit', lockedValue: B, lockedRound: 0, validValue: B },
  },
  {
    description: 'an unsupported second proposal is not counted; delivered again after support, it is',
    given: [startHeight(), proposal(0, A), proposal(0, B)],
    inputs: [precommit(0, 1, B), precommit(0, 2, B), precommit(0, 3, B), proposal(0, B)],
    expectedOutputs: [scheduleTimeoutOutput('precommit', 0), proposalEquivocationOutput(proposal(0, A), proposal(0, B)), decideOutput(0, B, [1, 2, 3])],
  },
])

table('heights', [
  {
    description: 'inputs before the first startHeight are ignored',
    inputs: [proposal(0, A), prevote(0, 1, A), timeout('precommit', 0), proposeValue(0, A)],
    expectedOutputs: [],
    expectedState: { step: 'notStarted', rounds: [] },
  },
  {
    description: 'messages of other heights are ignored and not stored',
    given: [startHeight()],
    inputs: [
      proposal(0, A, { height: HEIGHT + 1 }),
      prevote(1, 1, A, HEIGHT + 1),
      prevote(1, 2, A, HEIGHT + 1),
      precommit(0, 1, A, HEIGHT - 1),
      precommit(0, 2, A, HEIGHT - 1),
      precommit(0, 3, A, HEIGHT - 1),
    ],
    expectedOutputs: [],
    expectedState: { height: HEIGHT, round: 0, rounds: [] },
  },
  {
    description: 'startHeight of the running height is ignored: the lock survives',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [startHeight(HEIGHT), startHeight(HEIGHT - 1)],
    expectedOutputs: [],
    expectedState: { round: 1, lockedValue: A, lockedRound: 0 },
  },
  {
    description: 'after a decision every input of the height is ignored',
    given: [startHeight(), proposal(0, A), precommit(0, 1, A), precommit(0, 2, A), precommit(0, 3, A)],
    inputs: [prevote(0, 0, A), timeout('precommit', 0), timeout('propose', 0), prevote(1, 1, A), prevote(1, 2, A), proposal(1, B)],
    expectedOutputs: [],
    expectedState: { round: 0, decision: { round: 0, value: A } },
  },
  {
    description: 'startHeight(h + 1) after a decision resets the per-height state (line 53) and starts round 0',
    given: LOCKED_ON_A_NOW_IN_ROUND_1,
    inputs: [startHeight(HEIGHT + 1)],
    expectedOutputs: [scheduleTimeoutOutput('propose', 0, HEIGHT + 1)],
    expectedState: {
      height: HEIGHT + 1,
      round: 0,
      step: 'propose',
      decision: null,
      lockedValue: null,
      lockedRound: -1,
      validValue: null,
      validRound: -1,
      rounds: [],
      ownVotes: [],
    },
  },
  {
    description: 'at height 3 the proposer of round 0 is (3 + 0) mod 4 = 3',
    selfIndex: 3,
    inputs: [startHeight(3)],
    expectedOutputs: [getValueOutput(0, 3), scheduleTimeoutOutput('propose', 0, 3)],
  },
  {
    description: 'a getValue left unanswered when the round changes is void: its late answer in the new round is ignored',
    selfIndex: 1,
    given: [startHeight(), prevote(1, 2, A), prevote(1, 3, A)], // getValue for round 0, then f+1 senders: round 1 (proposer 2)
    inputs: [proposeValue(1, A), proposeValue(0, A)],
    expectedOutputs: [],
    expectedState: { round: 1, step: 'propose', awaitingValue: false },
  },
  {
    description: 'proposeValue for another round or when no value was asked for is ignored',
    given: [startHeight()],
    inputs: [proposeValue(0, A), proposeValue(1, A)],
    expectedOutputs: [],
    expectedState: { step: 'propose' },
  },
])

describe('helpers', () => {
  it.each([
    [1, 1, 1, 0],
    [4, 3, 2, 1],
    [5, 4, 2, 1],
    [6, 5, 2, 1],
    [7, 5, 3, 2],
    [10, 7, 4, 3],
    [100, 67, 34, 33],
  ])('n = %i: quorum %i, f + 1 = %i, f = %i', (validatorCount, quorum, roundSkip, faulty) => {
    expect(quorumSize(validatorCount)).toBe(quorum)
    expect(roundSkipSize(validatorCount)).toBe(roundSkip)
    expect(faultyValidatorsMax(validatorCount)).toBe(faulty)
  })

  it('proposerIndex is (height + round) mod n', () => {
    expect([0, 1, 2, 3, 4, 5].map((round) => proposerIndex(1, round, 4))).toEqual([1, 2, 3, 0, 1, 2])
    expect(proposerIndex(10, 0, 4)).toBe(2)
    expect(proposerIndex(7, 3, 7)).toBe(3)
  })

  it('initialState rejects a bad configuration', () => {
    expect(() => initialState(configFor(0, 0), 1)).toThrow(ConsensusConfigError)
    expect(() => initialState(configFor(4, 4), 1)).toThrow(ConsensusConfigError)
    expect(() => initialState(configFor(-1, 4), 1)).toThrow(ConsensusConfigError)
    expect(() => initialState({ ...configFor(0), timeoutDeltaMs: -1 }, 1)).toThrow(ConsensusConfigError)
    expect(() => initialState(configFor(0), 1.5)).toThrow(ConsensusConfigError)
    expect(initialState(configFor(null), 1).step).toBe('notStarted')
  })

  it('a single validator decides alone', () => {
    const config = configFor(0, 1)
    const { outputs } = run(initialState(config, 1), [
      startHeight(), // proposer of (1, 0) with n = 1 is 0
      proposeValue(0, A),
      { ...proposal(0, A), validatorIndex: 0 },
      prevote(0, 0, A),
      precommit(0, 0, A),
    ])
    expect(outputs.map((output) => output.type)).toEqual(['getValue', 'scheduleTimeout', 'broadcastProposal', 'broadcastVote', 'broadcastVote', 'decide'])
    expect(outputs.at(-1)).toEqual(decideOutput(0, A, [0]))
  })
})

describe('state is data', () => {
  it('a state restored from JSON continues exactly like the original', () => {
    const inputs = [...LOCKED_ON_A_NOW_IN_ROUND_1, proposal(1, A, { polRound: 0 }), prevote(1, 0, A), prevote(1, 1, A), prevote(1, 2, A)]
    const original = stateAfter(0, inputs.slice(0, 6))
    const restored = JSON.parse(JSON.stringify(original)) as ConsensusState
    expect(run(restored, inputs.slice(6))).toEqual(run(original, inputs.slice(6)))
  })

  it('step never modifies the state it is given, even for inputs that change everything', () => {
    const original = stateAfter(0, LOCKED_ON_A_NOW_IN_ROUND_1)
    const snapshot = structuredClone(original)
    step(original, startHeight(HEIGHT + 1))
    step(original, proposal(1, B))
    step(original, timeout('precommit', 1))
    expect(original).toEqual(snapshot)
  })

  it('outputsAfterRestore re-arms the timers and re-issues the getValue and votes of the current round', () => {
    expect(outputsAfterRestore(stateAfter(1, [startHeight()]))).toEqual([getValueOutput(0), scheduleTimeoutOutput('propose', 0)])
    expect(outputsAfterRestore(stateAfter(0, [...PREVOTED_A_IN_ROUND_0, prevote(0, 1, null), prevote(0, 2, B), prevote(0, 0, A)]))).toEqual([
      broadcastPrevote(0, A),
      scheduleTimeoutOutput('prevote', 0),
    ])
    expect(outputsAfterRestore(stateAfter(0, LOCKED_ON_A_NOW_IN_ROUND_1))).toEqual([scheduleTimeoutOutput('propose', 1)])
    expect(
      outputsAfterRestore(stateAfter(0, [...PREVOTED_A_IN_ROUND_0, prevote(0, 0, A), prevote(0, 1, A), prevote(0, 2, A), precommit(0, 1, null), precommit(0, 2, null), precommit(0, 3, null)])),
    ).toEqual([broadcastPrevote(0, A), broadcastPrecommit(0, A), scheduleTimeoutOutput('precommit', 0)])
    expect(outputsAfterRestore(initialState(configFor(0), HEIGHT))).toEqual([])
  })
})
