package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// config is the one place configuration is read. Every field has an
// environment variable; serve's flags mirror them.
type config struct {
	Addr            string
	LLM             string
	OpenAIKey       string
	OpenAIBaseURL   string
	Model           string
	RedisURL        string
	CacheTTL        time.Duration
	RunbookTTL      time.Duration
	CacheBytes      int
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
}

// envVars documents every variable with its default; the README table is
// written from the same list.
var envVars = []struct{ name, def, doc string }{
	{"ROTOR_ADDR", ":8080", "listen address of `rotor serve`"},
	{"ROTOR_LLM", "auto", "`auto` (openai when OPENAI_API_KEY is set, else offline), `offline` or `openai`"},
	{"OPENAI_API_KEY", "", "API key of the OpenAI-compatible server"},
	{"OPENAI_BASE_URL", "https://api.openai.com/v1", "any OpenAI-compatible server: OpenAI, Azure, vLLM, Ollama, llama.cpp"},
	{"ROTOR_MODEL", "gpt-4o-mini", "model name sent to the server"},
	{"REDIS_URL", "", "unset = in-process cache and runbook store"},
	{"ROTOR_CACHE_TTL", "168h", "how long generated sections are cached"},
	{"ROTOR_RUNBOOK_TTL", "720h", "how long GET /runbooks/{id} can return a runbook"},
	{"ROTOR_CACHE_BYTES", "67108864", "size bound of the in-process cache"},
	{"ROTOR_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"ROTOR_SHUTDOWN_TIMEOUT", "15s", "how long `serve` waits for in-flight requests on SIGTERM"},
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
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: %q is not a positive duration (e.g. 10m, 168h)", name, get(name)))
		}
		return d
	}
	c.Addr = get("ROTOR_ADDR")
	c.LLM = strings.ToLower(get("ROTOR_LLM"))
	switch c.LLM {
	case "auto", "offline", "openai":
	default:
		errs = append(errs, fmt.Sprintf("ROTOR_LLM: %q must be auto, offline or openai", c.LLM))
	}
	c.OpenAIKey = get("OPENAI_API_KEY")
	c.OpenAIBaseURL = get("OPENAI_BASE_URL")
	c.Model = get("ROTOR_MODEL")
	c.RedisURL = get("REDIS_URL")
	c.CacheTTL = dur("ROTOR_CACHE_TTL")
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
	if c.LLM == "openai" && c.OpenAIKey == "" {
		errs = append(errs, "ROTOR_LLM=openai needs OPENAI_API_KEY")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// bindServeFlags lets serve's flags override the environment.
func bindServeFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (ROTOR_ADDR)")
	fs.StringVar(&c.Model, "model", c.Model, "model (ROTOR_MODEL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL (REDIS_URL)")
}
