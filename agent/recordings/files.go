package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/ari"
)

// Files holds the recordings' files: Asterisk's stored recordings
// (ari.Recordings, for calls through ARI), a folder (Dir, for calls over
// SIP, which pbxagent records itself), or both.
type Files interface {
	// StoredFile streams the file of recording name to w; its content
	// type and size.
	StoredFile(ctx context.Context, name string, w io.Writer) (contentType string, n int64, err error)
	// DeleteStored deletes the file of recording name.
	DeleteStored(ctx context.Context, name string) error
}

// Dir is the recordings' files in a folder, "<name>.wav" as the calls
// engine writes them (calls.SIPRecordingPath); a name it does not hold
// is looked up in Next when set (Asterisk's), else its error matches
// fs.ErrNotExist.
type Dir struct {
	Path string
	Next Files
}

// StoredFile implements Files.
func (d Dir) StoredFile(ctx context.Context, name string, w io.Writer) (string, int64, error) {
	if !ValidName(name) {
		return "", 0, fmt.Errorf("recording file %q: %w", name, fs.ErrNotExist)
	}
	f, err := os.Open(calls.SIPRecordingPath(d.Path, name))
	if errors.Is(err, fs.ErrNotExist) && d.Next != nil {
		return d.Next.StoredFile(ctx, name, w)
	}
	if err != nil {
		return "", 0, fmt.Errorf("recording file: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return "", n, fmt.Errorf("recording file %s: %w", name, err)
	}
	return contentType(calls.RecordingFormat), n, nil
}

// DeleteStored implements Files.
func (d Dir) DeleteStored(ctx context.Context, name string) error {
	if !ValidName(name) {
		return fmt.Errorf("recording file %q: %w", name, fs.ErrNotExist)
	}
	err := os.Remove(calls.SIPRecordingPath(d.Path, name))
	if errors.Is(err, fs.ErrNotExist) && d.Next != nil {
		return d.Next.DeleteStored(ctx, name)
	}
	if err != nil {
		return fmt.Errorf("delete recording file: %w", err)
	}
	return nil
}

// fileGone says a recording's file is not there (any more).
func fileGone(err error) bool { return ari.IsNotFound(err) || errors.Is(err, fs.ErrNotExist) }
