package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/ratelimit"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

// config is the one place configuration is read. Every field has an
// environment variable; serve's flags mirror them.
type config struct {
	Addr string
	// Provider names the LLM provider (gen_ai.provider.name).
	Provider string
	// ResourceAttributes describe this process in exported spans.
	ResourceAttributes string
	// JudgeModel, JudgeBaseURL and JudgeAPIKey are eval's judge.
	JudgeModel, JudgeBaseURL, JudgeAPIKey string
	// ContextExplicit: ROTOR_CONTEXT_TOKENS was given (not auto).
	ContextExplicit bool
	// AllowOpen lets serve listen beyond loopback without API keys.
	AllowOpen bool
	// DrainDelay is how long serve stays up, unready, after SIGTERM.
	DrainDelay time.Duration
	LLM        string
	OpenAIKey  string
	// AzureToken and AzureTokenFile are a Microsoft Entra ID access token
	// for Azure OpenAI, or the file a token agent keeps it in.
	AzureToken, AzureTokenFile string
	OpenAIBaseURL              string
	OpenAIVersion              string
	Model                      string
	LLMMode                    string
	MaxTokens                  int
	ContextTokens              int
	Reasoning                  bool
	ReasoningEffort            string
	Concurrency                int
	MaxAttempts                int
	// TokenBudget and MaxCalls bound one runbook's model tokens and calls.
	TokenBudget, MaxCalls int
	AttemptTimeout        time.Duration
	Deadline              time.Duration
	Retries               int
	Prices                map[string]llm.Price
	PromptsDir            string
	// CatalogDir is the organisation's provider catalogue, merged over the
	// built-in one at start.
	CatalogDir string
	// CatalogDrafts has the LLM draft an entry for a provider the catalogue
	// lacks (with an LLM configured).
	CatalogDrafts   bool
	RedisURL        string
	RedisTimeout    time.Duration
	FallbackTTL     time.Duration
	CacheTTL        time.Duration
	RunbookTTL      time.Duration
	CacheBytes      int
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	APIKeys         []httpapi.APIKey
	MetricsOpen     bool
	RateLimit       ratelimit.Rate
	WorkLimit       ratelimit.Rate
	MaxWork         int
	RequestTimeout  time.Duration
	TrustedProxies  []string
	ServeWorkers    int
	WorkerConc      int
	JobRetries      int
	SlackSecrets    []string
	SlackHosts      []string
	PublicURL       string
	RedisQueueURL   string
	LinkKey         []byte
	LinkTTL         time.Duration
	CORS            httpapi.CORS
	// OTLPEndpoint is where traces go (OTLP/HTTP); empty: nowhere.
	OTLPEndpoint string
	ServiceName  string
	// Tracer is built from the two above at start (not an environment value).
	Tracer       trace.TracerProvider
	SSEHeartbeat time.Duration
	WorkerName   string
}

