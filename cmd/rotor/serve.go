package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/metrics"
	"github.com/rotor-dev/rotor/internal/ratelimit"
	"github.com/rotor-dev/rotor/internal/replay"
	"github.com/rotor-dev/rotor/internal/slackbot"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

func serve(ctx context.Context, args []string, cfg config, log *slog.Logger, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindServeFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := checkExposure(cfg); err != nil {
		log.Error("start-up refused", "err", err)
		return exitUsage
	}
	a, ok := startApp(cfg, log)
	if !ok {
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
	var limiter httpapi.Limiter = ratelimit.NewMemory(cfg.RateLimit)
	var work httpapi.WorkLimiter = ratelimit.NewMemory(cfg.WorkLimit)
	if a.redis != nil {
		limiter = ratelimit.NewRedis(a.redis, cfg.RateLimit)
		work = ratelimit.NewRedis(a.redis, cfg.WorkLimit)
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
	if d, ok := queue.(interface {
		Depth(context.Context) (jobs.Depth, error)
	}); ok {
		a.metrics.WatchQueue(func(ctx context.Context) (metrics.QueueDepth, error) {
			n, err := d.Depth(ctx)
			return metrics.QueueDepth{Pending: n.Pending, Active: n.Active}, err
		})
	}
	slackCfg := httpapi.Slack{Secrets: cfg.SlackSecrets, ResponseHosts: cfg.SlackHosts, PublicURL: cfg.PublicURL}
	if a.redis != nil {
		slackCfg.Replays = replay.NewRedis(a.redis)
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
	// Unready first, still serving: a load balancer polling /readyz takes
	// this replica out before it stops taking connections.
	a.draining.Store(true)
	log.Info("draining", "delay", cfg.DrainDelay.String())
	if cfg.DrainDelay > 0 {
		t := time.NewTimer(cfg.DrainDelay)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			log.Error("server stopped", "err", err)
			return exitInternal
		}
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

// checkExposure refuses what would expose rotor by mistake: an address
// beyond loopback with no API keys (anyone who reaches it generates on the
// LLM account and reads every runbook), unless ROTOR_ALLOW_OPEN=1 says it is
// meant; and replicas sharing runbooks through Redis without a shared link
// key (a link signed by one would be refused by the others).
func checkExposure(cfg config) error {
	if len(cfg.APIKeys) == 0 && !cfg.AllowOpen && !loopback(cfg.Addr) {
		return fmt.Errorf("refusing to serve an open API on %s, which is reachable beyond this machine: set ROTOR_API_KEYS (see the README's Security section), "+
			"listen on 127.0.0.1 (ROTOR_ADDR=127.0.0.1:8080), or set ROTOR_ALLOW_OPEN=1 when the network in front of rotor is trusted", cfg.Addr)
	}
	if cfg.RedisURL != "" && len(cfg.LinkKey) == 0 {
		return errors.New("ROTOR_LINK_KEY is required with REDIS_URL: replicas share runbooks through Redis, and a runbook link signed by one must open on the others " +
			"(set the same key, at least 32 bytes, on every replica: openssl rand -hex 32)")
	}
	return nil
}

// loopback reports whether addr listens on this machine only: a loopback IP
// or a name that resolves to one. An empty host is every interface.
func loopback(addr string) bool {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil || ta.IP == nil {
		return false
	}
	return ta.IP.IsLoopback()
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
