package platform

import (
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/phonebook"
)

// DiskFull turns a write refused because the disk is full
// (phonebook.ErrDiskFull) into a 507 Insufficient Storage that says so;
// any other error is returned as is. Handlers pass store errors through it
// before WriteErr.
func DiskFull(err error) error {
	if err == nil || !errors.Is(err, phonebook.ErrDiskFull) {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusInsufficientStorage {
		return err
	}
	return &APIError{Status: http.StatusInsufficientStorage, Code: CodeInsufficientDisk,
		Message: "the disk is full: changes cannot be saved until space is freed (lookups and phone books are still served)", Err: err}
}
