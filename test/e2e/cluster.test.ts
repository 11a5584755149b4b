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
