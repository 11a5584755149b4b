// `npm run sim -- [--seed N | --seeds COUNT [--from N]] [--validators 4|7|both] [--unstable-ms MS --stable-ms MS] [--verbose]`: runs the deterministic
// simulation (test/sim/simulation.ts) and exits 1 if any seed breaks an invariant, printing each failing seed with
// the command that replays it exactly. With no option it runs seeds 1..100 with 4 and with 7 validators (about 0.5 to
// 1.5 s a run on a 2-core machine: `--seeds 10000` takes hours).
import '../../polyfill.ts'
import { parseArgs } from 'node:util'
import { describeFailure, runSimulation, STABLE_MS_DEFAULT, UNSTABLE_MS_DEFAULT, type SimReport } from './simulation.ts'

/** A decimal integer of at least `min` (digits only: no sign, exponent, hex or fraction). */
function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`--${name} must be a decimal integer of at least ${min}, got ${JSON.stringify(text)}`)
    process.exit(2)
  }
  return value
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      options: {
        seed: { type: 'string' },
        seeds: { type: 'string' },
        from: { type: 'string' },
        validators: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'unstable-ms': { type: 'string' },
        'stable-ms': { type: 'string' },
      },
      strict: true,
    })
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
  const { values } = parsed
  const validatorsText = values.validators ?? 'both'
  if (!['4', '7', 'both'].includes(validatorsText)) {
    console.error(`--validators must be 4, 7 or both, got ${JSON.stringify(validatorsText)}`)
    process.exit(2)
  }
  const sizes = validatorsText === 'both' ? [4, 7] : [Number(validatorsText)]
  const seeds: number[] = []
  if (values.seed !== undefined && (values.seeds !== undefined || values.from !== undefined)) {
    console.error('--seed runs one seed; --seeds COUNT [--from N] runs a range: give one or the other')
    process.exit(2)
  }
  if (values.seed !== undefined) seeds.push(parseCount('seed', values.seed, 0))
  else {
    const count = parseCount('seeds', values.seeds, 100, 1)
    const from = parseCount('from', values.from, 1)
    for (let seed = from; seed < from + count; seed += 1) seeds.push(seed)
  }
  const unstableMs = parseCount('unstable-ms', values['unstable-ms'], UNSTABLE_MS_DEFAULT)
  const stableMs = parseCount('stable-ms', values['stable-ms'], STABLE_MS_DEFAULT)
  const started = Date.now()
  const failures: SimReport[] = []
  let runs = 0
  for (const seed of seeds) {
    for (const validators of sizes) {
      const report = await runSimulation({ seed, validators, unstableMs, stableMs })
      runs += 1
      if (values.verbose || seeds.length === 1) {
        console.log(
          `seed ${seed} n=${validators} [${report.behaviors.join(',')}]: final heights ${report.heights.join(',')}, ${report.heightAtStabilisation} when the network stabilised; client txs committed ${report.txsCommitted} of ${report.txsSigned} (re-sent ${report.resubmissions}); evidence ${report.evidenceCommitted}; crashes ${report.crashes}; partitions ${report.partitions}; deliveries ${report.messagesDelivered}, lost ${report.messagesDropped} (dropped, cut by a partition or sent to a node that was down; each relay counts); trace ${report.trace.slice(0, 16)}`,
        )
        if (seeds.length === 1) for (const line of report.faultLog) console.log(`  ${line}`)
      }
      if (report.violations.length > 0) {
        failures.push(report)
        console.log(describeFailure(report))
      }
    }
    if (!values.verbose && seeds.length > 1 && runs % 50 === 0) console.log(`${runs} runs, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
  console.log(`${runs} runs (${seeds.length} seeds x ${sizes.join(' and ')} validators): ${failures.length} failed, in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (failures.length > 0) {
    console.log(`failing seeds: ${failures.map((report) => `${report.seed} (n=${report.validators})`).join(', ')}`)
    process.exit(1)
  }
}

void main()
