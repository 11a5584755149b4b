// Test harness for the ledger: a genesis with a few accounts, body builders and a TestLedger that executes
// transactions block by block over a MemoryState, the way node/app/execute.ts does (one StateView per block,
// writes applied after the block, app hash chained with nextAppHash).
import { expect } from 'vitest'
import {
  bytesToHex,
  encode,
  RESULT_CODES,
  ZERO_HASH,
  type BatchIssueBody,
  type CreditCancelBody,
  type CreditRetireBody,
  type CreditTransferBody,
  type Genesis,
  type ProjectRegisterBody,
  type ResultName,
  type Tx,
  type TxBodies,
  type TxKind,
  type TxResult,
} from '../../client/wire.ts'
import { applyTx, beginBlock, genesisWrites, keys } from '../../node/ledger/index.ts'
import { MemoryState, nextAppHash, StateView, type Write } from '../../node/state/view.ts'

export interface TestAccount {
  name: string
  key: Uint8Array
  id: string
}

export function testAccount(name: string, fill: number): TestAccount {
  const key = new Uint8Array(32).fill(fill)
  return { name, key, id: bytesToHex(key) }
}

export const VERRA = testAccount('verra', 0x01)
export const VERRA_2 = testAccount('verra-second-key', 0x02)
export const GOLD = testAccount('gold-standard', 0x03)
export const CERCARBONO = testAccount('cercarbono', 0x04)
export const BANK = testAccount('bank', 0x05)
export const MARKET = testAccount('marketplace', 0x06)
/** Not in genesis: no role, but may hold and move credits. */
export const OUTSIDER = testAccount('outsider', 0x07)

export const GENESIS: Genesis = {
  chainId: 'tonne-test',
  genesisTimeMs: 1_700_000_000_000,
  validators: [],
  accounts: [
    { name: VERRA.name, publicKey: VERRA.id, role: 'registry', registry: 'VCS' },
    { name: VERRA_2.name, publicKey: VERRA_2.id, role: 'registry', registry: 'VCS' },
    { name: GOLD.name, publicKey: GOLD.id, role: 'registry', registry: 'GS' },
    { name: CERCARBONO.name, publicKey: CERCARBONO.id, role: 'registry', registry: 'CERCARBONO' },
    { name: BANK.name, publicKey: BANK.id, role: 'bank' },
    { name: MARKET.name, publicKey: MARKET.id, role: 'marketplace' },
  ],
}

// ---------------------------------------------------------------------------------------------------------
// Bodies, from real registry data (../shared/data/registries).

export function projectBody(overrides: Partial<ProjectRegisterBody> = {}): ProjectRegisterBody {
  return {
    registry: 'VCS',
    program: 'VCS',
    projectId: '1340',
    name: 'Bale Mountains Eco-region REDD+ project',
    developer: 'Oromia Forest and Wildlife Enterprise',
    country: 'ET',
    sector: 'Agriculture Forestry and Other Land Use',
    methodology: 'VM0015',
    status: 'Registered',
    attributes: { region: 'Africa' },
    ...overrides,
  }
}

/** Verra batch 19385: serials 941467007 to 941467431 (425 VCUs) in the registry-wide space VCS. */
export function issueBody(overrides: Partial<BatchIssueBody> = {}): BatchIssueBody {
  return {
    registry: 'VCS',
    projectId: '1340',
    space: 'VCS',
    serialStart: 941467007,
    serialEnd: 941467431,
    vintageStart: '2020-01-01',
    vintageEnd: '2020-12-31',
    unitType: 'VCU',
    labels: ['CCB'],
    correspondingAdjustment: 'No',
    originalSerial: '19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1',
    issuanceDate: '2026-04-03',
    to: '',
    ...overrides,
  }
}

export function transferBody(overrides: Partial<CreditTransferBody> & Pick<CreditTransferBody, 'batchId' | 'to'>): CreditTransferBody {
  return { quantity: 0, range: null, ...overrides }
}

export function retireBody(overrides: Partial<CreditRetireBody> & Pick<CreditRetireBody, 'batchId'>): CreditRetireBody {
  return { quantity: 0, range: null, beneficiary: 'Lindblad Expeditions', purpose: 'Environmental Benefit', reason: '2025 emissions', retiredOn: '', ...overrides }
}

export function cancelBody(overrides: Partial<CreditCancelBody> & Pick<CreditCancelBody, 'batchId'>): CreditCancelBody {
  return { quantity: 0, range: null, reason: 'conversion to compliance credits', ...overrides }
}

export const BATCH_VCS = 'VCS:941467007-941467431'

// ---------------------------------------------------------------------------------------------------------
// The ledger under test.

