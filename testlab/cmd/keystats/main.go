// Command keystats counts the keys of a pbxagent store by family (the
// prefixes of phonebook/keys.go) with their key and value bytes, and
// divides them by the number of contacts: the "keys per contact" and
// "bytes per contact" figures of docs/scale.md. The store must not be
// open in another process (stop the daemon first).
//
//	go run ./testlab/cmd/keystats -data /var/lib/pbxagent/store
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// family is the figures of one key prefix.
type family struct {
	Prefix     string  `json:"prefix"`
	Keys       int64   `json:"keys"`
	KeyBytes   int64   `json:"key_bytes"`
	ValueBytes int64   `json:"value_bytes"`
	PerContact float64 `json:"keys_per_contact"`
	BytesPer   float64 `json:"bytes_per_contact"`
}

// prefixes are the key families, longest first so the first match wins.
var prefixes = []string{"ix/num/", "ix/tok/", "ix/sort/", "ix/pfx/", "ix/src/", "c/", "sv/", "ov/", "x/", "meta/"}

func main() {
	data := flag.String("data", "", "the store's directory (the daemon's data_dir/store, or importbench's -data)")
	flag.Parse()
	if *data == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*data); err != nil {
		fmt.Fprintln(os.Stderr, "keystats:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return fmt.Errorf("%s holds no Badger store: %w", dir, err)
	}
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithReadOnly(true)
	db, err := badger.OpenManaged(opts)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer db.Close()
	txn := db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{})
	defer it.Close()
	fams := map[string]*family{}
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if item.IsDeletedOrExpired() {
			continue
		}
		k := string(item.Key())
		p := "other"
		for _, q := range prefixes {
			if strings.HasPrefix(k, q) {
				p = q
				break
			}
		}
		f := fams[p]
		if f == nil {
			f = &family{Prefix: p}
			fams[p] = f
		}
		f.Keys++
		f.KeyBytes += int64(len(k))
		f.ValueBytes += item.ValueSize()
	}
	contacts := int64(0)
	if f := fams["c/"]; f != nil {
		contacts = f.Keys
	}
	var out struct {
		Contacts   int64     `json:"contacts"`
		Keys       int64     `json:"keys"`
		Bytes      int64     `json:"bytes"`
		PerContact float64   `json:"keys_per_contact"`
		BytesPer   float64   `json:"bytes_per_contact"`
		Families   []*family `json:"families"`
	}
	out.Contacts = contacts
	for _, f := range fams {
		out.Keys += f.Keys
		out.Bytes += f.KeyBytes + f.ValueBytes
		if contacts > 0 {
			f.PerContact = float64(f.Keys) / float64(contacts)
			f.BytesPer = float64(f.KeyBytes+f.ValueBytes) / float64(contacts)
		}
		out.Families = append(out.Families, f)
	}
	slices.SortFunc(out.Families, func(a, b *family) int { return int(b.Keys - a.Keys) })
	if contacts > 0 {
		out.PerContact = float64(out.Keys) / float64(contacts)
		out.BytesPer = float64(out.Bytes) / float64(contacts)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
