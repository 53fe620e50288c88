package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/cache/redistest"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
)

// proc is a rotor process.
type proc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	base string
}

func startProc(t *testing.T, bin string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if len(args) > 0 && args[0] == "serve" {
		env = maps.Clone(env)
		sharedLinkKey(env)
	}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	inGroup(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stopped at the end of the test whatever happens: SIGTERM, then the
	// whole process group is killed if it has not exited.
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(25 * time.Second):
				_ = killGroup(p.cmd)
				<-done
			}
		}
	})
	if addr := env["ROTOR_ADDR"]; addr != "" {
		p.base = "http://" + addr
		deadline := time.Now().Add(15 * time.Second)
		for {
			resp, err := http.Get(p.base + "/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not start: %s", addr, p.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return p
}

// TestFleetSurvivesAKilledWorker runs two API processes and two workers on
// one Redis, SIGKILLs the worker running a job, and checks the job completes
// elsewhere with all ten sections, sections finished before the kill are not
// paid for again, and a late SSE client receives every section.
func TestFleetSurvivesAKilledWorker(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	redisSrv := redistest.Start(t)
	req, _ := runbook.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Latency = 1500 * time.Millisecond
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })

	env := func(extra ...string) map[string]string {
		m := map[string]string{"REDIS_URL": redisSrv.URL, "OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(),
			"ROTOR_SERVE_WORKERS": "0", "ROTOR_WORKER_CONCURRENCY": "1", "ROTOR_LLM_CONCURRENCY": "3", "ROTOR_RATE_LIMIT": "100000/m"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	api1 := startProc(t, bin, env("ROTOR_ADDR", freeAddr(t)), "serve")
	api2 := startProc(t, bin, env("ROTOR_ADDR", freeAddr(t)), "serve")
	workers := map[int]*proc{}
	for range 2 {
		w := startProc(t, bin, env(), "worker")
		workers[w.cmd.Process.Pid] = w
	}

	resp, body := do(t, "POST", api1.base+"/runbooks", "application/json", acme(t), "Prefer", "respond-async")
	if resp.StatusCode != 202 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")

	// Wait until a worker has finished some sections, then kill it.
	var job struct {
		Status   string            `json:"status"`
		Worker   string            `json:"worker"`
		Attempt  int               `json:"attempt"`
		Progress map[string]string `json:"progress"`
	}
	done := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body = do(t, "GET", api2.base+loc, "", nil)
		_ = json.Unmarshal(body, &job)
		for s, p := range job.Progress {
			if p != "pending" {
				done[s] = true
			}
		}
		if job.Status == "running" && len(done) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never got going: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(done) == 10 {
		t.Fatal("the job finished before the worker could be killed")
	}
	pid, _ := strconv.Atoi(job.Worker[strings.LastIndex(job.Worker, ":")+1:])
	victim, ok := workers[pid]
	if !ok {
		t.Fatalf("job runs on %q, not one of our workers", job.Worker)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	t.Logf("killed worker %d with %d/10 sections done", pid, len(done))

	// The job is retried by the other worker once the dead one's lease
	// expires (asynq: 30 s lease, recovery checked every minute).
	deadline = time.Now().Add(4 * time.Minute)
	var final runbook.Runbook
	for {
		resp, body = do(t, "GET", api2.base+loc, "", nil)
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &final); err != nil || final.ID == "" {
				t.Fatalf("%s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not completed after the kill: %s", body)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, id := range runbook.SectionIDs {
		if final.Sections.Get(id) == nil {
			t.Errorf("section %s missing", id)
		}
	}
	_ = json.Unmarshal(body, &job)
	// Sections finished before the kill came from the cache on the retry.
	for s := range done {
		if n := len(fake.RequestsFor(schema.Name(runbook.SectionID(s)))); n != 1 {
			t.Errorf("section %s was paid for %d times", s, n)
		}
		if st := final.SectionStatus[runbook.SectionID(s)]; st.Source != runbook.SourceCache {
			t.Errorf("section %s on the retry: %+v", s, st)
		}
	}

	// A late client on the other API process receives every section.
	evResp, err := http.Get(api1.base + loc + "/events")
	if err != nil {
		t.Fatal(err)
	}
	got, rb := sectionsAndDone(t, readEvents(t, evResp))
	if len(got) != 10 || rb == nil || rb.ID != final.ID {
		t.Errorf("late stream: %d sections", len(got))
	}
	if !strings.Contains(api2.logs.String(), `"msg":"rotor listening"`) {
		t.Error("api logs")
	}
}

// TestBinaryAsTheDockerfileBuildsIt checks the container's binary: static,
// and its healthcheck subcommand (the image's HEALTHCHECK) works.
func TestBinaryAsTheDockerfileBuildsIt(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	out, _ := exec.Command("file", bin).CombinedOutput()
	if len(out) > 0 && !strings.Contains(string(out), "statically linked") {
		t.Errorf("not static: %s", out)
	}
	if b, err := exec.Command("ldd", bin).CombinedOutput(); err == nil && !strings.Contains(string(b), "not a dynamic executable") {
		t.Errorf("ldd: %s", b)
	}
	addr := freeAddr(t)
	startProc(t, bin, map[string]string{"ROTOR_ADDR": addr}, "serve")
	hc := exec.Command(bin, "healthcheck")
	hc.Env = []string{"ROTOR_ADDR=" + addr}
	if b, err := hc.CombinedOutput(); err != nil {
		t.Errorf("healthcheck against a live server: %v %s", err, b)
	}
	hc = exec.Command(bin, "healthcheck")
	hc.Env = []string{"ROTOR_ADDR=" + freeAddr(t)}
	if err := hc.Run(); err == nil {
		t.Error("healthcheck against nothing succeeded")
	}
	// The Dockerfile builds with the same flags.
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags="-s -w"`, "USER ", "HEALTHCHECK", "rotor\", \"healthcheck"} {
		if !bytes.Contains(df, []byte(want)) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}
