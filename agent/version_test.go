package agent

import (
	"runtime/debug"
	"testing"
)

// TestResolveBuild: the linker's version and commit win; without them the
// module version and Go's vcs stamps are used; without either, dev and
// unknown.
func TestResolveBuild(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "9104b64aa"}, {Key: "vcs.modified", Value: "true"},
	}}
	for name, tc := range map[string]struct {
		version, commit string
		info            *debug.BuildInfo
		want            BuildInfo
	}{
		"ldflags":        {version: "v1.2.0", commit: "abc123", info: stamped, want: BuildInfo{Version: "v1.2.0", Commit: "abc123"}},
		"vcs stamp":      {version: "dev", info: stamped, want: BuildInfo{Version: "dev", Commit: "9104b64aa+dirty"}},
		"go install":     {version: "dev", info: &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, want: BuildInfo{Version: "v1.3.0", Commit: "unknown"}},
		"no information": {version: "dev", want: BuildInfo{Version: "dev", Commit: "unknown"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := resolveBuild(tc.version, tc.commit, tc.info); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