// envVars documents every variable with its default; the README table is
// written from the same list.
var envVars = []struct{ name, def, doc string }{
	{"ROTOR_ADDR", "127.0.0.1:8080", "listen address of `rotor serve`: this machine only by default; `:8080` listens on every interface (the container image sets it), which needs `ROTOR_API_KEYS` or `ROTOR_ALLOW_OPEN=1`"},
	{"ROTOR_ALLOW_OPEN", "", "`1` lets `rotor serve` listen beyond loopback with no API keys (an open API: anyone who reaches it generates on your LLM account); without it such a start is refused"},
	{"ROTOR_DRAIN_DELAY", "0s", "on SIGTERM, how long `serve` keeps serving with `/readyz` answering 503 `draining` before it stops taking connections, so a load balancer takes it out first (e.g. 5s behind one; in-flight requests then get `ROTOR_SHUTDOWN_TIMEOUT`)"},
	{"ROTOR_LLM", "auto", "`auto` (openai when OPENAI_API_KEY or an Entra ID token is set, else offline), `offline` or `openai`"},
	{"OPENAI_API_KEY", "", "API key of the OpenAI-compatible server"},
	{"AZURE_OPENAI_AD_TOKEN", "", "Azure OpenAI with Microsoft Entra ID: an access token for `https://cognitiveservices.azure.com`, sent as `Authorization: Bearer` instead of a key (no `OPENAI_API_KEY` needed; it expires: prefer the file for a server)"},
	{"AZURE_OPENAI_AD_TOKEN_FILE", "", "a file holding that token, read on every model call, so a token agent can renew it while rotor runs"},
	{"OPENAI_BASE_URL", "https://api.openai.com/v1", "any OpenAI-compatible server: OpenAI, Azure, vLLM, Ollama, llama.cpp, LiteLLM"},
	{"OPENAI_API_VERSION", "2024-10-21", "API version for Azure OpenAI (a base URL on *.openai.azure.com)"},
	{"ROTOR_LLM_PROVIDER", "auto", "who serves the model, for traces (`gen_ai.provider.name`) and the provider's quirks: `auto` (from `OPENAI_BASE_URL`: OpenAI, Azure, Gemini, Ollama on port 11434, else `openai_compatible`), `openai`, `azure`, `gemini`, `ollama`, `vllm`, `litellm`, `openai_compatible`"},
	{"ROTOR_MODEL", "gpt-4o-mini", "model (for Azure: the deployment name)"},
	{"ROTOR_LLM_MODE", "json_schema", "`json_schema` (strict structured outputs) or `json_object` for servers without it (output still validated locally); unset, a model the model table says takes no strict `json_schema` (e.g. `gpt-4-turbo`) gets `json_object`"},
	{"ROTOR_MAX_TOKENS", "auto", "output budget of one call, reasoning included (`max_completion_tokens` for reasoning models, `max_tokens` for others); `auto`: 16000, or less when the model table (`internal/llm/models.yaml`) says the model's answers are shorter"},
	{"ROTOR_LLM_REASONING", "auto", "`auto` (reasoning-model request shape for gpt-5*, o1*, o3*, o4*), `1` to force it (a deployment or alias whose name does not tell), `0` to refuse it"},
	{"ROTOR_REASONING_EFFORT", "", "`reasoning_effort` sent to reasoning models: minimal, low, medium or high (unset: the server's default)"},
	{"ROTOR_CONTEXT_TOKENS", "auto", "the model's context window (`auto`: the model table's, else 128000; set it for a local model, e.g. the `num_ctx` an Ollama model runs with): every call's prompt plus `ROTOR_MAX_TOKENS` fits in it; a section whose prompt would not, or whose planned content exceeds half of `ROTOR_MAX_TOKENS`, is asked in parts (per track or group of secrets) and merged"},
	{"ROTOR_LLM_CONCURRENCY", "32", "model calls in flight for one runbook (all ten sections start at once; a section asked in parts asks its parts at once); the LLM transport keeps as many idle connections. Lower it for a provider account with a low rate limit"},
	{"ROTOR_MAX_ATTEMPTS", "3", "answers asked per section, reasks included, before the offline fallback"},
	{"ROTOR_LLM_TIMEOUT", "60s", "timeout of one HTTP attempt"},
	{"ROTOR_LLM_RETRIES", "3", "transport retries of a call (connection errors, 408, 409, 429, 5xx)"},
	{"ROTOR_LLM_DEADLINE", "120s", "bound on a whole generation; unfinished sections fall back to the offline writer"},
	{"ROTOR_RUNBOOK_TOKEN_BUDGET", strconv.Itoa(generate.DefaultTokenBudget), "tokens (input and output, as the provider reports them) one runbook may spend on the model: a call is sent only when its worst case (its prompt at a token a byte, plus the whole `ROTOR_MAX_TOKENS`) fits what is left, so no model's answers can spend more; a section whose call does not fit falls back to the offline writer with reason `budget`, the runbook's `usage.budget_exhausted` is true and `rotor_llm_budget_exhausted_total` counts it; `0` = no bound"},
	{"ROTOR_RUNBOOK_MAX_CALLS", strconv.Itoa(generate.DefaultMaxCalls), "model calls one runbook may make (parts and reasks included; past it, as past the token budget); `0` = no bound"},
	{"ROTOR_PRICES", "", "cost table override: `model=prompt:cached:completion` USD per 1M tokens, comma-separated"},
	{"ROTOR_JUDGE_MODEL", "", "`rotor eval`'s judge of rubric assertions (unset: the model under test, which then grades itself)"},
	{"ROTOR_JUDGE_BASE_URL", "", "the judge's own OpenAI-compatible endpoint (unset: `OPENAI_BASE_URL`)"},
	{"ROTOR_JUDGE_API_KEY", "", "the key of `ROTOR_JUDGE_BASE_URL` (unset: `OPENAI_API_KEY`)"},
	{"ROTOR_PROMPTS_DIR", "", "a directory with an edited copy of prompts/ to use instead of the embedded one"},
	{"ROTOR_CATALOG_DRAFTS", "1", "with an LLM configured, `1` has the model draft a catalogue entry for a secret whose provider rotor's catalogue lacks: a draft that passes the catalogue's checks writes its steps, labelled `model-drafted: confirm` at the top, and every draft is returned as a provider file (`catalog_drafts`, `GET /runbooks/{id}/catalog-drafts`); `0` keeps the safe unknown path without asking"},
	{"ROTOR_CATALOG_DIR", "", "a directory of the organisation's own provider files (`<id>.yaml`, shaped like `internal/catalog/providers/`, plus an optional `products.yaml`), checked like the built-in ones at start and taking precedence over built-in entries with the same id or alias; a broken file stops start-up naming the file and the problem"},
	{"REDIS_URL", "", "unset = in-process cache and runbook store"},
	{"REDIS_QUEUE_URL", "", "Redis for jobs, job states and stored runbooks (run it with noeviction and AOF); unset = REDIS_URL"},
	{"ROTOR_REDIS_TIMEOUT", "250ms", "bound on every Redis call; a slower Redis is treated as down"},
	{"ROTOR_CACHE_TTL", "168h", "how long valid LLM sections and responses are cached"},
	{"ROTOR_FALLBACK_TTL", "10m", "how long a fallback section is cached (a failing LLM is not hammered)"},
	{"ROTOR_RUNBOOK_TTL", "720h", "how long GET /runbooks/{id} can return a runbook"},
	{"ROTOR_CACHE_BYTES", "67108864", "size bound of the in-process cache"},
	{"ROTOR_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"ROTOR_SHUTDOWN_TIMEOUT", "15s", "how long `serve` waits for in-flight requests on SIGTERM"},
	{"ROTOR_API_KEYS", "", "comma-separated `name:sha256:<hex of the key>`, `:admin` appended for a key that reads every runbook (others read only those they created); unset = open API (logged loudly at start)"},
	{"ROTOR_METRICS_OPEN", "", "`1` serves `/metrics` without an API key (a scraper on a private network); by default it needs one"},
	{"ROTOR_RATE_LIMIT", "120/m", "requests per API key (or client address when open): `N/s`, `N/m` or `N/h`"},
	{"ROTOR_WORK_LIMIT", "20000/h", "work units per API key (or client address when open; per workspace for Slack): a generation costs its planned steps plus its consumer-environment pairs (the seed's request: 44); an answer from the cache costs nothing; past it, 429 with `Retry-After`"},
	{"ROTOR_MAX_WORK", "2000", "work units of one request; a bigger one is 413 saying what to shrink (this bounds the time and memory of a generation)"},
	{"ROTOR_REQUEST_TIMEOUT", "180s", "bound on handling one request"},
	{"ROTOR_TRUSTED_PROXIES", "", "comma-separated proxy addresses/CIDRs allowed to set X-Forwarded-For"},
	{"ROTOR_SERVE_WORKERS", "2", "jobs `serve` runs itself (with Redis: 0 leaves them to `rotor worker`; without Redis jobs always run in the process)"},
	{"ROTOR_WORKER_CONCURRENCY", "4", "jobs one `rotor worker` runs at once"},
	{"ROTOR_JOB_RETRIES", "5", "retries of a job whose worker failed or died"},
	{"SLACK_SIGNING_SECRETS", "", "comma-separated Slack signing secrets (old and new during a rotation); unset = no /slack/commands"},
	{"SLACK_RESPONSE_HOSTS", "hooks.slack.com", "hosts rotor may post Slack results to (`host` for https on 443, or `host:port`); redirects are never followed"},
	{"ROTOR_PUBLIC_URL", "", "rotor's external URL, for links in Slack messages"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP/HTTP, e.g. `http://localhost:4318`): traces are exported to `<endpoint>/v1/traces` when set; unset = no export (logs still carry trace ids). `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) and the other `OTEL_EXPORTER_OTLP_*` variables apply"},
	{"OTEL_SERVICE_NAME", "rotor", "service name of the exported spans (wins over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`)"},
	{"OTEL_RESOURCE_ATTRIBUTES", "", "more attributes of the exported spans' resource: `key=value` pairs, comma-separated, values percent-encoded (`deployment.environment.name=prod,service.namespace=payments`)"},
	{"ROTOR_LINK_KEY", "", "key (at least 32 bytes) signing the links that open one runbook page without an API key; required with REDIS_URL (replicas share runbooks, so a link must open on each); unset without Redis = a random key per process (logged: links then die with the process)"},
	{"ROTOR_LINK_TTL", "168h", "how long a signed runbook link opens"},
	{"ROTOR_CORS_ORIGINS", "", "comma-separated origins whose pages may call the API (`https://tools.example.com`), or `*`; unset = none"},
	{"ROTOR_SSE_HEARTBEAT", "15s", "how often an idle event stream sends a keep-alive comment"},
	{"ROTOR_WORKER_NAME", "", "name of a `rotor worker` for its heartbeat (`rotor healthcheck --worker`); unset = the host name"},
}

