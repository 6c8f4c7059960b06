// Command importbench measures the directory at scale: it imports a CSV
// file into a fresh store through the same code as POST
// /api/v1/contacts/import, then times reverse lookups and searches on the
// result. It prints one JSON object; testlab/bench/import.sh runs it beside
// PostgreSQL's \copy of the same file.
//
//	go run ./testlab/cmd/importbench -csv /tmp/contacts.csv -data /tmp/bench-data -region BA
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

type result struct {
	Rows          int     `json:"rows"`
	ImportSeconds float64 `json:"import_seconds"`
	// ValidateSeconds is the daemon's validation pass before the import
	// (-validate; included in ImportSeconds).
	ValidateSeconds float64 `json:"validate_seconds,omitempty"`
	ContactsPerS    float64 `json:"contacts_per_s"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	PeakAnonMB      float64 `json:"peak_rss_anon_mb"`
	PeakFileMB      float64 `json:"peak_rss_file_mb"`
	GoHeapSysMB     float64 `json:"go_heap_sys_mb"`
	StoreMB         float64 `json:"store_mb"`
	OpenSeconds     float64 `json:"open_seconds"`         // Open (after a load, the load's end)
	CallerSeconds   float64 `json:"caller_index_seconds"` // from then until the caller index is built
	CallerKeys      int     `json:"caller_index_keys"`
	CallerMB        float64 `json:"caller_index_mb"`
	NameSeconds     float64 `json:"name_index_seconds"` // from then until the name index is built
	NameMB          float64 `json:"name_index_mb"`
	// AnonIndexedMB is RssAnon once both indexes are built (after a
	// collection): what the directory holds between imports.
	AnonIndexedMB float64 `json:"rss_anon_indexed_mb"`
	// PeakAnonIndexedMB is the peak of RssAnon from the start until both
	// indexes are built.
	PeakAnonIndexedMB float64 `json:"peak_rss_anon_indexed_mb"`
	Lookups           int     `json:"lookups"`
	LookupP50us       float64 `json:"lookup_p50_us"`
	LookupP99us       float64 `json:"lookup_p99_us"`
	LookupHits        int     `json:"lookup_hits"`
	Searches          int     `json:"searches"`
	SearchP50us       float64 `json:"search_p50_us"`
	SearchP99us       float64 `json:"search_p99_us"`
	SearchAvgHits     float64 `json:"search_avg_total"`
	// SearchClasses splits the search figures by query class.
	SearchClasses map[string]classFigures `json:"search_classes,omitempty"`
	// Settled figures: after Badger's compaction has caught up (-settle).
	SettleSeconds      float64 `json:"settle_seconds,omitempty"`
	SettledLookupP50us float64 `json:"settled_lookup_p50_us,omitempty"`
	SettledLookupP99us float64 `json:"settled_lookup_p99_us,omitempty"`
	SettledSearchP50us float64 `json:"settled_search_p50_us,omitempty"`
	SettledSearchP99us float64 `json:"settled_search_p99_us,omitempty"`
}

func main() {
	csvPath := flag.String("csv", "", "CSV file to import (Central Phone Book, Google or Outlook)")
	data := flag.String("data", "", "empty directory for the store")
	region := flag.String("region", "BA", "default region for numbers")
	lookups := flag.Int("lookups", 200000, "reverse lookups to time after the import")
	searches := flag.Int("searches", 20000, "searches to time after the import")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the import to this file")
	heapProfile := flag.String("heapprofile", "", "write a heap profile taken right after the import to this file")
	settle := flag.Bool("settle", true, "after the first measurement, wait for compaction to settle and measure again")
	reuse := flag.Bool("reuse", false, "measure an existing store in -data (imported by an earlier run with the same -csv) instead of importing")
	slowest := flag.Int("slowest", 0, "print this many slowest search queries (by median) to stderr")
	validate := flag.Bool("validate", false, "read the file once more before importing it, checking every row, as the daemon's POST /api/v1/contacts/import does (timed within the import)")
	floorOnly := flag.Bool("floor", false, "measure only the floor of any import of the file: parse it, and normalise its numbers on every core, writing nothing; -data is not used")
	flag.Parse()
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err == nil {
			_ = pprof.StartCPUProfile(pf)
			defer pprof.StopCPUProfile()
		}
	}
	if *csvPath != "" && *floorOnly {
		if err := measureFloor(*csvPath, *region); err != nil {
			fmt.Fprintln(os.Stderr, "importbench:", err)
			os.Exit(1)
		}
		return
	}
	if *csvPath == "" || *data == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*csvPath, *data, *region, *lookups, *searches, *heapProfile, *reuse, *settle, *validate, *slowest); err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(csvPath, data, region string, nLookups, nSearches int, heapProfile string, reuse, settle, validate bool, slowest int) error {
	ctx := context.Background()
	// The daemon's default soft memory limit (config memory_limit_mb).
	if lim := config.Default().MemoryLimitMB; lim > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(lim) << 20)
	}
	norm, err := number.New(number.Config{DefaultRegion: region})
	if err != nil {
		return err
	}
	tOpen := time.Now()
	store, err := phonebook.Open(ctx, phonebook.Options{Dir: data, Numbering: number.Numbering{Normalizer: norm},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer store.Close()
	openSeconds := time.Since(tOpen).Seconds()
	f, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	var res result
	// The peak of RssAnon until both indexes are built (after the import,
	// or after the start with -reuse).
	stopIndexed := make(chan struct{})
	indexedPeak := make(chan float64, 1)
	go func() {
		peak := 0.0
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			a, _ := rssParts()
			peak = max(peak, a)
			select {
			case <-stopIndexed:
				indexedPeak <- peak
				return
			case <-t.C:
			}
		}
	}()
	// Sample the anonymous (heap) and file-backed (Badger's memory-mapped
	// tables, which the kernel may drop) parts of the resident set.
	stopSampling := make(chan struct{})
	sampled := make(chan [2]float64, 1)
	go func() {
		var peak [2]float64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			a, f := rssParts()
			peak[0], peak[1] = max(peak[0], a), max(peak[1], f)
			select {
			case <-stopSampling:
				sampled <- peak
				return
			case <-t.C:
			}
		}
	}()
	if reuse {
		// The rows of the file (no header in the Central Phone Book format).
		n, err := countLines(f)
		if err != nil {
			return err
		}
		res.Rows = n
	} else {
		start := time.Now()
		if validate {
			if err := validateFile(f); err != nil {
				return err
			}
			res.ValidateSeconds = time.Since(start).Seconds()
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
		imp, err := api.ImportCSV(ctx, store, bufio.NewReaderSize(f, 1<<20), true)
		if err != nil {
			return err
		}
		res.ImportSeconds = time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "importbench: imported %d rows in %.1fs\n", imp.Rows, res.ImportSeconds)
		res.Rows = imp.Rows
		res.ContactsPerS = float64(imp.Rows) / res.ImportSeconds
	}
	res.PeakRSSMB = peakRSSMB()
	close(stopSampling)
	peaks := <-sampled
	res.PeakAnonMB, res.PeakFileMB = peaks[0], peaks[1]
	if heapProfile != "" {
		if hf, err := os.Create(heapProfile); err == nil {
			_ = pprof.WriteHeapProfile(hf)
			_ = hf.Close()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.GoHeapSysMB = float64(ms.HeapSys) / (1 << 20)
	// Badger's own size figures are refreshed once a minute: walk the files.
	res.StoreMB = float64(dirSize(data)) / (1 << 20)
	res.OpenSeconds = openSeconds
	tIdx := time.Now()
	if err := store.WaitCallerIndex(ctx); err != nil {
		return err
	}
	res.CallerSeconds = time.Since(tIdx).Seconds()
	fmt.Fprintf(os.Stderr, "importbench: caller index built in %.1fs more\n", res.CallerSeconds)
	keys, size := store.CallerIndexSize()
	res.CallerKeys, res.CallerMB = keys, float64(size)/(1<<20)
	if err := store.WaitNameIndex(ctx); err != nil {
		return err
	}
	res.NameSeconds = time.Since(tIdx).Seconds()
	_, nsize := store.NameIndexSize()
	res.NameMB = float64(nsize) / (1 << 20)
	close(stopIndexed)
	res.PeakAnonIndexedMB = <-indexedPeak
	debug.FreeOSMemory() // as the daemon does once its indexes are built
	res.AnonIndexedMB, _ = rssParts()
	fmt.Fprintf(os.Stderr, "importbench: name index built in %.1fs (%.0f MB); RssAnon peak %.0f MB, then %.0f MB\n",
		res.NameSeconds, res.NameMB, res.PeakAnonIndexedMB, res.AnonIndexedMB)

	// Lookups: numbers the generator wrote (hits, in their written form and
	// E.164) mixed with numbers it did not write (misses).
	rng := rand.New(rand.NewPCG(7, 7))
	// Distinct numbers (up to 64 k), so the figure is not one of warm
	// caches only.
	probes := make([]string, min(nLookups, 1<<16))
	for i := range probes {
		written, e164 := gen.Number(rng.IntN(res.Rows))
		switch i % 4 {
		case 0:
			probes[i] = written
		case 1, 2:
			probes[i] = e164
		default:
			probes[i] = "+38769" + strconv.Itoa(1000000+rng.IntN(8999999))
		}
	}
	// Each measurement searches for its own queries, none of them seen by
	// an earlier one, so caches warmed by the first do not flatter the
	// second.
	queries, classes := searchQueries(nSearches, 99)
	// measure times the lookups and searches; it runs right after the
	// import and again once compaction has settled.
	measure := func(queries, classes []string) (lp50, lp99, sp50, sp99 float64, hits, total int, err error) {
		lat := make([]time.Duration, nLookups)
		runtime.GC()
		for i := range lat {
			t0 := time.Now()
			r, err := store.Lookup(ctx, probes[i%len(probes)])
			lat[i] = time.Since(t0)
			if err != nil {
				return 0, 0, 0, 0, 0, 0, err
			}
			if r.Match.Hit() {
				hits++
			}
		}
		slat := make([]time.Duration, nSearches)
		byClass := map[string][]time.Duration{}
		defer func() {
			res.SearchClasses = map[string]classFigures{}
			for c, l := range byClass {
				res.SearchClasses[c] = classFigures{N: len(l), P50us: pct(l, 50), P99us: pct(l, 99), MaxUs: pct(l, 100)}
			}
			if slowest > 0 {
				printSlowest(queries, classes, slat, slowest)
			}
		}()
		for i := range slat {
			t0 := time.Now()
			p, err := store.Search(ctx, phonebook.Query{Q: queries[i%len(queries)], Limit: 32})
			slat[i] = time.Since(t0)
			byClass[classes[i%len(classes)]] = append(byClass[classes[i%len(classes)]], slat[i])
			if err != nil {
				return 0, 0, 0, 0, 0, 0, err
			}
			total += p.Total
		}
		return pct(lat, 50), pct(lat, 99), pct(slat, 50), pct(slat, 99), hits, total, nil
	}
	lp50, lp99, sp50, sp99, hits, total, err := measure(queries, classes)
	if err != nil {
		return err
	}
	res.Lookups, res.LookupHits, res.LookupP50us, res.LookupP99us = nLookups, hits, lp50, lp99
	res.Searches, res.SearchP50us, res.SearchP99us = nSearches, sp50, sp99
	res.SearchAvgHits = float64(total) / float64(max(1, nSearches))
	if settle {
		t0 := time.Now()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
		err := store.Settle(sctx)
		cancel()
		if err != nil {
			return err
		}
		res.SettleSeconds = time.Since(t0).Seconds()
		if res.SettledLookupP50us, res.SettledLookupP99us, res.SettledSearchP50us, res.SettledSearchP99us, _, _, err = measure(searchQueries(nSearches, 100)); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// searchQueries returns n searches (and their classes) of what a user
// types into a phone or the admin UI — a few letters of a name, a whole
// surname, a name and a surname, digits — made from the generator's
// contacts for seed, so two seeds give different queries.
func searchQueries(n int, seed uint64) (queries, classes []string) {
	_ = gen.Contacts(max(n, 1), seed, func(c *phonebook.Contact) error {
		last := []rune(phonebook.Fold(c.LastName))
		first := []rune(phonebook.Fold(c.FirstName))
		switch len(queries) % 4 {
		case 0:
			queries = append(queries, string(last[:min(4, len(last))]))
			classes = append(classes, "prefix4")
		case 1:
			queries = append(queries, string(last))
			classes = append(classes, "surname")
		case 2:
			queries = append(queries, string(first[:min(3, len(first))])+" "+string(last[:min(3, len(last))]))
			classes = append(classes, "first3_last3")
		default:
			if len(c.Numbers) > 0 {
				d := phonebook.Digits(c.Numbers[0].Value)
				queries = append(queries, d[:min(7, len(d))])
				classes = append(classes, "number7")
			} else {
				queries = append(queries, string(last))
				classes = append(classes, "surname")
			}
		}
		return nil
	})
	return queries, classes
}

// printSlowest prints to stderr the n queries with the highest median
// latency over their repetitions.
func printSlowest(queries, classes []string, slat []time.Duration, n int) {
	type q struct {
		i   int
		med time.Duration
	}
	var qs []q
	for i := range queries {
		var ds []time.Duration
		for j := i; j < len(slat); j += len(queries) {
			ds = append(ds, slat[j])
		}
		if len(ds) > 0 {
			slices.Sort(ds)
			qs = append(qs, q{i, ds[len(ds)/2]})
		}
	}
	slices.SortFunc(qs, func(a, b q) int { return int(b.med - a.med) })
	for _, x := range qs[:min(n, len(qs))] {
		fmt.Fprintf(os.Stderr, "importbench: slow search %q (%s): median %v\n", queries[x.i], classes[x.i], x.med)
	}
}

// classFigures are the search latencies of one query class.
type classFigures struct {
	N     int     `json:"n"`
	P50us float64 `json:"p50_us"`
	P99us float64 `json:"p99_us"`
	MaxUs float64 `json:"max_us"`
}

func pct(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return float64(s[(len(s)-1)*p/100].Nanoseconds()) / 1000
}

// rssParts reads the anonymous and file-backed resident set in MB.
func rssParts() (anon, file float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb / 1024
		case "RssFile:", "RssShmem:":
			file += kb / 1024
		}
	}
	return anon, file
}

// peakRSSMB reads the process's peak resident set (VmHWM) from /proc.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// countLines counts the lines of r.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// dirSize is the disk space the files under dir take (allocated blocks:
// Badger preallocates its value-log files).
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				} else {
					n += fi.Size()
				}
			}
		}
		return nil
	})
	return n
}
