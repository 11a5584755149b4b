// Wires a validator node: store -> application (ledger + mempool) -> network -> consensus driver -> block sync ->
// HTTP API. close() shuts them down in reverse order.
import { readFileSync } from 'node:fs'
import pino, { type Logger as PinoLogger } from 'pino'
import { readKeyFile } from '../client/keys.ts'
import { bytesToHex, txGossipCount } from '../client/wire.ts'
import { systemClock, type ConsensusDriver } from '../consensus/driver.ts'
import { buildApi } from './api/server.ts'
import { Application } from './app/application.ts'
import { loadHome, type NodeHome } from './config/config.ts'
import { createNetwork, type Network } from './network/index.ts'
import { Store } from './storage/store.ts'
import { BlockSync, serveBlocks } from './sync/block-sync.ts'
import { TxGossipBatcher, gossipTxsVerdict } from './mempool/tx-gossip.ts'
import { createConsensusDriver, validatorIndexOf } from './validator.ts'
import type { FastifyInstance } from 'fastify'

export interface RunningNode {
  home: NodeHome
  app: Application
  network: Network
  driver: ConsensusDriver
  api: FastifyInstance
  apiUrl: string
  close(): Promise<void>
}

export async function startNode(homeArgument: string, options: { logger?: PinoLogger } = {}): Promise<RunningNode> {
  const home = loadHome(homeArgument)
  const { config, genesis } = home
  const logger = options.logger ?? pino({ level: config.logLevel, base: { node: config.name } })
  const validatorKey = readKeyFile(home.validatorKeyPath)
  const validatorPublicHex = bytesToHex(validatorKey.publicKey)
  const selfIndex = validatorIndexOf(genesis, validatorPublicHex)
  const nodeKey = JSON.parse(readFileSync(home.nodeKeyPath, 'utf8')) as { privateKeyHex?: unknown }
  if (typeof nodeKey.privateKeyHex !== 'string') throw new Error(`${home.nodeKeyPath}: expected {"privateKeyHex": "..."}`)

  const store = await Store.open(home.dataPath)
  const app = await Application.open(genesis, store)
  logger.info({ height: app.latest.height, appHash: bytesToHex(app.latest.appHash), validatorIndex: selfIndex }, 'state loaded')

  let driver: ConsensusDriver | null = null
  const network = await createNetwork(
    {
      privateKeyHex: nodeKey.privateKeyHex,
      listenAddress: config.listenAddress,
      peers: genesis.validators.filter((_, index) => index !== selfIndex).map((validator) => ({ peerId: validator.peerId, address: validator.address })),
      allowedPeerIds: genesis.validators.map((validator) => validator.peerId),
      topicPrefix: genesis.chainId,
      logger: logger.child({ module: 'network' }),
    },
    {
      validateTx: (bytes) => gossipTxsVerdict(bytes, (signedTx) => app.submit(signedTx)),
      txMessageCost: txGossipCount,
      onTx: () => undefined,
      validateConsensus: (bytes) => (driver === null ? 'ignore' : driver.receive(bytes)),
      onConsensus: () => undefined,
      serveBlocks: (request) => serveBlocks(store, app.latest.height, request),
    },
  )

  driver = createConsensusDriver({
    genesis,
    app,
    store,
    validatorKey,
    timeouts: config.consensus,
    publish: (bytes) => {
      network.publishConsensus(bytes).catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'consensus publish failed'))
    },
    clock: systemClock,
    logger: logger.child({ module: 'consensus' }),
  })
  // Transactions accepted from clients travel to the other nodes several to a gossip message (mempool/tx-gossip.ts).
  const txGossip = new TxGossipBatcher((message) =>
    network.publishTx(message).catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'transaction publish failed')),
  )
  const sync = new BlockSync(driver, network, () => app.latest.height, logger.child({ module: 'sync' }))

  const api = await buildApi({
    app,
    genesis,
    nodeId: network.peerId,
    validatorName: selfIndex >= 0 ? (genesis.validators[selfIndex]?.name ?? null) : null,
    peers: () => network.connectedPeers(),
    catchingUp: () => sync.catchingUp,
    onAccepted: (bytes) => txGossip.add(bytes),
  })
  const apiUrl = await api.listen({ host: config.apiHost, port: config.apiPort })
  await driver.start()
  sync.start()
  app.onCommit((event) => logger.info({ height: event.height, txs: event.txIds.length, appHash: bytesToHex(app.latest.appHash).slice(0, 16) }, 'block committed'))
  logger.info({ api: apiUrl, p2p: config.listenAddress, peerId: network.peerId }, 'node started')

  let closed = false
  return {
    home,
    app,
    network,
    driver,
    api,
    apiUrl,
    async close() {
      if (closed) return
      closed = true
      sync.stop()
      driver?.stop()
      await api.close()
      await txGossip.stop()
      await driver?.idle()
      await network.stop()
      await store.close()
    },
  }
}