func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, e := range envVars {
			if e.name == name {
				return e.def
			}
		}
		return ""
	}
	var c config
	var errs []string
	var err error
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: %q is not a positive duration (e.g. 10m, 168h)", name, get(name)))
		}
		return d
	}
	// on reads a switch: 1 or 0.
	on := func(name string) bool {
		switch v := get(name); v {
		case "", "0", "false":
		case "1", "true":
			return true
		default:
			errs = append(errs, fmt.Sprintf("%s: %q must be 1 or 0", name, v))
		}
		return false
	}
	c.Addr = get("ROTOR_ADDR")
	c.AllowOpen = on("ROTOR_ALLOW_OPEN")
	if d, err := time.ParseDuration(get("ROTOR_DRAIN_DELAY")); err != nil || d < 0 {
		errs = append(errs, fmt.Sprintf("ROTOR_DRAIN_DELAY: %q is not a duration (e.g. 0s, 5s)", get("ROTOR_DRAIN_DELAY")))
	} else {
		c.DrainDelay = d
	}
	c.LLM = strings.ToLower(get("ROTOR_LLM"))
	switch c.LLM {
	case "auto", "offline", "openai":
	default:
		errs = append(errs, fmt.Sprintf("ROTOR_LLM: %q must be auto, offline or openai", c.LLM))
	}
	c.OpenAIKey = get("OPENAI_API_KEY")
	c.AzureToken, c.AzureTokenFile = get("AZURE_OPENAI_AD_TOKEN"), get("AZURE_OPENAI_AD_TOKEN_FILE")
	c.OpenAIBaseURL = get("OPENAI_BASE_URL")
	switch {
	case c.AzureToken != "" && c.AzureTokenFile != "":
		errs = append(errs, "AZURE_OPENAI_AD_TOKEN and AZURE_OPENAI_AD_TOKEN_FILE: set one")
	case (c.AzureToken != "" || c.AzureTokenFile != "") && llm.Azure(c.OpenAIBaseURL) == llm.NotAzure:
		errs = append(errs, fmt.Sprintf("AZURE_OPENAI_AD_TOKEN: an Entra ID token is for Azure OpenAI, but OPENAI_BASE_URL %q is not an Azure OpenAI endpoint (https://<resource>.openai.azure.com)", c.OpenAIBaseURL))
	}
	c.OpenAIVersion = get("OPENAI_API_VERSION")
	c.Model = get("ROTOR_MODEL")
	if c.Provider, err = llm.ParseProvider(get("ROTOR_LLM_PROVIDER"), c.OpenAIBaseURL); err != nil {
		errs = append(errs, "ROTOR_LLM_PROVIDER: "+err.Error())
	}
	c.LLMMode = get("ROTOR_LLM_MODE")
	if c.LLMMode != llm.ModeJSONSchema && c.LLMMode != llm.ModeJSONObject {
		errs = append(errs, fmt.Sprintf("ROTOR_LLM_MODE: %q must be json_schema or json_object", c.LLMMode))
	}
	if strings.TrimSpace(getenv("ROTOR_LLM_MODE")) == "" {
		// Not said: a model the table knows takes no strict json_schema
		// (it would answer 400) is asked in JSON mode, still validated here.
		if m, ok := llm.LookupModel(c.Model); ok && !m.JSONSchema {
			c.LLMMode = llm.ModeJSONObject
		}
	}
	switch v := strings.ToLower(get("ROTOR_LLM_REASONING")); v {
	case "auto":
		c.Reasoning = openai.IsReasoningModel(c.Model)
	case "1", "true", "yes", "on":
		c.Reasoning = true
	case "0", "false", "no", "off":
		if openai.IsReasoningModel(c.Model) {
			errs = append(errs, fmt.Sprintf("ROTOR_LLM_REASONING=%s: %s is a reasoning model and refuses max_tokens and temperature; leave it auto", v, c.Model))
		}
	default:
		errs = append(errs, fmt.Sprintf("ROTOR_LLM_REASONING: %q must be auto, 1 or 0", v))
	}
	c.ReasoningEffort = strings.ToLower(get("ROTOR_REASONING_EFFORT"))
	switch c.ReasoningEffort {
	case "", "none", "minimal", "low", "medium", "high", "xhigh":
	default:
		errs = append(errs, fmt.Sprintf("ROTOR_REASONING_EFFORT: %q must be minimal, low, medium or high", c.ReasoningEffort))
	}
	num := func(name string, min int) int {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < min {
			errs = append(errs, fmt.Sprintf("%s: %q must be an integer >= %d", name, get(name), min))
		}
		return n
	}
	c.Concurrency = num("ROTOR_LLM_CONCURRENCY", 1)
	// auto: what the model table says of the model, within rotor's
	// defaults (16,000 tokens of answer, a 128,000-token window).
	info, known := llm.LookupModel(c.Model)
	if get("ROTOR_MAX_TOKENS") == "auto" {
		c.MaxTokens = 16000
		if known && info.MaxOutput > 0 {
			c.MaxTokens = min(c.MaxTokens, info.MaxOutput)
		}
	} else {
		c.MaxTokens = num("ROTOR_MAX_TOKENS", 256)
	}
	if get("ROTOR_CONTEXT_TOKENS") == "auto" {
		c.ContextTokens = 128000
		if known && info.Context > 0 {
			c.ContextTokens = info.Context
		}
	} else {
		c.ContextTokens, c.ContextExplicit = num("ROTOR_CONTEXT_TOKENS", 1024), true
	}
	if c.MaxTokens >= c.ContextTokens {
		errs = append(errs, fmt.Sprintf("ROTOR_MAX_TOKENS (%d) must be below ROTOR_CONTEXT_TOKENS (%d): the prompt needs room", c.MaxTokens, c.ContextTokens))
	}
	c.MaxAttempts = num("ROTOR_MAX_ATTEMPTS", 1)
	c.TokenBudget = num("ROTOR_RUNBOOK_TOKEN_BUDGET", 0)
	c.MaxCalls = num("ROTOR_RUNBOOK_MAX_CALLS", 0)
	c.Retries = num("ROTOR_LLM_RETRIES", 0)
	c.AttemptTimeout = dur("ROTOR_LLM_TIMEOUT")
	c.Deadline = dur("ROTOR_LLM_DEADLINE")
	c.PromptsDir = get("ROTOR_PROMPTS_DIR")
	c.JudgeModel, c.JudgeBaseURL, c.JudgeAPIKey = get("ROTOR_JUDGE_MODEL"), get("ROTOR_JUDGE_BASE_URL"), get("ROTOR_JUDGE_API_KEY")
	c.CatalogDir = get("ROTOR_CATALOG_DIR")
	c.CatalogDrafts = on("ROTOR_CATALOG_DRAFTS")
	c.Prices = llm.DefaultPrices()
	if v := get("ROTOR_PRICES"); v != "" {
		if err := parsePrices(v, c.Prices); err != nil {
			errs = append(errs, "ROTOR_PRICES: "+err.Error())
		}
	}
	c.RedisURL = get("REDIS_URL")
	c.CacheTTL = dur("ROTOR_CACHE_TTL")
	c.FallbackTTL = dur("ROTOR_FALLBACK_TTL")
	c.RedisTimeout = dur("ROTOR_REDIS_TIMEOUT")
	c.RunbookTTL = dur("ROTOR_RUNBOOK_TTL")
	c.ShutdownTimeout = dur("ROTOR_SHUTDOWN_TIMEOUT")
	n, err := strconv.Atoi(get("ROTOR_CACHE_BYTES"))
	if err != nil || n <= 0 {
		errs = append(errs, fmt.Sprintf("ROTOR_CACHE_BYTES: %q is not a positive integer", get("ROTOR_CACHE_BYTES")))
	}
	c.CacheBytes = n
	if err := c.LogLevel.UnmarshalText([]byte(get("ROTOR_LOG_LEVEL"))); err != nil {
		errs = append(errs, fmt.Sprintf("ROTOR_LOG_LEVEL: %q must be debug, info, warn or error", get("ROTOR_LOG_LEVEL")))
	}
	if c.APIKeys, err = httpapi.ParseAPIKeys(get("ROTOR_API_KEYS")); err != nil {
		errs = append(errs, "ROTOR_API_KEYS: "+err.Error())
	}
	c.MetricsOpen = on("ROTOR_METRICS_OPEN")
	if c.RateLimit, err = ratelimit.Parse(get("ROTOR_RATE_LIMIT")); err != nil {
		errs = append(errs, "ROTOR_RATE_LIMIT: "+err.Error())
	}
	if c.WorkLimit, err = ratelimit.Parse(get("ROTOR_WORK_LIMIT")); err != nil {
		errs = append(errs, "ROTOR_WORK_LIMIT: "+err.Error())
	}
	c.MaxWork = num("ROTOR_MAX_WORK", 1)
	if c.WorkLimit.N > 0 && c.MaxWork > c.WorkLimit.N {
		errs = append(errs, fmt.Sprintf("ROTOR_MAX_WORK: %d is more than ROTOR_WORK_LIMIT allows at once (%d): such a request could never run", c.MaxWork, c.WorkLimit.N))
	}
	c.RequestTimeout = dur("ROTOR_REQUEST_TIMEOUT")
	c.TrustedProxies = splitList(get("ROTOR_TRUSTED_PROXIES"))
	c.ServeWorkers = num("ROTOR_SERVE_WORKERS", 0)
	c.WorkerConc = num("ROTOR_WORKER_CONCURRENCY", 1)
	c.JobRetries = num("ROTOR_JOB_RETRIES", 0)
	c.SlackSecrets = splitList(get("SLACK_SIGNING_SECRETS"))
	c.SlackHosts = splitList(get("SLACK_RESPONSE_HOSTS"))
	c.PublicURL = get("ROTOR_PUBLIC_URL")
	c.ServiceName = get("OTEL_SERVICE_NAME")
	c.ResourceAttributes = get("OTEL_RESOURCE_ATTRIBUTES")
	if attrs, err := telemetry.ParseResourceAttributes(c.ResourceAttributes); err != nil {
		errs = append(errs, "OTEL_RESOURCE_ATTRIBUTES: "+err.Error())
	} else if strings.TrimSpace(getenv("OTEL_SERVICE_NAME")) == "" {
		// The specification: OTEL_SERVICE_NAME first, then service.name
		// from the attributes, then the default.
		for _, a := range attrs {
			if a.Key == "service.name" && a.Value.AsString() != "" {
				c.ServiceName = a.Value.AsString()
			}
		}
	}
	if v := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v != "" {
		c.OTLPEndpoint = v
	} else if v := get("OTEL_EXPORTER_OTLP_ENDPOINT"); v != "" {
		c.OTLPEndpoint = strings.TrimRight(v, "/") + "/v1/traces"
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("OTEL_EXPORTER_OTLP_ENDPOINT: %q is not an http(s) URL", c.OTLPEndpoint))
		}
	}
	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(get("OTEL_TRACES_EXPORTER"), "none") {
		c.OTLPEndpoint = ""
	}
	c.RedisQueueURL = get("REDIS_QUEUE_URL")
	if c.RedisQueueURL == "" {
		c.RedisQueueURL = c.RedisURL
	}
	if c.RedisQueueURL != "" && c.RedisURL == "" {
		errs = append(errs, "REDIS_QUEUE_URL needs REDIS_URL too (the cache); set both, or REDIS_URL alone for one Redis")
	}
	if k := get("ROTOR_LINK_KEY"); k != "" {
		if len(k) < httpapi.MinLinkKeyBytes {
			errs = append(errs, fmt.Sprintf("ROTOR_LINK_KEY: must be at least %d bytes (e.g. openssl rand -hex 32)", httpapi.MinLinkKeyBytes))
		}
		c.LinkKey = []byte(k)
	}
	c.LinkTTL = dur("ROTOR_LINK_TTL")
	if c.CORS, err = httpapi.ParseCORSOrigins(splitList(get("ROTOR_CORS_ORIGINS"))); err != nil {
		errs = append(errs, "ROTOR_CORS_ORIGINS: "+err.Error())
	}
	c.SSEHeartbeat = dur("ROTOR_SSE_HEARTBEAT")
	c.WorkerName = get("ROTOR_WORKER_NAME")
	if c.LLM == "auto" {
		c.LLM = "offline"
		if c.hasLLMCredential() {
			c.LLM = "openai"
		}
	}
	if c.LLM == "openai" && !c.hasLLMCredential() {
		errs = append(errs, "ROTOR_LLM=openai needs OPENAI_API_KEY (local servers that ignore it accept any value), or for Azure an Entra ID token (AZURE_OPENAI_AD_TOKEN or AZURE_OPENAI_AD_TOKEN_FILE)")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parsePrices reads "model=prompt:cached:completion,..." into prices.
func parsePrices(v string, prices map[string]llm.Price) error {
	for _, item := range strings.Split(v, ",") {
		model, rest, ok := strings.Cut(strings.TrimSpace(item), "=")
		parts := strings.Split(rest, ":")
		if !ok || model == "" || len(parts) != 3 {
			return fmt.Errorf("%q is not model=prompt:cached:completion", item)
		}
		var p [3]float64
		for i, x := range parts {
			f, err := strconv.ParseFloat(x, 64)
			if err != nil || f < 0 {
				return fmt.Errorf("%q: %q is not a price", item, x)
			}
			p[i] = f
		}
		prices[model] = llm.Price{Prompt: p[0], CachedPrompt: p[1], Completion: p[2]}
	}
	return nil
}

// bindServeFlags lets serve's flags override the environment.
func bindServeFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (ROTOR_ADDR; beyond loopback it needs ROTOR_API_KEYS or ROTOR_ALLOW_OPEN=1)")
	fs.StringVar(&c.Model, "model", c.Model, "model (ROTOR_MODEL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL (REDIS_URL)")
}

// hasLLMCredential reports whether a model server's credential is set: a
// key, or an Entra ID token for Azure.
func (c config) hasLLMCredential() bool {
	return c.OpenAIKey != "" || c.AzureToken != "" || c.AzureTokenFile != ""
}

// azureToken is the Entra ID token source of the configuration (nil
// without one). The file is read on every call: a token lives about an
// hour and the agent that renews it rewrites the file.
func (c config) azureToken() func(context.Context) (string, error) {
	switch {
	case c.AzureToken != "":
		tok := c.AzureToken
		return func(context.Context) (string, error) { return tok, nil }
	case c.AzureTokenFile != "":
		path := c.AzureTokenFile
		return func(context.Context) (string, error) {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("AZURE_OPENAI_AD_TOKEN_FILE: %w", err)
			}
			tok := strings.TrimSpace(string(b))
			if tok == "" {
				return "", fmt.Errorf("AZURE_OPENAI_AD_TOKEN_FILE %s is empty", path)
			}
			return tok, nil
		}
	}
	return nil
}
