package agent

import (
	"runtime/debug"
	"sync"
)

// Version and Commit are the daemon's version and source commit, set at
// build time (the Makefile takes them from git):
//
//	-ldflags "-X github.com/pbxagent/pbxagent/agent.Version=v1.2.0 -X github.com/pbxagent/pbxagent/agent.Commit=<sha>"
//
// Left empty, Build reads Go's build information instead.
var (
	Version = "dev"
	Commit  = ""
)

// BuildInfo says which build of pbxagent runs.
type BuildInfo struct {
	// Version: from the linker flags, else the module's version (go
	// install …@v1.2.0), else "dev".
	Version string `json:"version"`
	// Commit: from the linker flags, else the vcs.revision Go stamps into
	// a binary built in a git checkout ("+dirty" when it had changes),
	// else "unknown".
	Commit string `json:"commit"`
}

// Build returns the running binary's version and commit.
func Build() BuildInfo { return buildOnce() }

var buildOnce = sync.OnceValue(func() BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return resolveBuild(Version, Commit, info)
})

// resolveBuild prefers the linker's values, then Go's build information.
func resolveBuild(version, commit string, info *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: version, Commit: commit}
	if info != nil {
		if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		if b.Commit == "" {
			var rev string
			dirty := false
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
			if rev != "" {
				b.Commit = rev
				if dirty {
					b.Commit += "+dirty"
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}
