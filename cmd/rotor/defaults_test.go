package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// testLinkKey signs links in tests that share runbooks through Redis.
const testLinkKey = "test-link-key-0123456789abcdef0123456789"

// TestLintCommandRefusesWhatIsNotARunbook: `rotor lint` exits 1 on `{}`, a
// request, a runbook without sections..., naming the missing field, instead
// of printing "0 finding(s)".
func TestLintCommandRefusesWhatIsNotARunbook(t *testing.T) {
	files, err := filepath.Glob("../../internal/lint/testdata/not-runbooks/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, file := range files {
		code, stdout, stderr := cli(t, "", "lint", "-i", file)
		if code != exitFailure || !strings.Contains(stderr, "invalid") || strings.Contains(stdout, "0 finding(s)") {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s", filepath.Base(file), code, stdout, stderr)
		}
	}
	code, _, stderr := cli(t, "{}", "lint", "-i", "-")
	if code != exitFailure || !strings.Contains(stderr, "sections: no section") {
		t.Errorf("{} on stdin: exit %d %s", code, stderr)
	}
}

// TestVersionCommand: `rotor version` says which build this is, without
// reading the configuration (it works with a broken environment too).
func TestVersionCommand(t *testing.T) {
	var out, errb strings.Builder
	code := run(context.Background(), []string{"version"}, env(map[string]string{"ROTOR_LLM": "nonsense"}), strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"rotor ", runtime.Version(), "revision "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output %q lacks %q", out.String(), want)
		}
	}
}

