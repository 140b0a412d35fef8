package loadtest

// slotSide says which side (0: a, 1: b) slot k of an A/B test belongs to.
// Slots go in pairs whose order (AB or BA) follows a fixed pseudo-random
// sequence, so a drift of the machine's speed over the run, or any rhythm
// in it, falls on both sides alike.
func slotSide(k int) int {
	return (k % 2) ^ int(splitmix64(uint64(k/2))&1)
}

// splitmix64 is a fixed, well-mixed hash of n.
func splitmix64(n uint64) uint64 {
	z := n + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
