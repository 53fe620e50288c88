package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/rotor-dev/rotor/internal/metrics"
)

// buildInfo describes this binary from what the Go toolchain recorded in it:
// the module version (a tag, or a pseudo-version, or "(devel)"), the VCS
// revision ("+dirty" when built from a modified tree; "unknown" when the
// build recorded none, as `go test` and `go run` without VCS do) and the Go
// version.
func buildInfo() metrics.Build {
	b := metrics.Build{Version: "(devel)", Revision: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := info.Main.Version; v != "" {
		b.Version = v
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.Revision != "unknown" {
		b.Revision += "+dirty"
	}
	return b
}

// versionCmd prints the build: what `rotor_build_info` reports too.
func versionCmd(stdout io.Writer) int {
	b := buildInfo()
	fmt.Fprintf(stdout, "rotor %s\nrevision %s\nbuilt with %s\n", b.Version, b.Revision, b.GoVersion)
	return exitOK
}