// TestServeBindsLoopbackByDefault: the README's first command serves on
// localhost only; the container (Dockerfile) says :8080 itself.
func TestServeBindsLoopbackByDefault(t *testing.T) {
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" {
		t.Errorf("default ROTOR_ADDR %q", cfg.Addr)
	}
	// The README's first command starts on the embedded defaults.
	if err := checkExposure(cfg); err != nil {
		t.Errorf("the defaults are refused: %v", err)
	}
	docker, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ENV ROTOR_ADDR=:8080$`).Match(docker) {
		t.Error("the Dockerfile does not set ROTOR_ADDR=:8080 (a container must listen beyond its loopback)")
	}
}

// serveExit runs `rotor serve` and returns its exit code and logs when it
// stops by itself; a server that starts is stopped and reported as -1.
func serveExit(t *testing.T, vars map[string]string) (int, string) {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done, exited := make(chan int, 1), make(chan struct{})
	go func() {
		done <- run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), io.Discard, logs)
		close(exited)
	}()
	if _, started := logs.lineOrExit(exited, `"msg":"rotor listening"`); !started {
		return <-done, logs.String()
	}
	cancel()
	<-done
	return -1, logs.String()
}

// TestServeRefusesAnOpenAPIOnTheNetwork: with no API keys, an address
// beyond loopback is refused at start (naming both fixes) unless
// ROTOR_ALLOW_OPEN=1 says so on purpose; loopback addresses and keyed
// servers start.
func TestServeRefusesAnOpenAPIOnTheNetwork(t *testing.T) {
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	keys := "ci:sha256:" + keyHash("k-1")
	tests := []struct {
		addr, keys, allowOpen string
		refused               bool
	}{
		{":" + port, "", "", true},
		{"0.0.0.0:" + port, "", "", true},
		{"[::]:" + port, "", "", true},
		{":" + port, "", "1", false},
		{":" + port, keys, "", false},
		{"127.0.0.1:" + port, "", "", false},
		{"localhost:" + port, "", "", false},
	}
	for _, tt := range tests {
		code, logs := serveExit(t, map[string]string{"ROTOR_ADDR": tt.addr, "ROTOR_API_KEYS": tt.keys, "ROTOR_ALLOW_OPEN": tt.allowOpen})
		switch {
		case tt.refused && (code != exitUsage || !strings.Contains(logs, "ROTOR_API_KEYS") || !strings.Contains(logs, "ROTOR_ALLOW_OPEN=1")):
			t.Errorf("%s keys=%v allow=%q: exit %d, want a refusal naming ROTOR_API_KEYS and ROTOR_ALLOW_OPEN=1:\n%s", tt.addr, tt.keys != "", tt.allowOpen, code, logs)
		case !tt.refused && code != -1:
			t.Errorf("%s keys=%v allow=%q: exit %d, want it to serve:\n%s", tt.addr, tt.keys != "", tt.allowOpen, code, logs)
		}
	}
}

// TestSharedRunbooksNeedASharedLinkKey: with Redis, runbooks are read by
// every replica, so a link signed by one must open on another: serve
// refuses to start with a per-process key instead of failing at the first
// link.
func TestSharedRunbooksNeedASharedLinkKey(t *testing.T) {
	url := redistest.URL(t)
	code, logs := serveExit(t, map[string]string{"ROTOR_ADDR": freeAddr(t), "REDIS_URL": url})
	if code != exitUsage || !strings.Contains(logs, "ROTOR_LINK_KEY") {
		t.Errorf("Redis without ROTOR_LINK_KEY: exit %d:\n%s", code, logs)
	}
	code, logs = serveExit(t, map[string]string{"ROTOR_ADDR": freeAddr(t), "REDIS_URL": url, "ROTOR_LINK_KEY": testLinkKey})
	if code != -1 {
		t.Errorf("Redis with ROTOR_LINK_KEY: exit %d:\n%s", code, logs)
	}
}

// TestReadinessFailsWhileDraining: from the moment serve is told to stop,
// /readyz answers 503 "draining" (a load balancer takes the replica out)
// while it keeps serving for ROTOR_DRAIN_DELAY, then it stops.
func TestReadinessFailsWhileDraining(t *testing.T) {
	s := startServer(t, map[string]string{"ROTOR_DRAIN_DELAY": "4s"})
	resp, body := do(t, "GET", s.base+"/readyz", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("before: %d %s", resp.StatusCode, body)
	}
	s.cancel()
	s.cancel = nil
	// serve sees the cancellation in its own goroutine: the first answers
	// may still be "ready". Asked until it says draining, which it must
	// before it stops (ROTOR_DRAIN_DELAY later).
	for {
		resp, body = do(t, "GET", s.base+"/readyz", "", nil)
		if resp.StatusCode != 200 {
			break
		}
		select {
		case code := <-s.done:
			t.Fatalf("stopped (exit %d) without ever answering draining; last: %s", code, body)
		default:
		}
	}
	if resp.StatusCode != 503 || !strings.Contains(string(body), `"draining"`) {
		t.Errorf("draining: %d %s", resp.StatusCode, body)
	}
	// Liveness is not readiness: the process is fine.
	if resp, body := do(t, "GET", s.base+"/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz while draining: %d %s", resp.StatusCode, body)
	}
	if code := <-s.done; code != exitOK {
		t.Errorf("exit %d:\n%s", code, s.logs.String())
	}
	if !strings.Contains(s.logs.String(), `"msg":"draining"`) {
		t.Errorf("no draining line in the logs:\n%s", s.logs.String())
	}
}

// TestMetricsNameTheBuildAndState: /metrics carries rotor_build_info and
// the state gauges of the running service (its breaker, its queue).
func TestMetricsNameTheBuildAndState(t *testing.T) {
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	resp, body := do(t, "GET", s.base+"/metrics", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, want := range []string{`rotor_build_info{goversion="` + runtime.Version() + `",revision="`, `rotor_llm_breaker_state{state="closed"} 1`,
		"rotor_llm_calls_in_flight 0", "rotor_jobs_queue_depth 0", "rotor_jobs_active 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestComposeIsSafeByDefault: `docker compose up` needs API keys and a link
// key (Compose refuses to start with either unset), publishes the API on
// this machine's loopback only, and every image (the Dockerfile's bases
// too) is pinned by digest, so a rebuild gets the bytes that were reviewed.
func TestComposeIsSafeByDefault(t *testing.T) {
	data, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.UnmarshalWithOptions(data, &compose, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatal(err)
	}
	digest := regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	required := regexp.MustCompile(`^\$\{(\w+):\?[^}]+\}$`)
	apis := 0
	for name, s := range compose.Services {
		if s.Image != "" && !digest.MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned by digest", name, s.Image)
		}
		if s.Image == "" && s.Build == nil {
			t.Errorf("%s: neither an image nor a build", name)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %q is published on every interface", name, p)
			}
		}
		if s.Build == nil {
			continue
		}
		for _, v := range []string{"ROTOR_API_KEYS", "ROTOR_LINK_KEY"} {
			if m := required.FindStringSubmatch(s.Environment[v]); m == nil || m[1] != v {
				t.Errorf("%s: %s is %q, not required (${%s:?...})", name, v, s.Environment[v], v)
			}
		}
		if len(s.Ports) > 0 {
			apis++
		}
	}
	if apis < 2 {
		t.Errorf("%d API replicas published", apis)
	}
	docker, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(docker), -1)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile has %d FROM lines", len(froms))
	}
	for _, f := range froms {
		if !digest.MatchString(f[1]) {
			t.Errorf("Dockerfile: FROM %s is not pinned by digest", f[1])
		}
	}
}

