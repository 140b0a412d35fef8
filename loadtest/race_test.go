//go:build race

package loadtest

// raceEnabled relaxes timing assertions: the race detector slows every
// request several times over.
const raceEnabled = true
