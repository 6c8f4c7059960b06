package chat

import "crypto/rand"

// Read implements io.Reader.
func (cryptoReader) Read(p []byte) (int, error) { return rand.Read(p) }
