// The plans are accepted by the ledger itself: every step of every fixture import, applied in plan order by
// the registry's account to an in-memory ledger (node/ledger's applyTx, its real rules), commits with OK.
import { describe, expect, it } from 'vitest'
import { planImport, type ImportPlan } from '../../client/registries/index.ts'
import { bytesToHex, type Genesis, type RegistryCode, type Tx } from '../../client/wire.ts'
import { applyTx, genesisWrites } from '../../node/ledger/index.ts'
import { MemoryState, StateView } from '../../node/state/view.ts'
import { loadSet, type Folder } from './helpers.ts'

const SETS: [Folder, RegistryCode][] = [
  ['verra', 'VCS'],
  ['gold-standard', 'GS'],
  ['american-carbon-registry', 'ACR'],
  ['climate-action-reserve', 'CAR'],
  ['cercarbono', 'CERCARBONO'],
]

function registryKey(index: number): Uint8Array {
  return new Uint8Array(32).fill(0x10 + index)
}

const GENESIS: Genesis = {
  chainId: 'tonne-import-test',
  genesisTimeMs: 1_700_000_000_000,
  validators: [],
  accounts: SETS.map(([folder, code], index) => ({ name: folder, publicKey: bytesToHex(registryKey(index)), role: 'registry', registry: code })),
}

async function applyPlan(plan: ImportPlan, sender: Uint8Array): Promise<{ path: string; line: number; kind: string; result: string }[]> {
  const state = new MemoryState()
  state.apply(genesisWrites(GENESIS))
  const rejected: { path: string; line: number; kind: string; result: string }[] = []
  const perBlock = 500
  let nonce = 0
  for (let first = 0, height = 1; first < plan.steps.length; first += perBlock, height++) {
    const view = new StateView(state)
    for (const [txIndex, step] of plan.steps.slice(first, first + perBlock).entries()) {
      const tx = { chainId: GENESIS.chainId, kind: step.kind, sender, nonce: nonce++, body: step.body } as Tx
      const result = await applyTx(view, tx, `import-${height}-${txIndex}`, { height, timeMs: GENESIS.genesisTimeMs + height * 1_000, txIndex })
      if (result.name !== 'OK') rejected.push({ ...step.source, kind: step.kind, result: `${result.name}: ${result.message}` })
    }
    state.apply(view.writes())
  }
  return rejected
}

describe('fixture plans on the ledger', () => {
  for (const [index, [folder, code]] of SETS.entries()) {
    it(`${folder}: every step commits`, async () => {
      const plan = planImport(code, loadSet(folder))
      expect(plan.errors).toEqual([])
      expect(await applyPlan(plan, registryKey(index))).toEqual([])
    })
  }

  it('the harness does see rejections: retiring the same credits twice is refused by the ledger', async () => {
    const plan = planImport('verra', loadSet('verra'))
    const retire = plan.steps.find((step) => step.kind === 'credit.retire')
    if (!retire) throw new Error('no retirement in the Verra plan')
    const doubled: ImportPlan = { ...plan, steps: [...plan.steps, retire] }
    expect(await applyPlan(doubled, registryKey(0))).toEqual([{ ...retire.source, kind: 'credit.retire', result: expect.stringMatching(/^RETIRED_UNIT: /) }])
  })
})
