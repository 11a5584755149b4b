// The `tonne` command line.
import { Command, InvalidArgumentError } from 'commander'
import { readFileSync } from 'node:fs'
import { generateKeyPair, offtakeIdOf, readKeyFile, signOfftake, signOfftakeCancel, signPort, signSwap, writeKeyFile } from '../client/keys.ts'
import { HttpError, Signer, TonneClient } from '../client/http.ts'
import * as build from '../client/builders.ts'
import { bytesToHex, hexToBytes, REGISTRY_CODES, type RegistryCode } from '../client/wire.ts'
import { createHash } from 'node:crypto'
import { generateTestnet } from './testnet.ts'
import { runImport } from './import.ts'
import { AmountError, parseAmount } from '../client/amounts.ts'

export const DEFAULT_NODE_URL = 'http://127.0.0.1:28000'

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer')
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed)) throw new InvalidArgumentError('integer too large')
  return parsed
}

/** A positional argument read inside an action (commander cannot name it there): the message names it. */
function integerArgument(name: string, value: string, alternatives = ''): number {
  try {
    return integer(value)
  } catch (error) {
    throw new InvalidArgumentError(`${name} ${JSON.stringify(value)}: ${(error as Error).message}${alternatives}`)
  }
}

function positive(value: string): number {
  if (!/^\d+$/.test(value) || /^0+$/.test(value)) throw new InvalidArgumentError('expected a positive integer (1, 2, ...)')
  return integer(value)
}

function accountId(value: string): string {
  const lower = value.toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new InvalidArgumentError('expected an account id: 64 hex characters (see tonne keys show FILE)')
  return lower
}

function hexId(value: string): string {
  const lower = value.toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new InvalidArgumentError('expected an id: 64 hex characters')
  return lower
}

/**
 * A point in time as milliseconds since the epoch: digits are taken as milliseconds; otherwise a date YYYY-MM-DD
 * (midnight UTC) or a date-time with Z or an offset (2027-06-30T12:00:00Z), so that no local time zone is guessed.
 */
export function instant(value: string): number {
  if (/^\d+$/.test(value)) return positive(value)
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new InvalidArgumentError('expected YYYY-MM-DD, an ISO date-time with Z or an offset, or milliseconds since the epoch')
  }
  const parsed = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
  // Date.parse rolls 2027-02-30 over into March: the calendar date must survive the round trip.
  if (!Number.isSafeInteger(parsed) || parsed <= 0 || (value.length === 10 && new Date(parsed).toISOString().slice(0, 10) !== value)) {
    throw new InvalidArgumentError(`not a valid date: ${value}`)
  }
  return parsed
}

