package agent

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AdminTokenFile is where a generated admin token is kept in the data dir.
const AdminTokenFile = "admin.token"

// adminToken returns the configured token, or the one in the data dir,
// generating and writing it (mode 0600) on first start. created reports
// whether it was generated now.
func adminToken(configured, dataDir string) (token, path string, created bool, err error) {
	if configured != "" {
		return configured, "", false, nil
	}
	path = filepath.Join(dataDir, AdminTokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, path, false, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", path, false, fmt.Errorf("admin token %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", path, false, fmt.Errorf("admin token: %w", err)
	}
	token = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", path, false, fmt.Errorf("admin token %s: %w", path, err)
	}
	return token, path, true, nil
}
