// Four real node processes on loopback: transactions through the CLI and the client, kill -9 of one node while
// the other three keep committing, restart and catch-up to the same height and app hash.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Signer } from '../../client/http.ts'
import { readKeyFile } from '../../client/keys.ts'
import * as build from '../../client/builders.ts'
import { Cluster } from '../../cli/cluster.ts'
import { registryAccountName } from '../../cli/testnet.ts'

const run = promisify(execFile)
const tonne = join(import.meta.dirname, '..', '..', 'bin', 'tonne.js')

describe('a four-validator cluster of real processes', { timeout: 240_000 }, () => {
  let out: string
  let cluster: Cluster

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tonne-e2e-'))
    cluster = await Cluster.create(join(out, 'testnet'), 4, 'tonne-e2e')
    cluster.startAll()
    await cluster.waitForHeight(1)
  }, 120_000)

  afterAll(async () => {
    await cluster?.stopAll()
    rmSync(out, { recursive: true, force: true })
  })

  const registryKey = (): string => cluster.testnet.accountKeys[registryAccountName('VCS')] as string
  const node = (index: number): Cluster['nodes'][number] => cluster.nodes[index] as Cluster['nodes'][number]

  it('commits transactions submitted through the CLI and shows them on every node', async () => {
    const register = await run(process.execPath, [tonne, 'tx', 'register-project', '--node', node(0).apiUrl, '--key', registryKey(), '--registry', 'VCS', '--project-id', '1340', '--name', 'Bale Mountains Eco-region REDD+ project', '--country', 'Ethiopia'])
    const registered = JSON.parse(register.stdout) as { status: string; result: { name: string }; height: number }
    expect(registered).toMatchObject({ status: 'committed', result: { name: 'OK' } })
    const issue = await run(process.execPath, [tonne, 'tx', 'issue', '--node', node(1).apiUrl, '--key', registryKey(), '--registry', 'VCS', '--project-id', '1340', '--space', 'VCS', '--range', '941467007-941467431', '--unit-type', 'VCU', '--serial', '19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1'])
    expect(JSON.parse(issue.stdout)).toMatchObject({ status: 'committed', result: { name: 'OK' } })
    // The same serial range again is rejected with a stable code, and the CLI exits non-zero.
    const again = await run(process.execPath, [tonne, 'tx', 'issue', '--node', node(2).apiUrl, '--key', registryKey(), '--registry', 'VCS', '--project-id', '1340', '--space', 'VCS', '--range', '941467400-941467500']).catch((error: { stdout: string; code: number }) => error)
    expect((again as { code?: number }).code).toBe(1)
    expect(JSON.parse((again as { stdout: string }).stdout)).toMatchObject({ status: 'committed', result: { name: 'SERIAL_OVERLAP' } })
    const query = await run(process.execPath, [tonne, 'query', 'batch', '--node', node(3).apiUrl, 'VCS:941467007-941467431'])
    expect(JSON.parse(query.stdout)).toMatchObject({ batchId: 'VCS:941467007-941467431', originalSerial: '19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1' })
    // Paging from the CLI: one project per page, the second page after the first one's cursor.
    await run(process.execPath, [tonne, 'tx', 'register-project', '--node', node(0).apiUrl, '--key', registryKey(), '--registry', 'VCS', '--project-id', '1341', '--name', 'A second project'])
    const first = JSON.parse((await run(process.execPath, [tonne, 'query', 'projects', '--node', node(2).apiUrl, '--limit', '1'])).stdout) as { items: { projectId: string }[]; next: string | null }
    expect(first.items.map((item) => item.projectId)).toEqual(['1340'])
    expect(first.next).not.toBeNull()
    const second = JSON.parse((await run(process.execPath, [tonne, 'query', 'projects', '--node', node(2).apiUrl, '--limit', '1', '--after', first.next as string])).stdout) as { items: { projectId: string }[] }
    expect(second.items.map((item) => item.projectId)).toEqual(['1341'])
  })

  it('mints, pays and burns cash through the CLI, and every node reports the same balances and supply', async () => {
    const key = (name: string): string => cluster.testnet.accountKeys[name] as string
    const id = (name: string): string => cluster.testnet.genesis.accounts.find((account) => account.name === name)?.publicKey as string
    const cli = async (...args: string[]): Promise<{ code: number; json: { result?: { name: string } } & Record<string, unknown> }> => {
      const outcome = await run(process.execPath, [tonne, ...args]).then((done) => ({ code: 0, stdout: done.stdout }), (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }))
      return { code: outcome.code, json: JSON.parse(outcome.stdout) as { result?: { name: string } } & Record<string, unknown> }
    }
    expect((await cli('tx', 'mint', '--node', node(1).apiUrl, '--key', key('bank'), '--currency', 'USD', '--to', id('marketplace'), '--amount', '100000')).json.result?.name).toBe('OK')
    expect((await cli('tx', 'pay', '--node', node(2).apiUrl, '--key', key('marketplace'), '--currency', 'USD', '--to', id('bank'), '--amount', '2500')).json.result?.name).toBe('OK')
    expect((await cli('tx', 'burn', '--node', node(1).apiUrl, '--key', key('bank'), '--currency', 'USD', '--amount', '1000')).json.result?.name).toBe('OK')
    // Rejections exit 1 with their code: the marketplace cannot mint, nor pay more than it holds.
    const notBank = await cli('tx', 'mint', '--node', node(0).apiUrl, '--key', key('marketplace'), '--currency', 'USD', '--to', id('marketplace'), '--amount', '1')
    expect({ code: notBank.code, name: notBank.json.result?.name }).toEqual({ code: 1, name: 'WRONG_ROLE' })
    const overdraft = await cli('tx', 'pay', '--node', node(3).apiUrl, '--key', key('marketplace'), '--currency', 'USD', '--to', id('bank'), '--amount', '97501')
    expect({ code: overdraft.code, name: overdraft.json.result?.name }).toEqual({ code: 1, name: 'INSUFFICIENT_FUNDS' })
    await cluster.waitForHeight(Math.max(...(await Promise.all(cluster.nodes.map((entry) => cluster.status(entry.index)))).map((status) => status?.height ?? 0)))
    for (const index of [0, 1, 2, 3]) {
      expect((await cli('query', 'balances', '--node', node(index).apiUrl, id('marketplace'))).json).toEqual({ account: id('marketplace'), balances: [{ currency: 'USD', amount: 97_500 }], next: null })
      expect((await cli('query', 'balances', '--node', node(index).apiUrl, id('bank'))).json).toMatchObject({ balances: [{ currency: 'USD', amount: 1_500 }] })
      expect((await cli('query', 'cash', '--node', node(index).apiUrl, 'USD')).json).toEqual({ currency: 'USD', supply: 99_000, holders: 2 })
    }
  })

  it('keeps committing with one node killed (-9), and the restarted node catches up to the same app hash', async () => {
    const chainId = cluster.testnet.genesis.chainId
    const registry = new Signer(readKeyFile(registryKey()), chainId, node(1).client)
    const marketplace = cluster.testnet.genesis.accounts.find((account) => account.name === 'marketplace')?.publicKey as string
    cluster.kill(3)
    const before = (await cluster.waitForHeight(1, [0, 1, 2]))[0]!.height
    const transfers = []
    for (let index = 0; index < 5; index += 1) {
      transfers.push(await registry.send('credit.transfer', build.creditTransfer({ batchId: 'VCS:941467007-941467431', quantity: 10, to: marketplace }), { wait: 'commit' }))
    }
    for (const transfer of transfers) expect(`${transfer.status} ${transfer.result?.name} ${transfer.result?.message}`).toMatch(/^committed OK /)
    const during = await cluster.waitForHeight(before + 3, [0, 1, 2])
    expect(Math.min(...during.map((status) => status.height))).toBeGreaterThan(before)
    expect(await cluster.status(3)).toBeNull()

    cluster.start(3)
    const target = Math.max(...(await cluster.waitForHeight(1, [0, 1, 2])).map((status) => status.height))
    await cluster.waitForHeight(target, [3], 60_000)
    const agreement = await cluster.agreement()
    expect(agreement.agreeing).toBe(4)
    const holdings = await node(3).client.holdings(marketplace)
    expect(holdings.batches.find((batch) => batch.batchId === 'VCS:941467007-941467431')?.totals.active).toBe(50)
  })

  it('settles an offer and a swap, and locks and releases credits, through the CLI; every node reports the same prices', async () => {
    const key = (name: string): string => cluster.testnet.accountKeys[name] as string
    const id = (name: string): string => cluster.testnet.genesis.accounts.find((account) => account.name === name)?.publicKey as string
    const cli = async (...args: string[]): Promise<{ code: number; json: { id?: string; result?: { name: string } } & Record<string, unknown> }> => {
      const outcome = await run(process.execPath, [tonne, ...args]).then((done) => ({ code: 0, stdout: done.stdout }), (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }))
      return { code: outcome.code, json: JSON.parse(outcome.stdout) as { id?: string; result?: { name: string } } & Record<string, unknown> }
    }
    const batch = 'VCS:941467007-941467431'
    // Expiries must be within LOCK_DURATION_MS_MAX (10 years) of the block time: a date a year from now.
    const nextYear = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10)
    const offer = await cli('tx', 'offer', '--node', node(0).apiUrl, '--key', registryKey(), '--batch', batch, '--quantity', '10', '--price', '1000', '--currency', 'USD', '--buyer', id('marketplace'), '--until', nextYear, '--disclose')
    expect(offer.json.result?.name).toBe('OK')
    expect((await cli('tx', 'accept', '--node', node(2).apiUrl, '--key', key('marketplace'), '--offer', offer.json.id as string, '--disclose')).json.result?.name).toBe('OK')
    const swap = await cli('tx', 'swap', '--node', node(3).apiUrl, '--key', key('marketplace'), '--seller-key', registryKey(), '--batch', batch, '--quantity', '5', '--price', '900', '--currency', 'USD', '--until', nextYear)
    expect(swap.json.result?.name).toBe('OK')
    const lock = await cli('tx', 'lock', '--node', node(1).apiUrl, '--key', key('marketplace'), '--batch', batch, '--quantity', '5', '--secured-party', id('bank'), '--until', nextYear)
    expect(lock.json.result?.name).toBe('OK')
    const refused = await cli('tx', 'release', '--node', node(1).apiUrl, '--key', key('marketplace'), '--lock', lock.json.id as string)
    expect({ code: refused.code, name: refused.json.result?.name }).toEqual({ code: 1, name: 'NOT_LOCK_PARTY' })
    expect((await cli('tx', 'release', '--node', node(1).apiUrl, '--key', key('bank'), '--lock', lock.json.id as string)).json.result?.name).toBe('OK')
    await cluster.waitForHeight(Math.max(...(await Promise.all(cluster.nodes.map((entry) => cluster.status(entry.index)))).map((status) => status?.height ?? 0)))
    for (const index of [0, 1, 2, 3]) {
      expect((await cli('query', 'prices', '--node', node(index).apiUrl, '--currency', 'USD', '--registry', 'VCS')).json).toMatchObject({ count: 2, volume: 15, notional: String(10 * 1_000 + 5 * 900), minPerTonne: 900, maxPerTonne: 1_000, disclosed: [{ quantity: 10, pricePerTonne: 1_000 }] })
    }
  })

  it('rates, attests and retires for a private beneficiary through the CLI, and proves the beneficiary', async () => {
    const keyOf = (name: string): string => cluster.testnet.accountKeys[name] as string
    const cli = (...args: string[]) => run(process.execPath, [tonne, ...args]).catch((error: { stdout: string; code: number }) => error) as Promise<{ stdout: string; code?: number }>
    const rate = await cli('tx', 'rate', '--node', node(3).apiUrl, '--key', keyOf('rating-agency'), '--registry', 'VCS', '--project-id', '1340', '--scale', 'BeZero Carbon Rating (AAA-D)', '--grade', 'A', '--rated-on', '2025-01-15', '--report-uri', 'https://example.org/r/1340')
    expect(JSON.parse(rate.stdout)).toMatchObject({ status: 'committed', result: { name: 'OK' } })
    // The bank is not a rating agency.
    const refused = await cli('tx', 'rate', '--node', node(1).apiUrl, '--key', keyOf('bank'), '--registry', 'VCS', '--project-id', '1340', '--scale', 'x', '--grade', 'A', '--rated-on', '2025-01-15', '--report-uri', 'https://example.org/x')
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ result: { name: 'WRONG_ROLE' } })
    const dataFile = join(out, 'mrv-2024.json')
    writeFileSync(dataFile, '{"tonnes":182344}\n')
    const attest = await cli('tx', 'attest', '--node', node(2).apiUrl, '--key', keyOf('verifier'), '--registry', 'VCS', '--project-id', '1340', '--period-start', '2024-01-01', '--period-end', '2024-12-31', '--measured-tonnes', '182344', '--data-file', dataFile, '--data-uri', 'https://example.org/mrv-2024.json')
    expect(JSON.parse(attest.stdout)).toMatchObject({ status: 'committed', result: { name: 'OK' } })
    const project = JSON.parse((await cli('query', 'project', '--node', node(0).apiUrl, 'VCS', '1340')).stdout) as { quality: { ratings: { grade: string }[]; attestations: { dataHash: string }[] } }
    expect(project.quality.ratings.map((rating) => rating.grade)).toEqual(['A'])
    expect(project.quality.attestations.map((attestation) => attestation.dataHash)).toEqual([createHash('sha256').update('{"tonnes":182344}\n').digest('hex')])

    const retire = await cli('tx', 'retire', '--node', node(1).apiUrl, '--key', registryKey(), '--batch', 'VCS:941467007-941467431', '--quantity', '5', '--private-beneficiary', 'Acme Reisen GmbH', '--purpose', 'Voluntary')
    const retired = JSON.parse(retire.stdout) as { id: string; result: { name: string }; privateBeneficiary: { salt: string; beneficiaryCommitment: string } }
    expect(retired.result.name).toBe('OK')
    expect(retired.privateBeneficiary.salt).toMatch(/^[0-9a-f]{64}$/)
    const proven = await cli('verify-beneficiary', '--node', node(2).apiUrl, '--tx', retired.id, '--name', 'Acme Reisen GmbH', '--salt', retired.privateBeneficiary.salt)
    expect(proven.code ?? 0).toBe(0)
    expect(JSON.parse(proven.stdout)).toEqual({ txId: retired.id, beneficiaryCommitment: retired.privateBeneficiary.beneficiaryCommitment, matches: true })
    const wrong = await cli('verify-beneficiary', '--node', node(3).apiUrl, '--tx', retired.id, '--name', 'Acme Reisen', '--salt', retired.privateBeneficiary.salt)
    expect(wrong.code).toBe(1)
    expect(JSON.parse(wrong.stdout)).toMatchObject({ matches: false })
  })
})
