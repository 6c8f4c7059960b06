// Command gencsv writes a deterministic Central Phone Book CSV of generated
// contacts with unique, valid phone numbers, for import benchmarks:
//
//	go run ./testlab/cmd/gencsv -n 1000000 -seed 1 -o /tmp/contacts.csv
//
// -format pgcopy writes the same contacts in PostgreSQL COPY text format.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/pbxagent/pbxagent/testlab/gen"
)

func main() {
	n := flag.Int("n", 1000, "number of contacts (rows)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	out := flag.String("o", "-", "output file (- for stdout)")
	format := flag.String("format", "csv", "csv (Central Phone Book) or pgcopy (the same contacts in PostgreSQL COPY text format, fixed columns)")
	flag.Parse()
	write := gen.WriteCSV
	switch *format {
	case "csv":
	case "pgcopy":
		write = gen.WriteCopyText
	default:
		fmt.Fprintf(os.Stderr, "gencsv: -format %q: want csv or pgcopy\n", *format)
		os.Exit(2)
	}
	if err := run(*n, *seed, *out, write); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
}

func run(n int, seed uint64, out string, write func(io.Writer, int, uint64) error) (err error) {
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		bw := bufio.NewWriterSize(f, 1<<20)
		defer func() {
			if ferr := bw.Flush(); err == nil {
				err = ferr
			}
		}()
		w = bw
	}
	return write(w, n, seed)
}
