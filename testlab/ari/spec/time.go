package spec

import (
	"fmt"
	"time"
)

// TimeLayout is Asterisk's timestamp layout (AST_ISO8601_FORMAT).
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// CheckTime reports whether s is a timestamp exactly in TimeLayout.
func CheckTime(s string) error {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return fmt.Errorf("timestamp %q not in layout %s", s, TimeLayout)
	}
	if t.Format(TimeLayout) != s {
		return fmt.Errorf("timestamp %q not in canonical layout %s", s, TimeLayout)
	}
	return nil
}
