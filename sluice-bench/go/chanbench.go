// Command chanbench measures Go channel throughput in the same shapes as sluice's JMH benchmark
// (ChannelThroughputBenchmark): P producer goroutines send a fixed batch of items through one channel
// to C consumer goroutines, ending by count (the channel is never closed). Standard library only.
//
// Output is tab-separated, one line per measured iteration, so a caller can take medians:
//
//	result	<shape PxC>	<capacity>	<iteration>	<items per second>
//
// Lines starting with '#' are comments (Go version, GOMAXPROCS, settings).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// batch is the number of items moved per batch, matching the JMH benchmark's BATCH.
const batch = 100000

// items are the distinct values sent, allocated once so that sending allocates nothing (the Java side
// sends references to preallocated Integer objects).
var items = func() []*int {
	s := make([]*int, 1024)
	for i := range s {
		v := 1000000 + i
		s[i] = &v
	}
	return s
}()

// moveBatch moves one batch through ch from producers to consumers and returns the sum received.
func moveBatch(ch chan *int, producers, consumers int) int64 {
	perProducer := batch / producers
	perConsumer := batch / consumers
	sums := make([]int64, consumers)
	var wg sync.WaitGroup
	wg.Add(producers + consumers)
	for c := 0; c < consumers; c++ {
		go func(slot int) {
			defer wg.Done()
			var s int64
			for i := 0; i < perConsumer; i++ {
				s += int64(*<-ch)
			}
			sums[slot] = s
		}(c)
	}
	for p := 0; p < producers; p++ {
		go func() {
			defer wg.Done()
			for i := 0; i < perProducer; i++ {
				ch <- items[i&1023]
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, s := range sums {
		total += s
	}
	return total
}

func expectedSum(producers int) int64 {
	var s int64
	for i := 0; i < batch/producers; i++ {
		s += int64(*items[i&1023])
	}
	return s * int64(producers)
}

// iteration moves whole batches until at least d has passed and returns items per second.
func iteration(ch chan *int, producers, consumers int, d time.Duration) float64 {
	want := expectedSum(producers)
	moved := 0
	start := time.Now()
	for {
		if got := moveBatch(ch, producers, consumers); got != want {
			fmt.Fprintf(os.Stderr, "items lost or duplicated: sum %d, want %d\n", got, want)
			os.Exit(1)
		}
		moved += batch
		if elapsed := time.Since(start); elapsed >= d {
			return float64(moved) / elapsed.Seconds()
		}
	}
}

func parseInts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bad number %q\n", f)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}

func main() {
	warmup := flag.Int("warmup", 3, "warm-up iterations per case (not reported)")
	runs := flag.Int("runs", 10, "measured iterations per case")
	iter := flag.Duration("iter", time.Second, "minimum duration of one iteration")
	shapes := flag.String("shapes", "1x1,4x4", "producer x consumer shapes")
	capacities := flag.String("capacities", "0,1,16,1024", "channel capacities")
	flag.Parse()

	fmt.Printf("# %s GOMAXPROCS=%d NumCPU=%d\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Printf("# batch=%d warmup=%d runs=%d iter=%s\n", batch, *warmup, *runs, *iter)
	for _, shape := range strings.Split(*shapes, ",") {
		pc := parseInts(strings.Replace(shape, "x", ",", 1))
		if len(pc) != 2 || batch%pc[0] != 0 || batch%pc[1] != 0 {
			fmt.Fprintf(os.Stderr, "bad shape %q\n", shape)
			os.Exit(2)
		}
		for _, capacity := range parseInts(*capacities) {
			ch := make(chan *int, capacity)
			for i := 0; i < *warmup; i++ {
				iteration(ch, pc[0], pc[1], *iter)
			}
			for i := 0; i < *runs; i++ {
				rate := iteration(ch, pc[0], pc[1], *iter)
				fmt.Printf("result\t%s\t%d\t%d\t%.0f\n", shape, capacity, i+1, rate)
			}
		}
	}
}
