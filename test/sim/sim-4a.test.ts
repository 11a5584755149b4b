// Slice 1 of 2 of the CI seeds with 4 validators (test/sim/seeds.ts); one file per slice so that vitest runs them in parallel.
import { describeSeedSlice } from './seeds.ts'

describeSeedSlice(4, 0, 2)
