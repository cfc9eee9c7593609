//go:build race

package match

// raceEnabled: under the race detector sync.Pool drops a random share of
// the items put back, so code that reuses buffers through a pool
// allocates in some runs; allocation counts of such code are not checked
// then.
const raceEnabled = true
