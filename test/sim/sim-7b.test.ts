// Slice 2 of 2 of the CI seeds with 7 validators (test/sim/seeds.ts); one file per slice so that vitest runs them in parallel.
import { describeSeedSlice } from './seeds.ts'

describeSeedSlice(7, 1, 2)
