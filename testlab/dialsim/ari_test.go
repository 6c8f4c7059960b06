package dialsim

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

func TestARIPredictive(t *testing.T) {
	cfg := base(dialer.ModePredictive, 10, 0.25)
	cfg.Seed = 1
	start := time.Now()
	r, err := RunARI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v in %s", r, time.Since(start))
}
