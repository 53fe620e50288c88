package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"

	"github.com/rotor-dev/rotor/internal/cache"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/metrics"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/slackbot"
	"github.com/rotor-dev/rotor/internal/telemetry"
	"github.com/rotor-dev/rotor/prompts"
)

const usage = `rotor writes secret-rotation runbooks.

Usage:
  rotor serve    [-addr :8080]                 start the HTTP service
  rotor generate -i request.json|yaml|- [-f json|md] [-o file] [-sections a,b]
  rotor lint     -i runbook.json|- [-f text|json]
  rotor worker                                 process queued jobs (needs REDIS_URL)
  rotor healthcheck [--worker]                 exit 0 when the local server's /healthz answers, or with --worker
                                               when this host's worker (ROTOR_WORKER_NAME) has a fresh heartbeat
  rotor eval     [--cases DIR|FILE ...] [--provider offline|openai|replay] [--model M] [--judge-model M]
                 [--prompts DIR] [--repeat N] [--concurrency N] [--baseline FILE] [--write-baseline FILE]
                 [--json] [--md FILE] [--junit FILE]
                 [--record DIR] [--from DIR]

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
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "rotor:", err)
		return exitUsage
	}
	// Every line logged with a request's context names the request and its
	// trace.
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	tp, shutdown, err := telemetry.Setup(ctx, telemetry.Config{Endpoint: cfg.OTLPEndpoint, ServiceName: cfg.ServiceName, ServiceVersion: codeVersion()})
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
	}
	fmt.Fprintf(stderr, "rotor: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// app is the wired pipeline, shared by serve and generate.
type app struct {
	gen     *generate.Service
	linter  *lint.Linter
	schemas *schema.Set
	mode    string
	client  *llm.Client
	redis   *cache.Redis
	// queue is the Redis of jobs, job states and stored runbooks: REDIS_QUEUE_URL,
	// or the same as redis.
	queue    *cache.Redis
	runbooks *cache.Runbooks
	scan     *secretscan.Scanner
	jobs     *jobs.Store
	runner   *jobs.Runner
	metrics  *metrics.Metrics
}

// ready reports the dependencies for /readyz: degraded (still serving) when
// Redis does not answer or the LLM's circuit breaker is open.
func (a *app) ready(ctx context.Context) (string, map[string]string) {
	status, checks := "ready", map[string]string{"llm": a.mode, "cache": "in-process"}
	if a.client != nil && a.client.BreakerOpen() {
		status, checks["llm"] = "degraded", a.mode+": circuit breaker open, sections come from the offline writer"
	}
	if a.redis != nil {
		checks["cache"] = "redis"
		if err := a.redis.Ping(ctx); err != nil {
			status, checks["cache"] = "degraded", "redis unreachable ("+err.Error()+"): serving with the in-process cache"
		}
	}
	if a.queue != nil && a.queue != a.redis {
		checks["queue"] = "redis"
		if err := a.queue.Ping(ctx); err != nil {
			status, checks["queue"] = "degraded", "queue redis unreachable ("+err.Error()+"): jobs and stored runbooks are unavailable"
		}
	}
	return status, checks
}

func (a *app) close() {
	if a.queue != nil && a.queue != a.redis {
		_ = a.queue.Close()
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
}

func newApp(cfg config, log *slog.Logger) (*app, error) {
	scan, err := secretscan.New()
	if err != nil {
		return nil, err
	}
	schemas, err := schema.NewSet()
	if err != nil {
		return nil, err
	}
	linter := lint.New(scan)
	a := &app{linter: linter, schemas: schemas, scan: scan, metrics: metrics.New()}
	for _, r := range linter.Rules() {
		a.metrics.KnownRule(r.ID, r.Severity)
	}
	local := cache.NewMemory(cfg.CacheBytes)
	var store cache.Store = local
	cc := generate.CacheConfig{TTL: cfg.CacheTTL, FallbackTTL: cfg.FallbackTTL}
	if cfg.RedisURL != "" {
		if a.redis, err = cache.NewRedis(cfg.RedisURL, cache.RedisOptions{Timeout: cfg.RedisTimeout, Logger: log}); err != nil {
			return nil, err
		}
		store = cache.NewTiered(a.redis, local, log)
		cc.Locker = a.redis
	}
	cc.Cache = store
	// Stored runbooks and job states must not be evicted: they live in the
	// queue's Redis (noeviction, persisted) when it is a separate one.
	durable := store
	var jobState cache.Store = local
	if a.redis != nil {
		a.queue = a.redis
		if cfg.RedisQueueURL != cfg.RedisURL {
			if a.queue, err = cache.NewRedis(cfg.RedisQueueURL, cache.RedisOptions{Timeout: cfg.RedisTimeout, Logger: log}); err != nil {
				return nil, err
			}
			durable = cache.NewTiered(a.queue, local, log)
		}
		// Job states change: they live in Redis itself, never in a local
		// copy that could go stale.
		jobState = a.queue
	}
	a.runbooks = cache.NewRunbooks(durable, cfg.RunbookTTL, cache.RunbooksOptions{Markdown: markdown, LocalBytes: cfg.CacheBytes / 2, Logger: log})
	a.jobs = jobs.NewStore(jobState, cfg.RunbookTTL)
	gc := generate.Config{Screener: scan, Linter: linter, Logger: log, Schemas: schemas, MaxWork: cfg.MaxWork,
		Concurrency: cfg.Concurrency, MaxAttempts: cfg.MaxAttempts, Deadline: cfg.Deadline, MaxTokens: cfg.MaxTokens, ContextTokens: cfg.ContextTokens,
		Cache: cc, Runbooks: a.runbooks, CodeVersion: codeVersion(), Endpoint: cfg.OpenAIBaseURL, Observer: a.metrics, TracerProvider: cfg.Tracer}
	mode := "offline"
	if cfg.LLM == "openai" {
		client, p, err := buildLLM(cfg, nil, cfg.Retries)
		if err != nil {
			return nil, err
		}
		gc.LLM, gc.Prompts, a.client = client, p, client
		mode = "openai (" + cfg.Model + ", " + cfg.LLMMode + ", prompts " + p.Version() + ")"
	}
	a.gen, a.mode = generate.New(gc), mode
	host, _ := os.Hostname()
	a.runner = &jobs.Runner{Generator: a.gen, Runbooks: a.runbooks, Store: a.jobs, Log: log, Name: fmt.Sprintf("%s:%d", host, os.Getpid()),
		Observe: func(s jobs.Status) { a.metrics.Job(string(s)) }}
	return a, nil
}

// markdown renders a runbook (once per runbook: the store keeps it).
func markdown(rb *runbook.Runbook) []byte {
	var buf bytes.Buffer
	_ = render.Markdown(&buf, rb)
	return buf.Bytes()
}

// codeVersion identifies this build: the VCS revision when the binary
// records one, else a hash of the executable.
func codeVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value
			}
		}
		if rev != "" && dirty != "true" {
			return rev
		}
	}
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			defer f.Close()
			h := sha256.New()
			if _, err := io.Copy(h, f); err == nil {
				return hex.EncodeToString(h.Sum(nil))[:16]
			}
		}
	}
	return "unknown-" + randomSuffix()
}

// randomSuffix makes an unknown build's version unique, so it never shares
// cached responses with another build.
func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// buildLLM builds the LLM client and loads the prompts (ROTOR_PROMPTS_DIR
// overrides the embedded ones). transport, when set, sits under the
// resilience layer (eval's recorder and replayer).
func buildLLM(cfg config, transport http.RoundTripper, retries int) (*llm.Client, *prompts.Set, error) {
	var pfs fs.FS = prompts.FS
	if cfg.PromptsDir != "" {
		pfs = os.DirFS(cfg.PromptsDir)
	}
	p, err := prompts.Load(pfs)
	if err != nil {
		return nil, nil, err
	}
	client, err := llm.New(llm.Config{APIKey: cfg.OpenAIKey, BaseURL: cfg.OpenAIBaseURL, APIVersion: cfg.OpenAIVersion, Model: cfg.Model,
		Mode: cfg.LLMMode, Prices: cfg.Prices, Transport: transport, MaxTokens: cfg.MaxTokens, Connections: cfg.Concurrency,
		Reasoning: cfg.Reasoning || llm.IsReasoningModel(cfg.Model), ReasoningEffort: cfg.ReasoningEffort, TracerProvider: cfg.Tracer,
		Resilience: llm.Resilience{AttemptTimeout: cfg.AttemptTimeout, MaxRetries: retriesSetting(retries)}})
	if err != nil {
		return nil, nil, err
	}
	return client, p, nil
}

// retriesSetting maps "0 retries" to the resilience layer's "none" (-1).
func retriesSetting(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func serve(ctx context.Context, args []string, cfg config, log *slog.Logger, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindServeFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	a, err := newApp(cfg, log)
	if err != nil {
		log.Error("start-up failed", "err", err)
		return exitInternal
	}
	defer a.close()
	if len(cfg.APIKeys) == 0 {
		log.Warn("NO API KEYS CONFIGURED: the API is open to anyone who can reach it; set ROTOR_API_KEYS")
	} else {
		names := make([]string, len(cfg.APIKeys))
		for i, k := range cfg.APIKeys {
			names[i] = k.Name
		}
		log.Info("API keys configured", "names", names)
	}
	var limiter httpapi.Limiter = cache.NewMemoryLimiter(cfg.RateLimit)
	var work httpapi.WorkLimiter = cache.NewMemoryLimiter(cfg.WorkLimit)
	if a.redis != nil {
		limiter = a.redis.NewRedisLimiter(cfg.RateLimit)
		work = a.redis.NewRedisLimiter(cfg.WorkLimit)
	}
	tasks := httpapi.NewTasks(cfg.Deadline + 30*time.Second)
	var queue jobs.Queue
	var local *jobs.Local
	var worker *jobs.Worker
	if a.redis != nil {
		q, err := jobs.NewAsynq(cfg.RedisQueueURL, cfg.Deadline+time.Minute, cfg.JobRetries)
		if err != nil {
			log.Error("start-up failed", "err", err)
			return exitInternal
		}
		defer q.Close()
		queue = q
		if cfg.ServeWorkers > 0 {
			if worker, err = jobs.NewWorker(cfg.RedisQueueURL, cfg.ServeWorkers, a.runner, log); err == nil {
				err = worker.Start()
			}
			if err != nil {
				log.Error("start-up failed: job worker", "err", err)
				return exitInternal
			}
		}
	} else {
		local = jobs.NewLocal(a.runner, max(cfg.ServeWorkers, 1))
		queue = local
	}
	slackCfg := httpapi.Slack{Secrets: cfg.SlackSecrets, ResponseHosts: cfg.SlackHosts, PublicURL: cfg.PublicURL}
	if a.redis != nil {
		slackCfg.Replays = a.redis.NewOnce()
	}
	if a.client != nil {
		intake, err := slackbot.NewLLMIntake(a.client)
		if err != nil {
			log.Error("start-up failed", "err", err)
			return exitInternal
		}
		slackCfg.Intake = intake
	}
	links, err := signedLinks(cfg, log)
	if err != nil {
		log.Error("start-up failed", "err", err)
		return exitInternal
	}
	// The access log is written by its own goroutine: a slow stderr never
	// holds a request.
	access := telemetry.NewAsync(log.Handler(), 8192)
	defer access.Close(5 * time.Second)
	handler := httpapi.NewServer(httpapi.Deps{
		AccessLog:      slog.New(access),
		TracerProvider: cfg.Tracer,
		Generator:      a.gen, Linter: a.linter, Schemas: a.schemas,
		Runbooks: a.runbooks,
		Ready:    a.ready,
		Logger:   log,
		Keys:     cfg.APIKeys, Limiter: limiter, WorkLimiter: work, WorkBudget: cfg.WorkLimit.String(), RequestTimeout: cfg.RequestTimeout, TrustedProxies: cfg.TrustedProxies,
		Slack:  slackCfg,
		Writer: a.gen, Screener: a.scan, Tasks: tasks,
		Jobs: a.jobs, Queue: queue, Checker: a.gen, NewID: generate.RandomID,
		Metrics: a.metrics, MetricsOpen: cfg.MetricsOpen, OnQueued: func() { a.metrics.Job(string(jobs.Queued)) },
		Links: links, CORS: cfg.CORS, Heartbeat: cfg.SSEHeartbeat,
	})
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen failed", "addr", cfg.Addr, "err", err)
		return exitInternal
	}
	cacheKind := "in-process"
	if a.redis != nil {
		cacheKind = "redis"
	}
	log.Info("rotor listening", "addr", ln.Addr().String(), "llm", a.mode, "cache", cacheKind)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return exitInternal
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		return exitInternal
	}
	// Slack generations already acknowledged and jobs finish (or are cut
	// off) too; a queued job left unfinished is retried by another worker.
	tasks.Shutdown(sctx)
	if local != nil {
		local.Shutdown(sctx)
	}
	if worker != nil {
		worker.Shutdown()
	}
	log.Info("stopped")
	return exitOK
}

// readInput reads a file, or stdin for "-".
func readInput(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, runbook.MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > runbook.MaxBodyBytes {
		return nil, runbook.TooLarge(len(data))
	}
	return data, nil
}

// maxYAMLDepth bounds the nesting of flow collections in a YAML request.
const maxYAMLDepth = 64

// requestJSON returns a request file as JSON: JSON as it is, YAML (by
// extension, or by the first character when reading stdin) converted.
// YAML anchors, aliases and merge keys are refused before anything is
// expanded (a few hundred bytes of aliases expand to gigabytes), as is
// flow nesting deeper than maxYAMLDepth; the JSON is bounded like a body.
func requestJSON(path string, data []byte) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(path))
	trimmed := bytes.TrimSpace(data)
	if !(ext == ".yaml" || ext == ".yml" || (ext != ".json" && len(trimmed) > 0 && trimmed[0] != '{')) {
		return data, nil
	}
	invalid := func(problem string) error {
		return &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "", Problem: problem}}}
	}
	depth := 0
	for _, tok := range lexer.Tokenize(string(data)) {
		switch tok.Type {
		case token.AnchorType, token.AliasType, token.MergeKeyType:
			return nil, invalid(fmt.Sprintf("YAML anchors, aliases and merge keys are not accepted (line %d): write the request out in full", tok.Position.Line))
		case token.SequenceStartType, token.MappingStartType:
			if depth++; depth > maxYAMLDepth {
				return nil, invalid(fmt.Sprintf("YAML nested deeper than %d levels (line %d)", maxYAMLDepth, tok.Position.Line))
			}
		case token.SequenceEndType, token.MappingEndType:
			depth--
		}
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, invalid("invalid YAML: " + firstLine(err.Error()))
	}
	if len(j) > 2*runbook.MaxBodyBytes {
		return nil, runbook.TooLarge(len(j))
	}
	return j, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func generateCmd(ctx context.Context, args []string, cfg config, log *slog.Logger, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "request file (JSON or YAML), - for stdin")
	format := fs.String("f", "json", "output format: json or md")
	out := fs.String("o", "", "output file (default stdout)")
	sections := fs.String("sections", "", "comma-separated sections to generate (default all)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *in == "" || (*format != "json" && *format != "md") {
		fmt.Fprintln(stderr, "rotor generate: -i is required and -f must be json or md")
		return exitUsage
	}
	var ids []runbook.SectionID
	if *sections != "" {
		var err error
		if ids, err = runbook.ParseSections(strings.Split(*sections, ",")); err != nil {
			printError(stderr, err)
			return exitUsage
		}
	}
	a, err := newApp(cfg, log)
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	defer a.close()
	// The work runs apart so that SIGINT or SIGTERM (ctx) stops the command
	// at once, whichever step it is in (reading stdin, converting,
	// generating); the output file is written whole or not at all.
	done := make(chan int, 1)
	go func() { done <- generateFile(ctx, a, *in, *format, *out, ids, stdin, stdout, stderr) }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
		fmt.Fprintln(stderr, "rotor: interrupted; nothing was written")
		return exitFailure
	}
}

// generateFile reads a request file, screens, validates and generates it,
// and writes the runbook.
func generateFile(ctx context.Context, a *app, in, format, out string, ids []runbook.SectionID, stdin io.Reader, stdout, stderr io.Writer) int {
	data, err := readInput(in, stdin)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	if data, err = requestJSON(in, data); err != nil {
		printError(stderr, err)
		return exitFailure
	}
	// Screened before it is validated, like a body: no message quotes a
	// pasted secret.
	req, _, err := a.gen.Parse(ctx, data)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	rb, err := a.gen.Generate(ctx, req, generate.Options{Sections: ids})
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	var buf bytes.Buffer
	if format == "md" {
		err = render.Markdown(&buf, rb)
	} else {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(rb)
	}
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	if ctx.Err() != nil {
		return exitFailure
	}
	if err := writeOutput(out, buf.Bytes(), stdout); err != nil {
		printError(stderr, err)
		return exitFailure
	}
	return exitOK
}

// writeOutput writes to a file atomically (temp file, then rename) or stdout,
// so a failed run never leaves a half-written file.
func writeOutput(path string, data []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rotor-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func lintCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "runbook JSON file, - for stdin")
	format := fs.String("f", "text", "output format: text or json")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *in == "" {
		fmt.Fprintln(stderr, "rotor lint: -i is required")
		return exitUsage
	}
	data, err := readInput(*in, stdin)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	rb, err := runbook.DecodeRunbook(data)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	scan, err := secretscan.New()
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	findings := lint.New(scan).Lint(rb)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"findings": findings})
	} else {
		for _, f := range findings {
			id := ""
			if f.SecretID != "" {
				id = " [" + f.SecretID + "]"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s%s: %s\n", f.Severity, f.Rule, f.Section, id, f.Message)
		}
		fmt.Fprintf(stdout, "%d finding(s), %d error(s)\n", len(findings), len(lint.Errors(findings)))
	}
	if lint.HasErrors(findings) {
		return exitFailure
	}
	return exitOK
}

// printError prints an error for a person: the message, then one line per field.
func printError(w io.Writer, err error) {
	var re *runbook.Error
	var ve *runbook.ValidationError
	switch {
	case errors.As(err, &re):
		fmt.Fprintf(w, "rotor: %s (%s)\n", re.Message, re.Code)
		for _, f := range re.Fields {
			fmt.Fprintf(w, "  %s: %s\n", orRoot(f.Path), f.Problem)
		}
	case errors.As(err, &ve):
		fmt.Fprintln(w, "rotor: the input is invalid (invalid_request)")
		for _, f := range ve.Fields {
			fmt.Fprintf(w, "  %s: %s\n", orRoot(f.Path), f.Problem)
		}
	default:
		fmt.Fprintln(w, "rotor:", err)
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}

// workerCmd processes queued jobs until it is told to stop.
func workerCmd(ctx context.Context, cfg config, log *slog.Logger) int {
	if cfg.RedisURL == "" {
		log.Error("rotor worker needs REDIS_URL: jobs are queued in Redis")
		return exitUsage
	}
	a, err := newApp(cfg, log)
	if err != nil {
		log.Error("start-up failed", "err", err)
		return exitInternal
	}
	defer a.close()
	w, err := jobs.NewWorker(cfg.RedisQueueURL, cfg.WorkerConc, a.runner, log)
	if err == nil {
		err = w.Start()
	}
	if err != nil {
		log.Error("start-up failed", "err", err)
		return exitInternal
	}
	name := workerName(cfg)
	beatCtx, stopBeat := context.WithCancel(ctx)
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		jobs.Beat(beatCtx, a.queue, name, func(err error) { log.Warn("worker heartbeat not written", "err", err) })
	}()
	log.Info("rotor worker started", "name", name, "concurrency", cfg.WorkerConc, "llm", a.mode)
	<-ctx.Done()
	log.Info("worker shutting down")
	stopBeat()
	<-beatDone
	w.Shutdown()
	log.Info("stopped")
	return exitOK
}

// workerName names this host's worker in its heartbeat.
func workerName(cfg config) string {
	if cfg.WorkerName != "" {
		return cfg.WorkerName
	}
	host, _ := os.Hostname()
	return host
}

// signedLinks builds the signer of runbook links from ROTOR_LINK_KEY, or a
// random key for this process (said loudly: its links die with it and do
// not open on another replica).
func signedLinks(cfg config, log *slog.Logger) (*httpapi.Links, error) {
	key := cfg.LinkKey
	if len(key) == 0 {
		key = make([]byte, httpapi.MinLinkKeyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		log.Warn("ROTOR_LINK_KEY not set: runbook links are signed with a key made for this process; they stop working when it restarts and do not open on other replicas")
	}
	return httpapi.NewLinks(key, cfg.LinkTTL)
}

// healthcheck is the container's HEALTHCHECK (the image has no shell and no
// curl): by default it asks the local server's /healthz; with --worker it
// checks this host's worker wrote its heartbeat to the queue's Redis lately.
func healthcheck(ctx context.Context, args []string, cfg config, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	worker := fs.Bool("worker", false, "check this host's `rotor worker` (its heartbeat in REDIS_QUEUE_URL) instead of the HTTP server")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *worker {
		if cfg.RedisQueueURL == "" {
			fmt.Fprintln(stderr, "healthcheck: --worker needs REDIS_URL (or REDIS_QUEUE_URL)")
			return exitUsage
		}
		r, err := cache.NewRedis(cfg.RedisQueueURL, cache.RedisOptions{Timeout: 2 * time.Second})
		if err != nil {
			fmt.Fprintln(stderr, "healthcheck:", err)
			return exitFailure
		}
		defer r.Close()
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := jobs.CheckHeartbeat(ctx, r, workerName(cfg), time.Now()); err != nil {
			fmt.Fprintln(stderr, "healthcheck:", err)
			return exitFailure
		}
		return exitOK
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return exitFailure
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return exitFailure
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return exitFailure
	}
	return exitOK
}