// TestTraceResourceAndProvider: OTEL_RESOURCE_ATTRIBUTES (W3C baggage
// format, percent-encoded values) describe the process in every exported
// span, OTEL_SERVICE_NAME still wins for service.name, and a model call's
// gen_ai.provider.name is the provider configured, not always "openai".
func TestTraceResourceAndProvider(t *testing.T) {
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	col := newCollector(t)
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL,
		"OTEL_SERVICE_NAME": "rotor-eu", "ROTOR_LLM_PROVIDER": "vllm",
		"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=staging,service.namespace=payments%20team,service.name=ignored"})
	resp, body := do(t, "POST", s.base+"/runbooks?sections=inventory", "application/json", acme(t))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(body, &rb); err != nil || rb.Generator.Provider != "vllm" {
		t.Errorf("runbook generator %+v %v, want provider vllm", rb.Generator, err)
	}
	s.stop(t) // flushes the exporter
	col.mu.Lock()
	defer col.mu.Unlock()
	for k, want := range map[string]string{"deployment.environment.name": "staging", "service.namespace": "payments team", "service.name": "rotor-eu"} {
		if got := col.resource[k]; got != want {
			t.Errorf("resource %s = %q, want %q (all: %v)", k, got, want, col.resource)
		}
	}
	chats := 0
	for _, sp := range col.spans {
		if strings.HasPrefix(sp.Name, "chat ") {
			chats++
			if p := attr(sp, "gen_ai.provider.name"); p != "vllm" {
				t.Errorf("%s: gen_ai.provider.name %q", sp.Name, p)
			}
		}
	}
	if chats == 0 {
		t.Error("no model call was traced")
	}
}

// TestProviderFromTheEndpoint: with ROTOR_LLM_PROVIDER unset the provider
// is read from the base URL; a server rotor cannot tell is
// "openai_compatible", never a claim that it is OpenAI.
func TestProviderFromTheEndpoint(t *testing.T) {
	for base, want := range map[string]string{
		"":                              "openai",
		"https://api.openai.com/v1":     "openai",
		"https://acme.openai.azure.com": "azure.ai.openai",
		"https://acme.openai.azure.com/openai/v1":                  "azure.ai.openai",
		"https://generativelanguage.googleapis.com/v1beta/openai/": "gcp.gemini",
		"http://localhost:11434/v1":                                "ollama",
		"http://gpu-box:8000/v1":                                   "openai_compatible",
	} {
		cfg, err := loadConfig(env(map[string]string{"OPENAI_BASE_URL": base}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Provider != want {
			t.Errorf("%q: provider %q, want %q", base, cfg.Provider, want)
		}
	}
	for name, want := range map[string]string{"vllm": "vllm", "litellm": "litellm", "azure": "azure.ai.openai", "gemini": "gcp.gemini", "Ollama": "ollama"} {
		cfg, err := loadConfig(env(map[string]string{"ROTOR_LLM_PROVIDER": name, "OPENAI_BASE_URL": "http://gpu-box:8000/v1"}))
		if err != nil || cfg.Provider != want {
			t.Errorf("ROTOR_LLM_PROVIDER=%s: %q %v, want %q", name, cfg.Provider, err, want)
		}
	}
	if _, err := loadConfig(env(map[string]string{"ROTOR_LLM_PROVIDER": "skynet"})); err == nil || !strings.Contains(err.Error(), "ROTOR_LLM_PROVIDER") {
		t.Errorf("an unknown provider: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "no-equals-sign"})); err == nil || !strings.Contains(err.Error(), "OTEL_RESOURCE_ATTRIBUTES") {
		t.Errorf("a malformed OTEL_RESOURCE_ATTRIBUTES: %v", err)
	}
}
