package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// validateFile reads r whole, checking every row against the contact
// rules, as the daemon's upload handler does before it imports a file
// (agent/api validateCSV, not exported): with -validate the benchmark's
// time and profile hold both passes over the file, as the daemon's do.
func validateFile(r io.Reader) error {
	rd := csvbook.NewReader(bufio.NewReaderSize(r, 1<<20), csvbook.WithCheck(phonebook.CheckContact))
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("validate: %w", err)
		}
	}
}
