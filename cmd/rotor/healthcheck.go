package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/store"
)

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
		r, err := store.NewRedis(cfg.RedisQueueURL, store.RedisOptions{Timeout: 2 * time.Second})
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
