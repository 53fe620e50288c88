package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// healthcheckWorker runs `rotor healthcheck --worker` as the container
// does, returning its exit code and message.
func healthcheckWorker(t *testing.T, bin string, env ...string) (int, string) {
	t.Helper()
	out, err := rotorCommand(bin, env, "healthcheck", "--worker").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestQueueRedisAndWorkerHealth runs an API and a worker on two Redis
// servers, as compose.yaml does: jobs, job states and runbooks go to the
// queue's Redis (never evicted), the cache's Redis holds only the cache; the
// worker is healthy while it beats, and not once it stops or its heartbeat
// is stale.
func TestQueueRedisAndWorkerHealth(t *testing.T) {
	t.Parallel()
	bin := rotorBinary(t)
	cacheR, queueR := redistest.Start(t), redistest.Start(t)
	env := map[string]string{"REDIS_URL": cacheR.URL, "REDIS_QUEUE_URL": queueR.URL, "ROTOR_SERVE_WORKERS": "0", "ROTOR_WORKER_NAME": "worker-a"}
	hcEnv := []string{"REDIS_URL=" + cacheR.URL, "REDIS_QUEUE_URL=" + queueR.URL, "ROTOR_WORKER_NAME=worker-a"}

	if code, out := healthcheckWorker(t, bin, hcEnv...); code == 0 || !strings.Contains(out, "no heartbeat") {
		t.Errorf("no worker yet: exit %d %s", code, out)
	}
	worker := startProc(t, bin, env, "worker")
	// It says it started once its first heartbeat is written.
	worker.logs.waitLine(t, worker.exited, `"msg":"rotor worker started"`)
	if code, out := healthcheckWorker(t, bin, hcEnv...); code != 0 {
		t.Fatalf("started worker not healthy: %s\n%s", out, worker.logs.String())
	}
	api := startProc(t, bin, env, "serve")
	resp, body := do(t, "POST", api.base+"/runbooks", "application/json", acme(t), "Prefer", "respond-async")
	if resp.StatusCode != 202 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/runbooks/")
	awaitJob(t, api.base, loc)
	if resp, body = do(t, "GET", api.base+loc, "", nil); resp.StatusCode != 200 {
		t.Fatalf("job not done: %d %s", resp.StatusCode, body)
	}
	ctx := context.Background()
	keys := func(url string) string {
		ks, err := redistest.Client(t, url).Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(ks, "\n")
	}
	queueKeys, cacheKeys := keys(queueR.URL), keys(cacheR.URL)
	for _, want := range []string{"rotor:v1:job:" + id, "rotor:v1:runbook:" + id, "asynq:", "rotor:v1:worker:worker-a:heartbeat"} {
		if !strings.Contains(queueKeys, want) {
			t.Errorf("queue Redis lacks %s:\n%s", want, queueKeys)
		}
		if strings.Contains(cacheKeys, want) {
			t.Errorf("cache Redis holds %s", want)
		}
	}
	if !strings.Contains(cacheKeys, "rotor:v1:") {
		t.Errorf("cache Redis holds no cache entry:\n%s", cacheKeys)
	}

	// A heartbeat older than 20 s is a stuck worker.
	stale := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	if err := redistest.Client(t, queueR.URL).Set(ctx, "rotor:v1:worker:worker-stuck:heartbeat", stale, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if code, out := healthcheckWorker(t, bin, "REDIS_URL="+cacheR.URL, "REDIS_QUEUE_URL="+queueR.URL, "ROTOR_WORKER_NAME=worker-stuck"); code == 0 || !strings.Contains(out, "ago") {
		t.Errorf("stale heartbeat: exit %d %s", code, out)
	}
	// A stopped worker is not healthy.
	if err := worker.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-worker.exited
	if code, out := healthcheckWorker(t, bin, hcEnv...); code == 0 {
		t.Errorf("stopped worker: exit %d %s", code, out)
	}
}

// TestContainerOperations reads compose.yaml and .dockerignore as Docker
// would use them.
func TestContainerOperations(t *testing.T) {
	data, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Command         []string          `yaml:"command"`
			Environment     map[string]string `yaml:"environment"`
			Restart         string            `yaml:"restart"`
			ReadOnly        bool              `yaml:"read_only"`
			CapDrop         []string          `yaml:"cap_drop"`
			StopGracePeriod string            `yaml:"stop_grace_period"`
			Volumes         []string          `yaml:"volumes"`
			Healthcheck     struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	// A merged service overriding a key (api2's ports) is not a duplicate to Compose.
	if err := yaml.UnmarshalWithOptions(data, &compose, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cacheCmd := strings.Join(compose.Services["redis-cache"].Command, " ")
	for _, want := range []string{"--maxmemory-policy allkeys-lru", "--maxmemory "} {
		if !strings.Contains(cacheCmd, want) {
			t.Errorf("redis-cache command %q lacks %q", cacheCmd, want)
		}
	}
	queue := compose.Services["redis-queue"]
	queueCmd := strings.Join(queue.Command, " ")
	for _, want := range []string{"--maxmemory-policy noeviction", "--appendonly yes"} {
		if !strings.Contains(queueCmd, want) {
			t.Errorf("redis-queue command %q lacks %q", queueCmd, want)
		}
	}
	if len(queue.Volumes) == 0 {
		t.Error("redis-queue keeps its AOF in no volume")
	}
	for _, name := range []string{"api1", "api2", "worker"} {
		s, ok := compose.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		shutdown, _ := time.ParseDuration(s.Environment["ROTOR_SHUTDOWN_TIMEOUT"])
		if shutdown == 0 {
			shutdown = cfg.ShutdownTimeout
		}
		if err != nil || grace <= shutdown+20*time.Second {
			t.Errorf("%s: stop_grace_period %q is not above the shutdown timeout %s and the worker's 20 s job grace", name, s.StopGracePeriod, shutdown)
		}
		if s.Restart == "" || s.Restart == "no" || !s.ReadOnly || strings.Join(s.CapDrop, ",") != "ALL" {
			t.Errorf("%s: restart %q, read_only %v, cap_drop %v", name, s.Restart, s.ReadOnly, s.CapDrop)
		}
		if !strings.HasPrefix(s.Environment["REDIS_URL"], "redis://redis-cache") || !strings.HasPrefix(s.Environment["REDIS_QUEUE_URL"], "redis://redis-queue") {
			t.Errorf("%s: REDIS_URL %q, REDIS_QUEUE_URL %q", name, s.Environment["REDIS_URL"], s.Environment["REDIS_QUEUE_URL"])
		}
	}
	if hc := strings.Join(compose.Services["worker"].Healthcheck.Test, " "); !strings.Contains(hc, "healthcheck --worker") {
		t.Errorf("worker healthcheck %q", hc)
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(ignore), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", ".env", "**/testdata/*.png", "*.test"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// TestReadmeTestCommandIsCI: the README's test command has an explicit
// -timeout (go test's default 10 minutes is not a bound we chose) and .ci/run
// runs exactly it.
func TestReadmeTestCommandIsCI(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var cmd string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "go test") {
			cmd, _, _ = strings.Cut(line, "#")
			cmd = strings.TrimSpace(cmd)
			break
		}
	}
	if !strings.Contains(cmd, "-timeout ") {
		t.Errorf("README test command %q has no -timeout", cmd)
	}
	lines := strings.Split(strings.TrimSpace(string(ci)), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != cmd {
		t.Errorf(".ci/run ends with %q, the README says %q", last, cmd)
	}
}
