// Command rotor writes secret-rotation runbooks: as an HTTP service (serve) or
// from the command line (generate, lint).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rotor-dev/rotor/internal/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `rotor writes secret-rotation runbooks.

Usage:
  rotor serve    [-addr 127.0.0.1:8080] [-model M] [-redis-url URL]   start the HTTP service
  rotor generate -i request.json|yaml|- [-f json|md] [-view full|card] [-o file] [-sections a,b] [--allow-fallback]
  rotor lint     -i runbook.json|- [-f text|json]
  rotor worker                                 process queued jobs (needs REDIS_URL)
  rotor healthcheck [--worker]                 exit 0 when the local server's /healthz answers, or with --worker
                                               when this host's worker (ROTOR_WORKER_NAME) has a fresh heartbeat
  rotor eval     [--cases DIR|FILE ...] [--provider offline|openai|replay] [--model M ...] [--prompts DIR ...]
                 [--judge-model M] [--judge-base-url URL] [--judge-prompt FILE]
                 [--repeat N] [--concurrency N] [--baseline FILE] [--write-baseline FILE]
                 [--json] [--md FILE] [--html FILE] [--junit FILE] [--save DIR] [--allow-fallback]
                 [--compare A B] [--out DIR] [--record DIR] [--from DIR] [--runbooks DIR]
  rotor eval     --history DIR                 per-case scores over time (runs nothing); rotor eval -h says more
  rotor catalog check DIR                      check an organisation's provider files (as ROTOR_CATALOG_DIR loads them)
  rotor catalog list [-f text|json]            every provider entry rotor knows, with ROTOR_CATALOG_DIR's
  rotor version                                the build: version, VCS revision, Go version

Configuration comes from the environment (ROTOR_ADDR, ROTOR_LLM, OPENAI_API_KEY,
OPENAI_BASE_URL, ROTOR_MODEL, REDIS_URL, ROTOR_CACHE_TTL, ...): see the README.
`

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // refused input, lint errors, generation failure
	exitUsage    = 2
	exitInternal = 3
)

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		// Needs no configuration: it answers on a broken one too.
		return versionCmd(stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "rotor:", err)
		return exitUsage
	}
	// Every line logged with a request's context names the request and its
	// trace.
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	attrs, _ := telemetry.ParseResourceAttributes(cfg.ResourceAttributes) // checked by loadConfig
	tp, shutdown, err := telemetry.Setup(ctx, telemetry.Config{Endpoint: cfg.OTLPEndpoint, ServiceName: cfg.ServiceName, ServiceVersion: codeVersion(), Attributes: attrs})
	if err != nil {
		fmt.Fprintln(stderr, "rotor:", err)
		return exitUsage
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn("traces not all exported", "err", err)
		}
	}()
	cfg.Tracer = tp
	if args[0] != "catalog" && args[0] != "healthcheck" {
		if code := installCatalog(cfg, log, stderr); code != exitOK {
			return code
		}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], cfg, log, stdout, stderr)
	case "generate":
		return generateCmd(ctx, args[1:], cfg, log, stdin, stdout, stderr)
	case "lint":
		return lintCmd(args[1:], stdin, stdout, stderr)
	case "eval":
		return evalCmd(ctx, args[1:], cfg, log, stdout, stderr)
	case "worker":
		return workerCmd(ctx, cfg, log)
	case "healthcheck":
		return healthcheck(ctx, args[1:], cfg, stderr)
	case "catalog":
		return catalogCmd(args[1:], cfg, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rotor: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
