package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/metrics"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/prompts"
)

// app is the wired pipeline, shared by serve and generate.
type app struct {
	gen     *generate.Service
	linter  *lint.Linter
	schemas *schema.Set
	mode    string
	client  *openai.Client
	redis   *store.Redis
	// queue is the Redis of jobs, job states and stored runbooks: REDIS_QUEUE_URL,
	// or the same as redis.
	queue    *store.Redis
	runbooks *repository.Runbooks
	scan     *secretscan.Scanner
	jobs     *jobs.Store
	runner   *jobs.Runner
	metrics  *metrics.Metrics
	// draining is set when serve was told to stop: /readyz answers 503
	// from then on, while in-flight work finishes.
	draining atomic.Bool
}

// ready reports the dependencies for /readyz: degraded (still serving) when
// Redis does not answer or the LLM's circuit breaker is open.
func (a *app) ready(ctx context.Context) (string, map[string]string) {
	status, checks := "ready", map[string]string{"llm": a.mode, "cache": "in-process"}
	if a.draining.Load() {
		// Unready at once, whatever the dependencies say: a load balancer
		// stops sending new work here.
		checks["server"] = "draining: finishing in-flight work before stopping"
		return "draining", checks
	}
	if a.client != nil && a.client.BreakerOpen() {
		status, checks["llm"] = "degraded", a.mode+": circuit breaker open, sections come from the offline writer"
		if cause := a.client.BreakerCause(); cause != "" {
			checks["llm"] += "; it opened after: " + cause
		}
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

// startApp is newApp for a long-running command (serve, worker): a
// failure is logged, and the command exits with exitInternal.
func startApp(cfg config, log *slog.Logger) (*app, bool) {
	a, err := newApp(cfg, log)
	if err != nil {
		log.Error("start-up failed", "err", err)
		return nil, false
	}
	return a, true
}

func newApp(cfg config, log *slog.Logger) (*app, error) {
	scan, err := secretscan.New()
	if err != nil {
		return nil, err
	}
	schemas, err := section.Schemas()
	if err != nil {
		return nil, err
	}
	linter := lint.New(scan)
	a := &app{linter: linter, schemas: schemas, scan: scan, metrics: metrics.New()}
	a.metrics.BuildInfo(buildInfo())
	for _, r := range linter.Rules() {
		a.metrics.KnownRule(r.ID, r.Severity)
	}
	local := store.NewMemory(cfg.CacheBytes)
	var shared store.Store = local
	cc := generate.CacheConfig{TTL: cfg.CacheTTL, FallbackTTL: cfg.FallbackTTL}
	if cfg.RedisURL != "" {
		if a.redis, err = store.NewRedis(cfg.RedisURL, store.RedisOptions{Timeout: cfg.RedisTimeout, Logger: log}); err != nil {
			return nil, err
		}
		shared = store.NewTiered(a.redis, local, log)
		cc.Locker = a.redis
	}
	cc.Cache = shared
	// Stored runbooks and job states must not be evicted: they live in the
	// queue's Redis (noeviction, persisted) when it is a separate one.
	durable := shared
	var jobState store.Store = local
	if a.redis != nil {
		a.queue = a.redis
		if cfg.RedisQueueURL != cfg.RedisURL {
			if a.queue, err = store.NewRedis(cfg.RedisQueueURL, store.RedisOptions{Timeout: cfg.RedisTimeout, Logger: log}); err != nil {
				return nil, err
			}
			durable = store.NewTiered(a.queue, local, log)
		}
		// Job states change: they live in Redis itself, never in a local
		// copy that could go stale.
		jobState = a.queue
	}
	a.runbooks = repository.New(durable, cfg.RunbookTTL, repository.Options{Markdown: markdown, LocalBytes: cfg.CacheBytes / 2, Logger: log})
	a.jobs = jobs.NewStore(jobState, cfg.RunbookTTL)
	gc := generate.Config{Screener: scan, Linter: linter, Logger: log, Schemas: schemas, MaxWork: cfg.MaxWork,
		Concurrency: cfg.Concurrency, MaxAttempts: cfg.MaxAttempts, Deadline: cfg.Deadline, MaxTokens: cfg.MaxTokens, ContextTokens: cfg.ContextTokens,
		TokenBudget: cfg.TokenBudget, MaxCalls: cfg.MaxCalls,
		Cache: cc, Runbooks: a.runbooks, Drafts: cfg.CatalogDrafts, CodeVersion: codeVersion(), Endpoint: cfg.OpenAIBaseURL, Observer: a.metrics, TracerProvider: cfg.Tracer}
	mode := "offline"
	if cfg.LLM == "openai" && cfg.Provider == llm.ProviderOllama {
		if err := checkOllama(cfg, &http.Client{}, log); err != nil {
			return nil, err
		}
	}
	if cfg.LLM == "openai" {
		client, p, err := buildLLM(cfg, nil, cfg.Retries)
		if err != nil {
			return nil, err
		}
		gc.LLM, gc.Prompts, a.client, gc.Provider = client, p, client, cfg.Provider
		// With a model, it reads the request's prose too (cross-checked with
		// the rules), its readings cached per text like sections.
		reader, err := intake.NewModelReader(generate.IntakeAsker(client, cfg.OpenAIBaseURL, a.metrics), cc.Cache, cc.TTL)
		if err != nil {
			return nil, err
		}
		if cc.Locker != nil {
			// Replicas share one reading of a text, as they share sections.
			reader.Coordinate(generate.ReadingLock(cc.Locker, 30*time.Second), 50*time.Millisecond, cfg.Deadline)
		}
		gc.Reader = reader
		a.metrics.WatchLLM(func() (string, int) { return client.BreakerState(), client.InFlight() })
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
func buildLLM(cfg config, transport http.RoundTripper, retries int) (*openai.Client, *prompts.Set, error) {
	var pfs fs.FS = prompts.FS
	if cfg.PromptsDir != "" {
		pfs = os.DirFS(cfg.PromptsDir)
	}
	p, err := section.LoadPrompts(pfs)
	if err != nil {
		return nil, nil, err
	}
	client, err := openai.New(openai.Config{APIKey: cfg.OpenAIKey, Token: cfg.azureToken(), BaseURL: cfg.OpenAIBaseURL, Provider: cfg.Provider, APIVersion: cfg.OpenAIVersion, Model: cfg.Model,
		Mode: cfg.LLMMode, Prices: cfg.Prices, Transport: transport, MaxTokens: cfg.MaxTokens, Connections: cfg.Concurrency,
		Reasoning: cfg.Reasoning || openai.IsReasoningModel(cfg.Model), ReasoningEffort: cfg.ReasoningEffort, TracerProvider: cfg.Tracer,
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

// ollamaPrompt is about the largest prompt rotor sends one call (7-8k tokens
// for the seed's request, measured against the fake server).
const ollamaPrompt = 8000

// ollamaDefaultContext is the context Ollama gives a model whose Modelfile
// sets no num_ctx (unless the server runs with OLLAMA_CONTEXT_LENGTH).
const ollamaDefaultContext = 4096

// checkOllama asks Ollama what context the model runs with and refuses to
// start when rotor's prompt and answer budget would not fit (Ollama cuts a
// longer prompt silently, and every section would be written from half its
// facts), or when rotor was told a larger window than the model has.
func checkOllama(cfg config, client *http.Client, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	numCtx, trained, err := llm.OllamaContext(ctx, client, cfg.OpenAIBaseURL, cfg.Model)
	if err != nil {
		return err
	}
	runs, how := numCtx, "num_ctx in its Modelfile"
	if numCtx == 0 {
		if cfg.ContextExplicit {
			// The server may run with OLLAMA_CONTEXT_LENGTH, which /api/show
			// does not tell: take rotor's setting at its word.
			log.Warn("Ollama does not say the model's num_ctx: assuming the server runs with OLLAMA_CONTEXT_LENGTH >= ROTOR_CONTEXT_TOKENS", "model", cfg.Model, "context_tokens", cfg.ContextTokens)
			return nil
		}
		runs, how = ollamaDefaultContext, "Ollama's default: its Modelfile sets no num_ctx"
	}
	need := ollamaPrompt + cfg.MaxTokens
	fix := fmt.Sprintf("Fix: give the model a larger context (OLLAMA_CONTEXT_LENGTH=32768 ollama serve, or PARAMETER num_ctx 32768 in a Modelfile; the model allows %d) "+
		"and tell rotor the same: ROTOR_CONTEXT_TOKENS=32768 ROTOR_MAX_TOKENS=8192", trained)
	switch {
	case runs < need:
		return fmt.Errorf("Ollama runs %s with a %d-token context (%s); rotor's prompts need about %d tokens plus ROTOR_MAX_TOKENS=%d of answer, and Ollama would cut them silently. %s",
			cfg.Model, runs, how, ollamaPrompt, cfg.MaxTokens, fix)
	case cfg.ContextTokens > runs:
		return fmt.Errorf("ROTOR_CONTEXT_TOKENS=%d, but Ollama runs %s with a %d-token context (%s): rotor would send prompts that do not fit. %s",
			cfg.ContextTokens, cfg.Model, runs, how, fix)
	}
	return nil
}