export interface Submitted {
  result: TxResult
  /** The writes of the block that held only this transaction. */
  writes: Write[]
}

/** The id TestLedger gives its n-th transaction: n in decimal, zero-padded to 64 (hex) digits. */
export function testTxId(n: number): string {
  return String(n).padStart(64, '0')
}

export class TestLedger {
  readonly state = new MemoryState()
  appHash: Uint8Array = ZERO_HASH
  height = 0
  timeMs: number
  private readonly nonces = new Map<string, number>()
  private txCount = 0
  /** The id of the last transaction executed (a lock's id is the id of the transaction that created it). */
  lastTxId = ''

  constructor(genesis: Genesis = GENESIS) {
    const writes = genesisWrites(genesis)
    this.state.apply(writes)
    this.appHash = nextAppHash(ZERO_HASH, writes)
    this.timeMs = genesis.genesisTimeMs
  }

  nextNonce(account: TestAccount): number {
    return this.nonces.get(account.id) ?? 0
  }

  tx<K extends TxKind>(sender: TestAccount, kind: K, body: TxBodies[K], nonce = this.nextNonce(sender)): Tx<K> {
    return { chainId: GENESIS.chainId, kind, sender: sender.key, nonce, body }
  }

  /** Executes transactions as one block; returns each result and the block's sorted writes. */
  async block(txs: Tx[]): Promise<{ results: TxResult[]; writes: Write[] }> {
    this.height += 1
    this.timeMs += 1_000
    const view = new StateView(this.state)
    const results: TxResult[] = []
    // The block boundary first, as node/app/execute.ts runs it.
    await beginBlock(view, { height: this.height, timeMs: this.timeMs })
    for (const [txIndex, tx] of txs.entries()) {
      // 64 hex digits, like a real transaction id (locks are named by the id of the transaction that made them).
      const id = testTxId(this.txCount++)
      this.lastTxId = id
      const result = await applyTx(view, tx, id, { height: this.height, timeMs: this.timeMs, txIndex })
      const senderId = bytesToHex(tx.sender)
      if (result.name !== 'BAD_NONCE' && result.name !== 'MALFORMED_TX') this.nonces.set(senderId, (this.nonces.get(senderId) ?? 0) + 1)
      results.push(result)
    }
    const writes = view.writes()
    this.state.apply(writes)
    this.appHash = nextAppHash(this.appHash, writes)
    return { results, writes }
  }

  async submit<K extends TxKind>(sender: TestAccount, kind: K, body: TxBodies[K], nonce?: number): Promise<Submitted> {
    const { results, writes } = await this.block([this.tx(sender, kind, body, nonce)])
    return { result: results[0] as TxResult, writes }
  }

  /** Submits and expects OK. */
  async ok<K extends TxKind>(sender: TestAccount, kind: K, body: TxBodies[K]): Promise<Submitted> {
    const submitted = await this.submit(sender, kind, body)
    expect(submitted.result, `${kind} by ${sender.name}: ${submitted.result.message}`).toMatchObject({ name: 'OK', code: RESULT_CODES.OK })
    return submitted
  }

  /**
   * Submits, expects the rejection `name`, and checks that the transaction changed nothing but the sender's nonce:
   * the block's only write is nonce/<sender> -> previous nonce + 1, and every other entry of the state is unchanged.
   */
  async rejected<K extends TxKind>(sender: TestAccount, kind: K, body: TxBodies[K], name: Exclude<ResultName, 'OK'>): Promise<TxResult> {
    const before = this.snapshot()
    const nonce = this.nextNonce(sender)
    const { result, writes } = await this.submit(sender, kind, body)
    expect(result, result.message).toMatchObject({ name, code: RESULT_CODES[name] })
    expect(writes).toEqual([[keys.nonce(sender.id), encode(nonce + 1)]])
    const after = this.snapshot()
    after.delete(keys.nonce(sender.id))
    before.delete(keys.nonce(sender.id))
    expect(after).toEqual(before)
    return result
  }

  snapshot(): Map<string, string> {
    return new Map([...this.state.entries].map(([key, value]) => [key, bytesToHex(value)]))
  }

  /** A registered VCS project 1340 and Verra's batch 19385 issued to `to` (or to Verra). */
  async withVerraBatch(to: TestAccount | null = null, overrides: Partial<BatchIssueBody> = {}): Promise<string> {
    if ((await this.state.get(keys.project('VCS', '1340'))) === undefined) await this.ok(VERRA, 'project.register', projectBody())
    const body = issueBody({ to: to === null ? '' : to.id, ...overrides })
    await this.ok(VERRA, 'batch.issue', body)
    return `${body.space}:${body.serialStart}-${body.serialEnd}`
  }
}
