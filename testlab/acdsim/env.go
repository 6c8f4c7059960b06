package acdsim

import (
	"fmt"

	"github.com/pbxagent/pbxagent/testlab/memkv"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// memKV is the shared in-memory KV (testlab/memkv).
type memKV = memkv.KV

func newMemKV() *memKV { return memkv.New() }

// directory is the simulated users: u01…uNN, "Agent NN", extension 1NN.
type directory map[string]callgroups.User

func newDirectory(n int) directory {
	d := make(directory, n)
	for i := 0; i < n; i++ {
		id := memberID(i)
		d[id] = callgroups.User{ID: id, Name: fmt.Sprintf("Agent %02d", i+1), Extension: fmt.Sprintf("%d", 101+i), Enabled: true}
	}
	return d
}

// User implements callgroups.Directory.
func (d directory) User(id string) (callgroups.User, bool) {
	u, ok := d[id]
	return u, ok
}

// memberID is the user id of the i-th member (0-based), in group order.
func memberID(i int) string { return fmt.Sprintf("u%02d", i+1) }
