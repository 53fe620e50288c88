package main

import (
	"bufio"
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

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// proc is a rotor process.
type proc struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	base   string
	exited chan struct{} // closed once the process has exited
}

// startProc starts rotor (bin) with env; a server ("serve") listens on a
// port of its choosing and startProc returns once it does.
func startProc(t *testing.T, bin string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuffer{}, exited: make(chan struct{})}
	serving := len(args) > 0 && args[0] == "serve"
	if serving {
		env = maps.Clone(env)
		sharedLinkKey(env)
	}
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	if serving && env["ROTOR_ADDR"] == "" {
		vars = append(vars, "ROTOR_ADDR=127.0.0.1:0")
	}
	p.cmd = rotorCommand(bin, vars, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	// Stopped at the end of the test whatever happens: SIGTERM, then the
	// whole process group is killed if it has not exited (cleanup only: no
	// test outcome depends on this wait).
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(time.Minute):
			_ = killGroup(p.cmd)
			<-p.exited
		}
	})
	if serving {
		p.base = p.logs.listening(t, p.exited)
	}
	return p
}

// TestFleetSurvivesAKilledWorker runs two API processes and two workers on
// one Redis, SIGKILLs the worker running a job, and checks the job completes
// elsewhere with all ten sections, sections finished before the kill are not
// paid for again, and a late SSE client receives every section.
func TestFleetSurvivesAKilledWorker(t *testing.T) {
	t.Parallel()
	bin := rotorBinary(t)
	redisSrv := redistest.Start(t)
	req, _ := decode.ParseRequest(acme(t))
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
	api1 := startProc(t, bin, env(), "serve")
	api2 := startProc(t, bin, env(), "serve")
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

	// Follow the job until a worker has finished three sections, then kill
	// that worker.
	events, err := http.Get(api2.base + loc + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()
	done := map[string]bool{}
	lines := bufio.NewScanner(events.Body)
	lines.Buffer(make([]byte, 1<<20), 16<<20)
	for len(done) < 3 && lines.Scan() {
		var ev struct{ Section string }
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok && json.Unmarshal([]byte(data), &ev) == nil && ev.Section != "" {
			done[ev.Section] = true
		}
	}
	if len(done) < 3 {
		t.Fatalf("the job's stream ended with %d sections: %v", len(done), lines.Err())
	}
	var job struct {
		Status   string            `json:"status"`
		Worker   string            `json:"worker"`
		Progress map[string]string `json:"progress"`
	}
	_, body = do(t, "GET", api2.base+loc, "", nil)
	if err := json.Unmarshal(body, &job); err != nil || job.Status != "running" {
		t.Fatalf("the job is not running: %s", body)
	}
	for s, p := range job.Progress {
		if p != "pending" {
			done[s] = true
		}
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
	<-victim.exited
	t.Logf("killed worker %d with %d/10 sections done", pid, len(done))

	// The job is retried by the other worker once the dead one's lease
	// expires (asynq: 30 s lease, recovery checked every minute): the
	// stream ends with the runbook then.
	awaitJob(t, api2.base, loc)
	resp, body = do(t, "GET", api2.base+loc, "", nil)
	var final runbook.Runbook
	if resp.StatusCode != 200 || json.Unmarshal(body, &final) != nil || final.ID == "" {
		t.Fatalf("job not completed after the kill: %d %.300s", resp.StatusCode, body)
	}
	for _, id := range section.IDs() {
		if !section.Must(id).Present(&final.Sections) {
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
	bin := dockerBinary(t)
	out, _ := exec.Command("file", bin).CombinedOutput()
	if len(out) > 0 && !strings.Contains(string(out), "statically linked") {
		t.Errorf("not static: %s", out)
	}
	if b, err := exec.Command("ldd", bin).CombinedOutput(); err == nil && !strings.Contains(string(b), "not a dynamic executable") {
		t.Errorf("ldd: %s", b)
	}
	// The container's binary is itself (not this test binary): no asRotor.
	srv := exec.Command(bin, "serve")
	logs := &syncBuffer{}
	srv.Env, srv.Stdout, srv.Stderr = []string{"ROTOR_ADDR=127.0.0.1:0"}, logs, logs
	inGroup(srv)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.Wait(); close(exited) }()
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); <-exited }()
	addr := strings.TrimPrefix(logs.listening(t, exited), "http://")
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
