// The simulated network delivered a message sent to a node before it crashed to the node's next life, if that life
// had started when the message arrived (it checked only that the receiver was up). A killed process's connections
// die with it: what was in flight is lost. Delivering it hid a liveness bug (a whole cluster restarting at once after
// precommitting lost the block's bytes; the in-flight proposal copies handed them back).
import { describe, expect, it } from 'vitest'
import type { SyncRequest, SyncResponse } from '../../client/wire.ts'
import type { Verdict } from '../../consensus/driver.ts'
import { SimNetwork, type NetworkEndpoint, type Topic } from '../sim/network.ts'
import { Rng, Scheduler } from '../sim/scheduler.ts'

class Endpoint implements NetworkEndpoint {
  incarnation = 1
  up = true
  received: Uint8Array[] = []
  constructor(readonly index: number) {}
  isUp(): boolean {
    return this.up
  }
  validate(_topic: Topic, bytes: Uint8Array): Verdict {
    this.received.push(bytes)
    return 'ignore'
  }
  serveBlocks(_request: SyncRequest): Promise<SyncResponse> {
    return Promise.resolve({ latestHeight: 0, blocks: [] })
  }
}

describe('the simulated network across a restart', () => {
  it('loses a message in flight to a node that crashed and restarted before it arrived', () => {
    const scheduler = new Scheduler(0)
    const network = new SimNetwork(scheduler, new Rng(1), 2)
    const a = new Endpoint(0)
    const b = new Endpoint(1)
    network.attach(a)
    network.attach(b)
    network.faults = { dropProbability: 0, duplicateProbability: 0, delayMinMs: 10, delayMaxMs: 10 }
    network.publish(0, 'consensus', new Uint8Array([1]))
    // b crashes and restarts at once (incarnation changes twice), before the delivery at 10 ms.
    b.incarnation += 2
    for (let event = scheduler.next(100); event !== undefined; event = scheduler.next(100)) event.run()
    expect(b.received).toHaveLength(0)
    // What is sent to the new life arrives.
    network.publish(0, 'consensus', new Uint8Array([2]))
    for (let event = scheduler.next(200); event !== undefined; event = scheduler.next(200)) event.run()
    expect(b.received).toEqual([new Uint8Array([2])])
  })
})
