package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/rotor-dev/rotor/internal/jobs"
)

// workerCmd processes queued jobs until it is told to stop.
func workerCmd(ctx context.Context, cfg config, log *slog.Logger) int {
	if cfg.RedisURL == "" {
		log.Error("rotor worker needs REDIS_URL: jobs are queued in Redis")
		return exitUsage
	}
	a, ok := startApp(cfg, log)
	if !ok {
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
	// The first heartbeat is written before the worker says it started:
	// from that line on, its healthcheck passes.
	if err := jobs.WriteBeat(ctx, a.queue, name); err != nil {
		log.Warn("worker heartbeat not written", "err", err)
	}
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
