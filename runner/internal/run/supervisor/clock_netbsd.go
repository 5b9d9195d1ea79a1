package supervisor

// clockMonotonic is CLOCK_MONOTONIC, which x/sys/unix does not name on
// NetBSD (<time.h>).
const clockMonotonic = 3
