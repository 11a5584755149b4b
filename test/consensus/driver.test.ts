// The consensus driver with the real core, real signatures, an in-memory network, a manual clock and a fake
// application: four drivers commit the same blocks, and a restarted validator never signs a conflicting vote.
import { describe, expect, it } from 'vitest'
import { generateKeyPair, sign } from '../../client/keys.ts'
import { bytesToHex, decodeConsensusMessage, hashHex, hexToBytes, proposalSignBytes, encodeConsensusMessage, type ConsensusMessage } from '../../client/wire.ts'
import { ConsensusDriver, type Clock, type ConsensusApplication, type SignerStore } from '../../consensus/driver.ts'
import { ManualClock, MemorySignerStore, timeouts } from '../review/helpers.ts'
import { verifySignature } from '../../node/crypto/verify.ts'

const chainId = 'driver-test'
const silentLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined }

class FakeApp implements ConsensusApplication {
  committed: string[] = []
  latestHeight(): number {
    return this.committed.length
  }
  async prepareProposal(height: number, timeMs: number, proposer: Uint8Array): Promise<{ block: Uint8Array; blockHash: string }> {
    const block = new TextEncoder().encode(`block ${height} ${timeMs} ${bytesToHex(proposer)}`)
    return { block, blockHash: hashHex(block) }
  }
  async processProposal(block: Uint8Array): Promise<{ valid: true; blockHash: string }> {
    return { valid: true, blockHash: hashHex(block) }
  }
  async commit(blockHash: string): Promise<void> {
    this.committed.push(blockHash)
  }
}

const keys = Array.from({ length: 4 }, () => generateKeyPair())
const publicKeys = keys.map((key) => key.publicKey)

function makeDriver(index: number, clock: Clock, app: ConsensusApplication, publish: (bytes: Uint8Array) => void, signerStore: SignerStore): ConsensusDriver {
  return new ConsensusDriver({
    chainId,
    validatorPublicKeys: publicKeys,
    selfIndex: index,
    sign: (message) => sign(message, (keys[index] as (typeof keys)[number]).secretKey),
    verify: verifySignature,
    timeouts,
    app,
    publish,
    signerStore,
    clock,
    logger: silentLogger,
  })
}

async function settle(drivers: ConsensusDriver[]): Promise<void> {
  for (let pass = 0; pass < 5; pass += 1) {
    await Promise.all(drivers.map((driver) => driver.idle()))
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('consensus driver', () => {
  it('four drivers over an in-memory network commit the same blocks', async () => {
    const clock = new ManualClock()
    const apps = keys.map(() => new FakeApp())
    const drivers: ConsensusDriver[] = []
    for (let index = 0; index < 4; index += 1) {
      drivers.push(
        makeDriver(index, clock, apps[index] as FakeApp, (bytes) => {
          for (const [other, driver] of drivers.entries()) if (other !== index) driver.receive(bytes)
        }, new MemorySignerStore()),
      )
    }
    for (const driver of drivers) await driver.start()
    await settle(drivers)
    for (let firing = 0; firing < 200 && Math.min(...apps.map((app) => app.committed.length)) < 5; firing += 1) {
      clock.fireNext()
      await settle(drivers)
    }
    const heights = apps.map((app) => app.committed.length)
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(5)
    for (const app of apps) expect(app.committed.slice(0, 5)).toEqual((apps[0] as FakeApp).committed.slice(0, 5))
    // Proposers rotate: block h was built by validator (h + round) mod 4, at round 0 when all are up.
    expect(new Set((apps[0] as FakeApp).committed.slice(0, 4)).size).toBe(4)
    for (const driver of drivers) driver.stop()
  })

  it('rejects messages with a bad signature or from the wrong proposer, never throwing', () => {
    const clock = new ManualClock()
    const driver = makeDriver(0, clock, new FakeApp(), () => undefined, new MemorySignerStore())
    expect(driver.receive(new Uint8Array([1, 2, 3]))).toBe('reject')
    const blockHash = hexToBytes(hashHex(new Uint8Array([1])))
    const fields = { height: 1, round: 0, polRound: -1, blockHash }
    // Validator 1 is the proposer of (1, 0); validator 2 signing a proposal for it is rejected.
    const wrongProposer: ConsensusMessage = { type: 'proposal', proposal: { ...fields, validatorIndex: 2, signature: sign(proposalSignBytes(chainId, fields), (keys[2] as (typeof keys)[number]).secretKey) }, block: new Uint8Array([1]) }
    expect(driver.receive(encodeConsensusMessage(wrongProposer))).toBe('reject')
    const forged: ConsensusMessage = { type: 'proposal', proposal: { ...fields, validatorIndex: 1, signature: sign(proposalSignBytes(chainId, fields), (keys[2] as (typeof keys)[number]).secretKey) }, block: new Uint8Array([1]) }
    expect(driver.receive(encodeConsensusMessage(forged))).toBe('reject')
    const good: ConsensusMessage = { type: 'proposal', proposal: { ...fields, validatorIndex: 1, signature: sign(proposalSignBytes(chainId, fields), (keys[1] as (typeof keys)[number]).secretKey) }, block: new Uint8Array([1]) }
    expect(driver.receive(encodeConsensusMessage(good))).toBe('accept')
    driver.stop()
  })

  it('a restarted validator re-sends what it signed and never signs a conflicting prevote for the same height and round', async () => {
    const signerStore = new MemorySignerStore()
    const sent: ConsensusMessage[] = []
    const publish = (bytes: Uint8Array): void => {
      sent.push(decodeConsensusMessage(bytes))
    }
    const proposalFor = (block: Uint8Array): Uint8Array => {
      const fields = { height: 1, round: 0, polRound: -1, blockHash: hexToBytes(hashHex(block)) }
      return encodeConsensusMessage({ type: 'proposal', proposal: { ...fields, validatorIndex: 1, signature: sign(proposalSignBytes(chainId, fields), (keys[1] as (typeof keys)[number]).secretKey) }, block })
    }
    const blockX = new TextEncoder().encode('block X')
    const blockY = new TextEncoder().encode('block Y')

    const clock = new ManualClock()
    const first = makeDriver(0, clock, new FakeApp(), publish, signerStore)
    await first.start()
    await first.idle()
    expect(first.receive(proposalFor(blockX))).toBe('accept')
    await first.idle()
    const prevotes = sent.filter((message) => message.type === 'vote' && message.vote.type === 'prevote')
    expect(prevotes).toHaveLength(1)
    expect(bytesToHex((prevotes[0] as { vote: { blockHash: Uint8Array } }).vote.blockHash)).toBe(hashHex(blockX))
    expect(signerStore.records).toEqual([expect.objectContaining({ height: 1, round: 0, step: 2, value: hashHex(blockX) })])
    first.stop()

    // Restart from the persisted signer state; the (equivocating) proposer now shows block Y for the same round.
    sent.length = 0
    const second = makeDriver(0, new ManualClock(), new FakeApp(), publish, signerStore)
    await second.start()
    await second.idle()
    second.receive(proposalFor(blockY))
    await second.idle()
    const conflicting = sent.filter((message) => message.type === 'vote' && message.vote.type === 'prevote' && message.vote.round === 0 && message.vote.blockHash !== null && bytesToHex(message.vote.blockHash) === hashHex(blockY))
    expect(conflicting).toHaveLength(0)
    expect(signerStore.records.filter((record) => record.height === 1 && record.round === 0 && record.step === 2)).toHaveLength(1)
    second.stop()
  })
})