function registryCode(value: string): RegistryCode {
  if (!(REGISTRY_CODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected a registry code: ${REGISTRY_CODES.join(', ')}`)
  return value as RegistryCode
}

function signatureHex(value: string): Uint8Array {
  const lower = value.toLowerCase()
  if (!/^[0-9a-f]{128}$/.test(lower)) throw new InvalidArgumentError('expected an ed25519 signature: 128 hex characters (tonne sign-port prints it)')
  return hexToBytes(lower)
}

function currency(value: string): string {
  if (!/^[A-Z0-9]{3,12}$/.test(value)) throw new InvalidArgumentError('expected a currency code: 3 to 12 uppercase letters or digits, e.g. USD')
  return value
}

/** A calendar date YYYY-MM-DD that exists. */
export function calendarDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('expected a date YYYY-MM-DD')
  instant(value)
  return value
}

function sha256Hex(value: string): string {
  const lower = value.toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new InvalidArgumentError('expected a sha256 digest: 64 hex characters')
  return lower
}

function port(value: string): number {
  const parsed = integer(value)
  if (parsed < 1 || parsed > 65_535) throw new InvalidArgumentError('expected a TCP port from 1 to 65535')
  return parsed
}

function range(value: string): { start: number; end: number } {
  const match = /^(\d+)(?:-|\.\.)(\d+)$/.exec(value)
  if (match === null) throw new InvalidArgumentError('expected START-END, e.g. 100-199')
  const start = Number(match[1])
  const end = Number(match[2])
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end) throw new InvalidArgumentError('START must be <= END')
  return { start, end }
}

/** An exact amount of CO2e as integer parts: "0.25" (tonnes), "250kg", "1.000001t", "42 parts" (client/amounts.ts). */
export function amount(value: string): number {
  try {
    const parts = parseAmount(value)
    if (parts < 1) throw new AmountError('the amount must be more than zero')
    return parts
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

// `tonne query ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

interface NodeOptions {
  node: string
}

interface TxOptions extends NodeOptions {
  key: string
  wait: boolean
}

async function signer(options: TxOptions): Promise<Signer> {
  const keyPair = readKeyFile(options.key)
  const client = new TonneClient(options.node)
  const status = await client.status()
  return new Signer(keyPair, status.chainId, client)
}

/** The options of a command that selects credits of a batch: --batch with --quantity or --range (see selection). */
type SelectionOptions = { batch: string; quantity?: number; range?: { start: number; end: number } }

/** A subcommand of `parent` with the --batch, --quantity and --range options that `selection` reads. */
function selectionCommand(parent: Command, name: string, description: string, quantityHelp: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('--batch <id>', 'batch id')
    .option('--quantity <n>', quantityHelp, positive)
    .option('--range <start-end>', 'explicit serial sub-range', range)
}

function selection(options: SelectionOptions): build.Selection {
  if ((options.quantity === undefined) === (options.range === undefined)) throw new InvalidArgumentError('give exactly one of --quantity and --range')
  return options.range !== undefined ? { batchId: options.batch, range: options.range } : { batchId: options.batch, quantity: options.quantity as number }
}

function addNodeOption(command: Command): Command {
  return command.option('--node <url>', 'HTTP API of a tonne node', DEFAULT_NODE_URL)
}

/** The attribute options batch.issue and batch.import share; `serialHelp` says whose original serial it is. */
function addBatchAttributeOptions(command: Command, serialHelp: string): Command {
  return command
    .option('--vintage-start <date>', 'vintage start (YYYY-MM-DD)', '')
    .option('--vintage-end <date>', 'vintage end (YYYY-MM-DD)', '')
    .option('--unit-type <type>', 'unit type, e.g. VCU', '')
    .option('--label <label...>', 'labels, e.g. CCB CORSIA', [])
    .option('--serial <serial>', serialHelp, '')
}

function addTxOptions(command: Command): Command {
  return addNodeOption(command)
    .requiredOption('--key <file>', 'key file of the sending account (tonne keys new)')
    .option('--no-wait', 'return once the node accepted the transaction, without waiting for its commit')
}

/** How long a tx command waits: for the commit, unless --no-wait. */
function waitOf(options: TxOptions): { wait?: 'commit' } {
  return options.wait ? { wait: 'commit' } : {}
}

async function sendAndPrint(options: TxOptions, send: (signerValue: Signer) => Promise<unknown>): Promise<void> {
  const signerValue = await signer(options)
  const response = (await send(signerValue)) as { id?: string; status?: string; result?: { code: number } }
  print(response)
  if (response.result !== undefined && response.result.code !== 0) process.exitCode = 1
  else if (options.wait && response.status === 'pending') {
    // Not committed within the node's wait: it may still commit. Exit 2, and say how to find out instead of re-signing.
    process.stderr.write(`not committed yet: look it up with \`tonne query tx ${response.id ?? 'ID'}\` (signing it again would make a second transaction)\n`)
    process.exitCode = 2
  }
}

export function buildProgram(): Command {
  const program = new Command('tonne')
    .description('tonne: a permissioned BFT ledger for carbon credits')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) })

  const keys = program.command('keys').description('create and inspect ed25519 account keys')
  keys
    .command('new')
    .description('generate a key pair and write it to a key file (owner-only permissions)')
    .requiredOption('--out <file>', 'where to write the key file')
    .option('--name <name>', 'a name stored in the key file', 'account')
    .action((options: { out: string; name: string }) => {
      const keyPair = generateKeyPair()
      writeKeyFile(options.out, options.name, keyPair)
      print({ name: options.name, publicKey: bytesToHex(keyPair.publicKey), file: options.out })
    })
  keys
    .command('show')
    .description('print the account id (public key) of a key file')
    .argument('<file>', 'key file')
    .action((file: string) => {
      const keyPair = readKeyFile(file)
      print({ name: keyPair.name, publicKey: bytesToHex(keyPair.publicKey) })
    })

  program
    .command('testnet')
    .description('generate a local testnet: genesis, account keys and one config folder per validator node')
    .option('--nodes <n>', 'number of validator nodes', integer, 4)
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty)')
    .option('--chain-id <id>', 'chain id', 'tonne-testnet')
    .option('--p2p-port <port>', 'libp2p TCP port of node0 (node i uses port + i)', port, 27000)
    .option('--api-port <port>', 'HTTP API port of node0 (node i uses port + i)', port, 28000)
    .option('--host-template <host>', 'host in each p2p address of the genesis; {i} is the node index (docker: node{i})', '127.0.0.1')
    .option('--bind <host>', 'interface the nodes listen on (docker: 0.0.0.0)', '127.0.0.1')
    .action(async (options: { nodes: number; out: string; chainId: string; p2pPort: number; apiPort: number; hostTemplate: string; bind: string }) => {
      const result = await generateTestnet({
        nodes: options.nodes,
        out: options.out,
        chainId: options.chainId,
        p2pPort: options.p2pPort,
        apiPort: options.apiPort,
        hostTemplate: options.hostTemplate,
        bindHost: options.bind,
        genesisTimeMs: Date.now(),
      })
      print({ out: result.out, chainId: result.genesis.chainId, nodes: result.nodeHomes, accountKeys: result.accountKeys })
    })

  program
    .command('start')
    .description('run a validator node from its home folder (created by tonne testnet)')
    .requiredOption('--home <dir>', 'node home folder (config.json, genesis.json, keys, data/)')
    .action(async (options: { home: string }) => {
      const { startNode } = await import('../node/node.ts')
      const node = await startNode(options.home)
      // Input never crashes a node: a rejected promise that escaped its handler is logged, not fatal.
      process.on('unhandledRejection', (reason) => process.stderr.write(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`))
      const shutdown = (): void => {
        void node.close().then(() => process.exit(0))
      }
      process.once('SIGINT', shutdown)
      process.once('SIGTERM', shutdown)
    })

  const tx = program.command('tx').description('sign and submit a transaction')
  addTxOptions(
    tx
      .command('register-project')
      .description('register a project (registry accounts only)')
      .requiredOption('--registry <code>', `registry code: ${REGISTRY_CODES.join(', ')}`)
      .requiredOption('--project-id <id>', "the registry's project id")
      .requiredOption('--name <name>', 'project name')
      .option('--developer <name>', 'project developer', '')
      .option('--country <country>', 'country', '')
      .option('--sector <sector>', 'sector or project type', '')
      .option('--methodology <methodology>', 'methodology', '')
      .option('--status <status>', 'status', ''),
  ).action(async (options: TxOptions & { registry: RegistryCode; projectId: string; name: string; developer: string; country: string; sector: string; methodology: string; status: string }) => {
    await sendAndPrint(options, (s) =>
      s.send('project.register', build.projectRegister({ registry: options.registry, projectId: options.projectId, name: options.name, developer: options.developer, country: options.country, sector: options.sector, methodology: options.methodology, status: options.status }), waitOf(options)),
    )
  })
  addTxOptions(
    addBatchAttributeOptions(
    tx
      .command('issue')
      .description('issue a credit batch for a registered project (registry accounts only)')
      .requiredOption('--registry <code>', 'registry code')
      .requiredOption('--project-id <id>', "the registry's project id")
      .requiredOption('--space <space>', 'numbering space, e.g. VCS or GS/30307')
      .requiredOption('--range <start-end>', 'serial range', range),
    "the registry's original serial string",
  ).option('--to <account>', 'account receiving the credits (default: the issuing registry)', accountId),
  ).action(async (options: TxOptions & { registry: RegistryCode; projectId: string; space: string; range: { start: number; end: number }; vintageStart: string; vintageEnd: string; unitType: string; label: string[]; serial: string; to: string }) => {
    await sendAndPrint(options, (s) =>
      s.send(
        'batch.issue',
        build.batchIssue({ registry: options.registry, projectId: options.projectId, space: options.space, serialStart: options.range.start, serialEnd: options.range.end, vintageStart: options.vintageStart, vintageEnd: options.vintageEnd, unitType: options.unitType, labels: options.label, originalSerial: options.serial, to: options.to ?? '' }),
        waitOf(options),
      ),
    )
  })
  addTxOptions(
    tx
      .command('transfer')
      .description('transfer credits of a batch by quantity or by serial sub-range')
      .requiredOption('--batch <id>', 'batch id, e.g. VCS:941467007-941467431')
      .requiredOption('--to <account>', 'receiving account id (64 hex, see tonne keys show FILE)', accountId)
      .option('--quantity <n>', 'number of credits (lowest serials first)', positive)
      .option('--range <start-end>', 'explicit serial sub-range', range),
  ).action(async (options: TxOptions & SelectionOptions & { to: string }) => {
    await sendAndPrint(options, (s) => s.send('credit.transfer', build.creditTransfer({ ...selection(options), to: options.to }), waitOf(options)))
  })
  addTxOptions(
    selectionCommand(tx, 'retire', 'retire credits (they never move again)', 'number of credits')
      .option('--beneficiary <name>', 'on whose behalf', '')
      .option('--purpose <text>', 'purpose of the retirement', '')
      .option('--reason <text>', 'reason', '')
      .option('--private-beneficiary <name>', 'on whose behalf, kept private: only a salted commitment goes to the ledger; the salt to keep is printed'),
  ).action(async (options: TxOptions & SelectionOptions & { beneficiary: string; purpose: string; reason: string; privateBeneficiary?: string }) => {
    if (options.privateBeneficiary !== undefined) {
      if (options.beneficiary !== '') throw new InvalidArgumentError('give --beneficiary or --private-beneficiary, not both')
      if (options.privateBeneficiary === '') throw new InvalidArgumentError('--private-beneficiary needs a name')
      const made = build.creditRetirePrivate({ ...selection(options), beneficiary: options.privateBeneficiary, purpose: options.purpose, reason: options.reason })
      await sendAndPrint(options, async (s) => ({
        ...(await s.send('credit.retire-private', made.body, waitOf(options))),
        privateBeneficiary: {
          beneficiaryCommitment: made.commitment,
          salt: made.salt,
          keep: 'keep the salt with the name: together they prove the beneficiary (tonne verify-beneficiary --tx ID --name NAME --salt SALT); the ledger stores only the commitment',
        },
      }))
      return
    }
    await sendAndPrint(options, (s) => s.send('credit.retire', build.creditRetire({ ...selection(options), beneficiary: options.beneficiary, purpose: options.purpose, reason: options.reason }), waitOf(options)))
  })
  addTxOptions(
    selectionCommand(tx, 'cancel', 'cancel credits (their registry of record only: the issuing registry, or the one they were ported to)', 'number of credits')
      .requiredOption('--reason <text>', 'reason'),
  ).action(async (options: TxOptions & SelectionOptions & { reason: string }) => {
    await sendAndPrint(options, (s) => s.send('credit.cancel', build.creditCancel({ ...selection(options), reason: options.reason }), waitOf(options)))
  })

  addTxOptions(
    selectionCommand(tx, 'lock', 'lock credits as collateral in favour of a secured party until a date (they cannot move; the secured party releases or seizes; at expiry the ledger releases them)', 'number of credits (lowest serials first)')
      .requiredOption('--secured-party <account>', 'the lender (64 hex account id)', accountId)
      .requiredOption('--until <time>', 'expiry: an ISO date/time (2027-06-30, 2027-06-30T12:00:00Z) or milliseconds since the epoch', instant),
  ).action(async (options: TxOptions & SelectionOptions & { securedParty: string; until: number }) => {
    await sendAndPrint(options, (s) => s.send('credit.lock', build.creditLock({ ...selection(options), securedParty: options.securedParty, expiresAtMs: options.until }), waitOf(options)))
  })
  for (const [name, kind, description] of [
    ['release', 'credit.release', 'end a collateral lock (its secured party only): the credits are active again with their owner'],
    ['seize', 'credit.seize', 'take the credits of a collateral lock on default (its secured party only)'],
    ['mobilise', 'credit.mobilise', 'end an immobilisation (the registry that made it only)'],
  ] as const) {
    addTxOptions(tx.command(name).description(description).requiredOption('--lock <id>', 'lock id (the id of the transaction that created it)', hexId)).action(async (options: TxOptions & { lock: string }) => {
      await sendAndPrint(options, (s) => s.send(kind, { lockId: options.lock }, waitOf(options)))
    })
  }
  addTxOptions(
    tx
      .command('immobilise')
      .description('immobilise a serial range of a batch whoever holds it (its registry of record only)')
      .requiredOption('--batch <id>', 'batch id')
      .requiredOption('--range <start-end>', 'serial sub-range', range)
      .option('--reason <text>', 'reason', ''),
  ).action(async (options: TxOptions & { batch: string; range: { start: number; end: number }; reason: string }) => {
    await sendAndPrint(options, (s) => s.send('credit.immobilise', build.creditImmobilise({ batchId: options.batch, range: options.range, reason: options.reason }), waitOf(options)))
  })

  // Cash: amounts are integer minor units (cents for USD: --amount 12345 is USD 123.45).
  const amountHelp = 'amount in integer minor units of the currency (cents for USD: 12345 is 123.45)'
  addTxOptions(
    tx
      .command('mint')
      .description('mint cash into an account (the bank account only)')
      .requiredOption('--currency <code>', 'currency code, e.g. USD (3 to 12 uppercase letters or digits)', currency)
      .requiredOption('--to <account>', 'receiving account id (64 hex, see tonne keys show FILE)', accountId)
      .requiredOption('--amount <n>', amountHelp, positive),
  ).action(async (options: TxOptions & { currency: string; to: string; amount: number }) => {
    await sendAndPrint(options, (s) => s.send('cash.mint', build.cashMint({ currency: options.currency, to: options.to, amount: options.amount }), waitOf(options)))
  })
  addTxOptions(
    tx
      .command('burn')
      .description("burn cash from the bank's own balance (the bank account only; holders redeem with tx pay --to BANK)")
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .requiredOption('--amount <n>', amountHelp, positive),
  ).action(async (options: TxOptions & { currency: string; amount: number }) => {
    await sendAndPrint(options, (s) => s.send('cash.burn', build.cashBurn({ currency: options.currency, amount: options.amount }), waitOf(options)))
  })
  addTxOptions(
    tx
      .command('pay')
      .description('transfer cash you hold to another account')
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .requiredOption('--to <account>', 'receiving account id (64 hex, see tonne keys show FILE)', accountId)
      .requiredOption('--amount <n>', amountHelp, positive),
  ).action(async (options: TxOptions & { currency: string; to: string; amount: number }) => {
    await sendAndPrint(options, (s) => s.send('cash.transfer', build.cashTransfer({ currency: options.currency, to: options.to, amount: options.amount }), waitOf(options)))
  })

  // Delivery versus payment: prices are integer minor units per tonne (cents for USD: 1250 is USD 12.50 a tonne).
  addTxOptions(
    selectionCommand(tx, 'offer', 'offer credits for sale at a price per tonne: they are reserved until accepted, cancelled or expired', 'number of credits (lowest serials first)')
      .requiredOption('--price <n>', 'price per tonne in integer minor units (cents for USD: 1250 is 12.50)', positive)
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .option('--buyer <account>', 'the only account that may accept (default: anyone)', accountId)
      .requiredOption('--until <time>', 'expiry: YYYY-MM-DD, an ISO date-time with Z or an offset, or epoch ms', instant)
      .option('--disclose', 'let the trade price be shown (only if the buyer agrees too)', false),
  ).action(async (options: TxOptions & SelectionOptions & { price: number; currency: string; buyer?: string; until: number; disclose: boolean }) => {
    await sendAndPrint(options, (s) =>
      s.send('trade.offer', build.tradeOffer({ ...selection(options), pricePerTonne: options.price, currency: options.currency, buyer: options.buyer ?? '', expiresAtMs: options.until, disclosePrice: options.disclose }), waitOf(options)),
    )
  })
  addTxOptions(
    tx
      .command('accept')
      .description('accept an offer, whole or in part: you pay, the credits are yours, in one transaction')
      .requiredOption('--offer <id>', 'offer id (the id of the trade.offer transaction)', hexId)
      .option('--quantity <n>', 'take only n credits (lowest serials first); the rest stays offered (default: all that is left)', positive)
      .option('--disclose', 'let the trade price be shown (only if the seller agreed too)', false),
  ).action(async (options: TxOptions & { offer: string; quantity?: number; disclose: boolean }) => {
    await sendAndPrint(options, (s) => s.send('trade.accept', { offerId: options.offer, quantity: options.quantity ?? 0, disclosePrice: options.disclose }, waitOf(options)))
  })
  addTxOptions(
    tx.command('cancel-offer').description('withdraw your offer: its credits are released').requiredOption('--offer <id>', 'offer id', hexId),
  ).action(async (options: TxOptions & { offer: string }) => {
    await sendAndPrint(options, (s) => s.send('trade.cancel', { offerId: options.offer }, waitOf(options)))
  })
  addTxOptions(
    tx
      .command('swap')
      .description('settle a trade signed by both parties in one transaction: --key is the buyer (who sends it), --seller-key the seller (who co-signs the terms)')
      .requiredOption('--seller-key <file>', "the seller's key file")
      .requiredOption('--batch <id>', 'batch id')
      .option('--quantity <n>', 'number of credits (lowest serials first)', positive)
      .option('--range <start-end>', 'explicit serial sub-range', range)
      .requiredOption('--price <n>', 'price per tonne in integer minor units', positive)
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .requiredOption('--until <time>', 'the swap is valid in blocks up to this time', instant)
      .option('--disclose', 'both parties let the price be shown', false),
  ).action(async (options: TxOptions & SelectionOptions & { sellerKey: string; price: number; currency: string; until: number; disclose: boolean }) => {
    await sendAndPrint(options, (s) => {
      const seller = readKeyFile(options.sellerKey)
      const terms = build.swapTerms({ ...selection(options), seller: bytesToHex(seller.publicKey), buyer: s.accountId, pricePerTonne: options.price, currency: options.currency, expiresAtMs: options.until, discloseSeller: options.disclose, discloseBuyer: options.disclose })
      return s.send('trade.swap', signSwap(seller, s.chainId, terms), waitOf(options))
    })
  })

  // Portability between registries: a port both registries sign, and an import from a registry not on the ledger.
  addTxOptions(
    tx
      .command('port')
      .description('move the registry of record of a serial range to another registry (--key: an account of the current registry of record; the receiving registry co-signs with --to-key, or with --to-signer and --to-signature from tonne sign-port)')
      .requiredOption('--batch <id>', 'batch id')
      .requiredOption('--range <start-end>', 'serial sub-range (every unit active)', range)
      .requiredOption('--to-registry <code>', `receiving registry: ${REGISTRY_CODES.join(', ')}`, registryCode)
      .option('--from-registry <code>', "the current registry of record (default: the sender's registry)", registryCode)
      .option('--to-key <file>', "the receiving registry account's key file (signs the terms here)")
      .option('--to-signer <account>', 'the receiving registry account that signed (with --to-signature)', accountId)
      .option('--to-signature <hex>', 'its signature over the terms (tonne sign-port)', signatureHex)
      .requiredOption('--until <time>', 'the port is valid in blocks up to this time (the same value the receiver signed)', instant)
      .option('--reason <text>', 'reason', ''),
  ).action(async (options: TxOptions & { batch: string; range: { start: number; end: number }; toRegistry: RegistryCode; fromRegistry?: RegistryCode; toKey?: string; toSigner?: string; toSignature?: Uint8Array; until: number; reason: string }) => {
    if ((options.toKey === undefined) === (options.toSigner === undefined || options.toSignature === undefined)) throw new InvalidArgumentError('give --to-key, or both --to-signer and --to-signature')
    await sendAndPrint(options, async (s) => {
      const own = options.fromRegistry === undefined ? (await s.client.account(s.accountId)).registry : null
      if (options.fromRegistry === undefined && own === null) throw new InvalidArgumentError('the sender is not a registry account: give --from-registry')
      const fromRegistry = options.fromRegistry ?? registryCode(own as string)
      if (options.toKey !== undefined) {
        const receiver = readKeyFile(options.toKey)
        const terms = build.portTerms({ batchId: options.batch, range: options.range, fromRegistry, toRegistry: options.toRegistry, toSigner: bytesToHex(receiver.publicKey), expiresAtMs: options.until, reason: options.reason })
        return s.send('credit.port', signPort(receiver, s.chainId, terms), waitOf(options))
      }
      const terms = build.portTerms({ batchId: options.batch, range: options.range, fromRegistry, toRegistry: options.toRegistry, toSigner: options.toSigner as string, expiresAtMs: options.until, reason: options.reason })
      return s.send('credit.port', { ...terms, toSignature: options.toSignature as Uint8Array }, waitOf(options))
    })
  })
  addTxOptions(
    addBatchAttributeOptions(
    tx
      .command('import')
      .description('record credits taken over from a registry that is not on the ledger, in its numbering space; your registry becomes their registry of record (registry accounts only; the project must first be registered under your registry: tonne tx register-project)')
      .requiredOption('--registry <code>', 'your (the importing) registry code', registryCode)
      .requiredOption('--origin <code>', 'the registry the credits come from (2 to 16 uppercase letters, e.g. PURO)')
      .requiredOption('--project-id <id>', 'the project id, registered under your registry')
      .requiredOption('--space <space>', "the origin's numbering space: ORIGIN or ORIGIN/<segment>")
      .requiredOption('--range <start-end>', 'serial range', range),
    "the origin registry's original serial string",
  ).option('--to <account>', 'account receiving the credits (default: the importing registry)', accountId),
  ).action(async (options: TxOptions & { registry: RegistryCode; origin: string; projectId: string; space: string; range: { start: number; end: number }; vintageStart: string; vintageEnd: string; unitType: string; label: string[]; serial: string; to?: string }) => {
    await sendAndPrint(options, (s) =>
      s.send(
        'batch.import',
        build.batchImport({ registry: options.registry, origin: options.origin, projectId: options.projectId, space: options.space, serialStart: options.range.start, serialEnd: options.range.end, vintageStart: options.vintageStart, vintageEnd: options.vintageEnd, unitType: options.unitType, labels: options.label, originalSerial: options.serial, to: options.to ?? '' }),
        waitOf(options),
      ),
    )
  })

  addTxOptions(
    tx
      .command('offtake')
      .description('agree an offtake / prepayment both parties sign: --key is the financier (who sends it and pays), --developer-key the developer (who co-signs the terms); later batches the registry issues to the developer for the project deliver to the financier')
      .requiredOption('--developer-key <file>', "the developer's key file")
      .requiredOption('--registry <code>', 'registry code')
      .requiredOption('--project-id <id>', "the registry's project id")
      .requiredOption('--quantity <n>', 'tonnes to deliver', positive)
      .requiredOption('--price <n>', 'price per tonne in integer minor units (cents for USD)', positive)
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .option('--prepaid <n>', 'paid to the developer at once, integer minor units (at most quantity x price)', integer, 0)
      .requiredOption('--due <time>', 'delivery due date: YYYY-MM-DD, an ISO date-time with Z or an offset, or epoch ms', instant)
      .option('--until <time>', 'the terms can be agreed in blocks up to this time (default: the due date)', instant),
  ).action(async (options: TxOptions & { developerKey: string; registry: RegistryCode; projectId: string; quantity: number; price: number; currency: string; prepaid: number; due: number; until?: number }) => {
    await sendAndPrint(options, async (s) => {
      const developer = readKeyFile(options.developerKey)
      const terms = build.offtakeTerms({ financier: s.accountId, developer: bytesToHex(developer.publicKey), registry: options.registry, projectId: options.projectId, quantity: options.quantity, pricePerTonne: options.price, currency: options.currency, prepaid: options.prepaid, dueAtMs: options.due, ...(options.until === undefined ? {} : { expiresAtMs: options.until }) })
      return { ...(await s.send('offtake.agree', signOfftake(developer, s.chainId, terms), waitOf(options))), offtakeId: offtakeIdOf(s.chainId, terms) }
    })
  })

  addTxOptions(
    tx
      .command('cancel-offtake')
      .description('end an open offtake agreement both parties sign: --key is the financier (who sends it and gets the escrow back), --developer-key the developer (who co-signs and pays back --refund)')
      .requiredOption('--developer-key <file>', "the developer's key file")
      .requiredOption('--offtake <id>', 'offtake id (printed by tonne tx offtake)', hexId)
      .option('--refund <n>', 'what the developer pays back, integer minor units', integer, 0),
  ).action(async (options: TxOptions & { developerKey: string; offtake: string; refund: number }) => {
    await sendAndPrint(options, (s) => s.send('offtake.cancel', signOfftakeCancel(readKeyFile(options.developerKey), s.chainId, { offtakeId: options.offtake, refund: options.refund }), waitOf(options)))
  })

  addTxOptions(
    tx
      .command('rate')
      .description("rate a project (rating agency accounts only: genesis role 'rating'); a later rating by the same agency supersedes its earlier one")
      .requiredOption('--registry <code>', 'registry code')
      .requiredOption('--project-id <id>', "the registry's project id")
      .requiredOption('--scale <scale>', 'rating scale, e.g. "BeZero Carbon Rating (AAA-D)"')
      .requiredOption('--grade <grade>', 'grade on that scale, e.g. A')
      .requiredOption('--rated-on <date>', 'date of the rating, YYYY-MM-DD', calendarDate)
      .requiredOption('--report-uri <uri>', 'where the rating report is published (https://..., ipfs://...)'),
  ).action(async (options: TxOptions & { registry: RegistryCode; projectId: string; scale: string; grade: string; ratedOn: string; reportUri: string }) => {
    await sendAndPrint(options, (s) =>
      s.send('project.rate', build.projectRate({ registry: options.registry, projectId: options.projectId, scale: options.scale, grade: options.grade, ratedOn: options.ratedOn, reportUri: options.reportUri }), waitOf(options)),
    )
  })
  addTxOptions(
    tx
      .command('attest')
      .description("attest digital MRV data of a project for a monitoring period (verifier accounts only: genesis role 'verifier')")
      .requiredOption('--registry <code>', 'registry code')
      .requiredOption('--project-id <id>', "the registry's project id")
      .requiredOption('--period-start <date>', 'first day of the monitoring period, YYYY-MM-DD', calendarDate)
      .requiredOption('--period-end <date>', 'last day of the monitoring period, YYYY-MM-DD', calendarDate)
      .requiredOption('--measured-tonnes <n>', 'measured reductions or removals, in whole tonnes of CO2e', integer)
      .option('--data-hash <hex>', 'sha256 of the MRV data set (64 hex)', sha256Hex)
      .option('--data-file <file>', 'the MRV data set itself: its sha256 is computed here (instead of --data-hash)')
      .requiredOption('--data-uri <uri>', 'where the data set is published (https://..., ipfs://...)'),
  ).action(async (options: TxOptions & { registry: RegistryCode; projectId: string; periodStart: string; periodEnd: string; measuredTonnes: number; dataHash?: string; dataFile?: string; dataUri: string }) => {
    if ((options.dataHash === undefined) === (options.dataFile === undefined)) throw new InvalidArgumentError('give exactly one of --data-hash and --data-file')
    const dataHash = options.dataHash ?? createHash('sha256').update(readFileSync(options.dataFile as string)).digest('hex')
    await sendAndPrint(options, (s) =>
      s.send(
        'project.attest',
        build.projectAttest({ registry: options.registry, projectId: options.projectId, periodStart: options.periodStart, periodEnd: options.periodEnd, measuredTonnes: options.measuredTonnes, dataHash, dataUri: options.dataUri }),
        waitOf(options),
      ),
    )
  })

  addNodeOption(
    program
      .command('sign-port')
      .description("the receiving registry's half of a port: sign the terms and print the signature for the current registry of record to send (tonne tx port --to-signer --to-signature); nothing is submitted")
      .requiredOption('--key <file>', "the receiving registry account's key file")
      .requiredOption('--batch <id>', 'batch id')
      .requiredOption('--range <start-end>', 'serial sub-range', range)
      .requiredOption('--from-registry <code>', 'the current registry of record', registryCode)
      .requiredOption('--to-registry <code>', 'your (the receiving) registry', registryCode)
      .requiredOption('--until <time>', 'the port is valid in blocks up to this time', instant)
      .option('--reason <text>', 'reason', '')
      .option('--chain-id <id>', 'the chain id (default: read from --node)'),
  ).action(async (options: NodeOptions & { key: string; batch: string; range: { start: number; end: number }; fromRegistry: RegistryCode; toRegistry: RegistryCode; until: number; reason: string; chainId?: string }) => {
    const receiver = readKeyFile(options.key)
    const chainId = options.chainId ?? (await new TonneClient(options.node).status()).chainId
    const terms = build.portTerms({ batchId: options.batch, range: options.range, fromRegistry: options.fromRegistry, toRegistry: options.toRegistry, toSigner: bytesToHex(receiver.publicKey), expiresAtMs: options.until, reason: options.reason })
    const body = signPort(receiver, chainId, terms)
    print({ chainId, terms, toSigner: body.toSigner, toSignature: bytesToHex(body.toSignature) })
  })

  addNodeOption(
    program
      .command('verify-beneficiary')
      .description('check a beneficiary name and salt against the commitment of a private retirement (read from the node; the name and salt are checked here and never sent)')
      .requiredOption('--tx <id>', 'id of the credit.retire-private transaction', hexId)
      .requiredOption('--name <name>', 'the beneficiary name')
      .requiredOption('--salt <hex>', 'the salt printed by tonne tx retire --private-beneficiary (64 hex)'),
  ).action(async (options: NodeOptions & { tx: string; name: string; salt: string }) => {
    const verdict = await new TonneClient(options.node).verifyBeneficiary(options.tx, options.name, options.salt)
    print(verdict)
    if (!verdict.matches) process.exitCode = 1
  })

  // Fractions: amounts are exact decimals (tonnes by default, or kg / g), turned into integer parts of 1/1_000_000 t.
  addTxOptions(
    selectionCommand(tx, 'fractionalise', 'turn whole credits of a batch into parts (1_000_000 per tonne) that keep their serials', 'number of credits (lowest serials first)'),
  ).action(async (options: TxOptions & SelectionOptions) => {
    await sendAndPrint(options, (s) => s.send('credit.fractionalise', build.creditFractionalise(selection(options)), waitOf(options)))
  })
  addTxOptions(
    tx
      .command('fraction-transfer')
      .description('move an amount of a batch\'s fractions to another account (lowest serials first)')
      .requiredOption('--batch <id>', 'batch id')
      .requiredOption('--amount <amount>', 'e.g. 0.25 (tonnes), 250kg, 1.000001t', amount)
      .requiredOption('--to <account>', 'receiving account id', accountId)
      .option('--from-serial <serial>', 'take parts of this serial and higher ones only', positive),
  ).action(async (options: TxOptions & { batch: string; amount: number; to: string; fromSerial?: number }) => {
    await sendAndPrint(options, (s) => s.send('fraction.transfer', build.fractionTransfer({ batchId: options.batch, amount: options.amount, to: options.to, fromSerial: options.fromSerial ?? 0 }), waitOf(options)))
  })
  addTxOptions(
    tx
      .command('fraction-retire')
      .description('retire an amount of a batch\'s fractions; the retirement lists the serials and parts')
      .requiredOption('--batch <id>', 'batch id')
      .requiredOption('--amount <amount>', 'e.g. 0.25 (tonnes), 250kg', amount)
      .option('--from-serial <serial>', 'take parts of this serial and higher ones only', positive)
      .option('--beneficiary <name>', 'on whose behalf', '')
      .option('--purpose <text>', 'purpose of the retirement', '')
      .option('--reason <text>', 'reason', ''),
  ).action(async (options: TxOptions & { batch: string; amount: number; fromSerial?: number; beneficiary: string; purpose: string; reason: string }) => {
    await sendAndPrint(options, (s) => s.send('fraction.retire', build.fractionRetire({ batchId: options.batch, amount: options.amount, fromSerial: options.fromSerial ?? 0, beneficiary: options.beneficiary, purpose: options.purpose, reason: options.reason }), waitOf(options)))
  })
  addTxOptions(
    selectionCommand(tx, 'recombine', 'get whole credits back from serials whose every part you hold', 'number of credits (your lowest fully held serials)'),
  ).action(async (options: TxOptions & SelectionOptions) => {
    await sendAndPrint(options, (s) => s.send('credit.recombine', build.creditRecombine(selection(options)), waitOf(options)))
  })
  // Composites: classes of units of one tonne made of fractions that meet the class's rules.
  const unitList = (value: string): number[] => {
    if (!/^\d+(,\d+)*$/.test(value)) throw new InvalidArgumentError('expected unit numbers separated by commas, e.g. 1,2,5')
    return value.split(',').map((part) => positive(part))
  }
  const compositeUnits = (options: { class: string; quantity?: number; units?: number[] }): build.CompositeUnits => {
    if ((options.quantity === undefined) === (options.units === undefined)) throw new InvalidArgumentError('give exactly one of --quantity and --units')
    return options.units !== undefined ? { classId: options.class, units: options.units } : { classId: options.class, quantity: options.quantity as number }
  }
  const collect = (value: string, previous: string[]): string[] => [...previous, value]
  addTxOptions(
    tx
      .command('composite-define')
      .description('define a composite asset class and the rules its components must share')
      .requiredOption('--class <id>', 'class id of your choosing (letters, digits, "_", "." and "-")')
      .requiredOption('--name <name>', 'name of the class')
      .option('--removal-only', 'only removals (ACR "Verified Removal", CAR "Reduction/Removal" = Removal)', false)
      .option('--vintage-from <year>', 'vintage year from which components qualify', integer)
      .option('--methodology <m>', 'an allowed methodology (repeat for more; none: any)', collect, [])
      .option('--country <c>', 'an allowed country (repeat for more; none: any)', collect, []),
  ).action(async (options: TxOptions & { class: string; name: string; removalOnly: boolean; vintageFrom?: number; methodology: string[]; country: string[] }) => {
    await sendAndPrint(options, (s) => s.send('composite.define', build.compositeDefine({ classId: options.class, name: options.name, rules: { removalOnly: options.removalOnly, vintageFrom: options.vintageFrom ?? 0, methodologies: options.methodology, countries: options.country } }), waitOf(options)))
  })
  addTxOptions(
    tx
      .command('composite-mint')
      .description('deposit fractions of batches meeting the class rules (summing to whole tonnes) and receive composite units')
      .requiredOption('--class <id>', 'composite class id')
      .requiredOption('--deposit <batch=amount>', 'a batch and an amount of its fractions, e.g. VCS:1-10=0.5 (repeat for more)', collect, []),
  ).action(async (options: TxOptions & { class: string; deposit: string[] }) => {
    const deposits = options.deposit.map((entry) => {
      const at = entry.lastIndexOf('=')
      if (at < 1) throw new InvalidArgumentError(`--deposit ${entry}: expected BATCH_ID=AMOUNT`)
      return { batchId: entry.slice(0, at), amount: amount(entry.slice(at + 1)) }
    })
    await sendAndPrint(options, (s) => s.send('composite.mint', build.compositeMint({ classId: options.class, deposits }), waitOf(options)))
  })
  for (const [name, kind, description] of [
    ['composite-redeem', 'composite.redeem', 'dissolve composite units back into their component fractions'],
    ['composite-retire', 'composite.retire', 'retire composite units: their components are retired'],
    ['composite-transfer', 'composite.transfer', 'transfer composite units'],
  ] as const) {
    const command = tx
      .command(name)
      .description(description)
      .requiredOption('--class <id>', 'composite class id')
      .option('--quantity <n>', 'number of units (your lowest-numbered first)', positive)
      .option('--units <list>', 'unit numbers, e.g. 1,2,5', unitList)
    if (kind === 'composite.transfer') command.requiredOption('--to <account>', 'receiving account id', accountId)
    if (kind === 'composite.retire') command.option('--beneficiary <name>', 'on whose behalf', '').option('--purpose <text>', 'purpose', '').option('--reason <text>', 'reason', '')
    addTxOptions(command).action(async (options: TxOptions & { class: string; quantity?: number; units?: number[]; to?: string; beneficiary?: string; purpose?: string; reason?: string }) => {
      const selected = compositeUnits(options)
      await sendAndPrint(options, (s) => {
        const wait = options.wait ? ({ wait: 'commit' } as const) : {}
        if (kind === 'composite.transfer') return s.send(kind, build.compositeTransfer({ ...selected, to: options.to as string }), wait)
        if (kind === 'composite.retire') return s.send(kind, build.compositeRetire({ ...selected, beneficiary: options.beneficiary ?? '', purpose: options.purpose ?? '', reason: options.reason ?? '' }), wait)
        return s.send(kind, build.compositeRedeem(selected), wait)
      })
    })
  }

  const query = program.command('query').description('read from a node')
  const queryCommand = (name: string, description: string, run: (client: TonneClient, ...args: string[]) => Promise<unknown>, args: string[] = []): void => {
    const command = addNodeOption(query.command(name).description(description))
    for (const argument of args) command.argument(`<${argument}>`)
    command.action(async (...received: unknown[]) => {
      const options = received[args.length] as NodeOptions
      print(await run(new TonneClient(options.node), ...(received.slice(0, args.length) as string[])))
    })
  }
  queryCommand('status', 'node status: chain, height, app hash, peers', (client) => client.status())
  queryCommand('tx', 'status and result of a transaction', (client, id) => client.tx(id as string), ['id'])
  queryCommand('block', 'a block with its transactions, results and commit certificate', (client, height) => client.block(height === 'latest' ? 'latest' : integerArgument('height', height as string, ' (or latest)')), ['height'])
  queryCommand('account', 'role and nonce of an account', (client, id) => client.account(id as string), ['account'])
  queryCommand('holdings', 'credits held by an account', (client, id) => client.holdings(id as string), ['account'])
  queryCommand('locks', 'live locks an account is owner, secured party or holder of', (client, id) => client.locksOf(id as string), ['account'])
  queryCommand('lock', 'one live lock', (client, id) => client.lock(id as string), ['lockId'])
  queryCommand('offer', 'one live offer', (client, id) => client.offer(id as string), ['offerId'])
  queryCommand('offtake', 'one offtake agreement (open, delivered, defaulted or cancelled) with its deliveries', (client, id) => client.offtake(hexId(id as string)), ['offtakeId'])
  queryCommand('offtakes', 'offtake agreements an account is financier or developer of (the first 1000)', (client, id) => client.offtakesOf(accountId(id as string), { limit: 1_000 }), ['account'])
  queryCommand('project-offtakes', 'offtake agreements on a project (the first 1000)', (client, registry, id) => client.projectOfftakes(registry as string, id as string, { limit: 1_000 }), ['registry', 'projectId'])
  addNodeOption(
    query
      .command('prices')
      .description('price statistics of settled trades: volume, count, VWAP, min/max, and the prices both parties disclosed')
      .requiredOption('--currency <code>', 'currency code, e.g. USD', currency)
      .option('--registry <code>', 'VCS, GS, ACR, CAR, CERCARBONO')
      .option('--methodology <id>', 'the project methodology, e.g. VM0015')
      .option('--sector <text>', 'the project type (sector)')
      .option('--country <text>', 'the project country')
      .option('--vintage <year>', 'vintage start year, e.g. 2020')
      .option('--from <time>', 'trades at or after this time', instant)
      .option('--to <time>', 'trades at or before this time', instant),
  ).action(async (options: NodeOptions & { currency: string; registry?: string; methodology?: string; sector?: string; country?: string; vintage?: string; from?: number; to?: number }) => {
    const { node, from, to, ...filter } = options
    print(await new TonneClient(node).prices({ ...filter, ...(from === undefined ? {} : { fromMs: from }), ...(to === undefined ? {} : { toMs: to }) }))
  })
  queryCommand('fractions', 'fractions an account holds (integer parts, 1_000_000 per tonne)', (client, id) => client.fractions(accountId(id as string)), ['account'])
  queryCommand('batch-fractions', 'fractionalised serials of a batch: holders and retired parts', (client, id) => client.batchFractions(id as string), ['batchId'])
  queryCommand('serial-fractions', 'one fractionalised serial: holders and retired parts', (client, id, serial) => client.serialFractions(id as string, positive(serial as string)), ['batchId', 'serial'])
  queryCommand('fraction-retirement', 'a fractional retirement: the serials and parts it retired', (client, id) => client.fractionRetirement(hexId(id as string)), ['txId'])
  queryCommand('composite', 'a composite class: rules, units outstanding, custody, projects behind it', (client, id) => client.composite(id as string), ['classId'])
  queryCommand('composite-unit', 'one composite unit with its look-through to batches, serials and projects', (client, id, n) => client.compositeUnit(id as string, positive(n as string)), ['classId', 'n'])
  queryCommand('composite-units', 'the units of a composite class, with their look-through', (client, id) => client.compositeUnits(id as string), ['classId'])
  queryCommand('composites', 'the live composite units an account holds', (client, id) => client.compositesOf(accountId(id as string)), ['account'])
  queryCommand('balances', 'cash balances of an account, every currency (integer minor units)', (client, id) => client.balances(accountId(id as string)), ['account'])
  queryCommand('cash', 'total supply (integer minor units) and number of holders of a currency', (client, code) => client.cash(currency(code as string)), ['currency'])
  queryCommand('private-retirement', 'a private retirement: its beneficiary commitment and retire events', (client, id) => client.privateRetirement(id as string), ['txId'])
  queryCommand('project', 'one project, with its ratings and MRV attestations', (client, registry, id) => client.project(registry as string, id as string), ['registry', 'projectId'])
  queryCommand('batch', 'one batch with its supply by status and the registry of record of each serial range', (client, id) => client.batch(id as string), ['batchId'])
  queryCommand('provenance', 'the history of a serial: issuance, each owner, retirement', (client, space, serial) => client.provenance({ space: space as string, serial: integerArgument('serial', serial as string) }), ['space', 'serial'])
  for (const [name, description] of [
    ['projects', 'registered projects, a page at a time (the answer\'s `next` is the cursor for --after)'],
    ['batches', 'issued batches, a page at a time (the answer\'s `next` is the cursor for --after)'],
  ] as const) {
    addNodeOption(query.command(name).description(description).option('--limit <n>', 'items per page (at most 1000)', positive).option('--after <cursor>', 'the `next` cursor of a previous page')).action(
      async (options: NodeOptions & { limit?: number; after?: string }) => {
        const client = new TonneClient(options.node)
        const page = { ...(options.limit === undefined ? {} : { limit: options.limit }), ...(options.after === undefined ? {} : { after: options.after }) }
        print(await (name === 'projects' ? client.projects(page) : client.batches(page)))
      },
    )
  }
  addNodeOption(
    query
      .command('evidence')
      .description('evidence of equivocation: committed (with the block that included it) and pending on this node; or one item by id')
      .argument('[id]', 'evidence id (64 hex)')
      .option('--limit <n>', 'items per page', positive)
      .option('--after <cursor>', 'the `next` cursor of a previous page'),
  ).action(async (id: string | undefined, options: NodeOptions & { limit?: number; after?: string }) => {
    const client = new TonneClient(options.node)
    if (id !== undefined) print(await client.evidenceById(id))
    else print(await client.evidence({ ...(options.limit === undefined ? {} : { limit: options.limit }), ...(options.after === undefined ? {} : { after: options.after }) }))
  })

  addNodeOption(
    program
      .command('import')
      .description('import a registry export (projects, issuances, retirements, cancellations) as ledger transactions')
      .requiredOption('--registry <name>', 'verra | gold-standard | acr | car | cercarbono')
      .requiredOption('--key <file>', "key file of that registry's account")
      .argument('<files...>', 'CSV files of the export'),
  ).action(async (files: string[], options: NodeOptions & { registry: string; key: string }) => {
    const summary = await runImport({ node: options.node, registry: options.registry, keyFile: options.key, files: files.map((path) => ({ path, text: readFileSync(path, 'utf8') })) })
    print(summary)
    if (summary.parseErrors.length > 0 || summary.rejected > 0) process.exitCode = 1
  })

  program
    .command('demo')
    .description('run four validator nodes on loopback, import the sample registry exports, trade, retire and check agreement')
    .option('--out <dir>', 'folder for the demo testnet (default: a new temporary folder)')
    .option('--keep', 'leave the nodes running and print how to reach them', false)
    .action(async (options: { out?: string; keep: boolean }) => {
      const { runDemo } = await import('./demo.ts')
      process.exitCode = await runDemo(options)
    })

  program
    .command('bench')
    .description('drive a local 4-node cluster with pre-signed transfers; print transactions per second and commit latency')
    .option('--txs <n>', 'number of transfers', integer, 2000)
    .action(async (options: { txs: number }) => {
      const { runBench } = await import('../bench/bench.ts')
      process.exitCode = await runBench(options)
    })

  return program
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (error) {
    if (error instanceof HttpError) process.stderr.write(`error: ${error.code}: ${error.message}\n`)
    else process.stderr.write(`error: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
