package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// floorResult is what -floor prints: the cost of the two steps every
// import of the file has to take whatever the store, reading the rows and
// normalising their numbers, with nothing written anywhere.
type floorResult struct {
	Rows    int `json:"rows"`
	Numbers int `json:"numbers"`
	// ParseSeconds reads and parses every row into a Contact (one core,
	// as the import's reader does).
	ParseSeconds float64 `json:"parse_seconds"`
	// NormalizeSeconds normalises every number with a fresh Normalizer,
	// split over GOMAXPROCS goroutines (wall time).
	NormalizeSeconds float64 `json:"normalize_seconds"`
	// NormalizeCPUus is the normalisation's cost per number on one core.
	NormalizeCPUus float64 `json:"normalize_cpu_us_per_number"`
	Cores          int     `json:"cores"`
	// FloorSeconds is the lower bound of an import that overlaps the two
	// steps perfectly: the larger of them.
	FloorSeconds float64 `json:"floor_seconds"`
}

// measureFloor times parsing csvPath and normalising its numbers for
// region, and prints the figures as JSON.
func measureFloor(csvPath, region string) error {
	res, err := floor(csvPath, region)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// floor times parsing csvPath and normalising its numbers for region.
func floor(csvPath, region string) (floorResult, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return floorResult{}, err
	}
	defer f.Close()
	var res floorResult
	var raws []string
	start := time.Now()
	r := csvbook.NewReader(bufio.NewReaderSize(f, 1<<20))
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return floorResult{}, fmt.Errorf("parse %s: %w", csvPath, err)
		}
		res.Rows++
		for _, n := range c.Numbers {
			raws = append(raws, n.Value)
		}
	}
	res.ParseSeconds = time.Since(start).Seconds()
	res.Numbers = len(raws)

	norm, err := number.New(number.Config{DefaultRegion: region})
	if err != nil {
		return floorResult{}, err
	}
	res.Cores = runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	valid := 0
	start = time.Now()
	for w := range res.Cores {
		wg.Go(func() {
			v := 0
			for i := w; i < len(raws); i += res.Cores {
				if norm.Normalize(raws[i]).Kind == number.KindValid {
					v++
				}
			}
			mu.Lock()
			valid += v
			mu.Unlock()
		})
	}
	wg.Wait()
	res.NormalizeSeconds = time.Since(start).Seconds()
	if valid == 0 && len(raws) > 0 {
		return floorResult{}, fmt.Errorf("normalise %s: no valid number among %d: wrong -region?", csvPath, len(raws))
	}
	res.NormalizeCPUus = res.NormalizeSeconds * float64(res.Cores) / float64(max(1, len(raws))) * 1e6
	res.FloorSeconds = max(res.ParseSeconds, res.NormalizeSeconds)
	return res, nil
}
