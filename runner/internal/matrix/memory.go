package matrix

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// DefaultMemoryLimit is the memory a cell may use when no memory_limit is
// set: a quarter of the machine's memory, at most 4 GiB — well under what
// the machine has, so a case that allocates without bound is stopped
// before it harms the runner or the other cells. 4 GiB where the machine's
// memory cannot be read.
var DefaultMemoryLimit = sync.OnceValue(func() int64 {
	const ceiling = 4 << 30
	if total := totalMemory(); total > 0 {
		return min(total/4, ceiling)
	}
	return ceiling
})

// totalMemory reads MemTotal from /proc/meminfo (Linux); 0 elsewhere.
func totalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
