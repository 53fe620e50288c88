package llm

import (
	"fmt"
	"net/url"
	"strings"
)

// Providers rotor knows by name: the value of gen_ai.provider.name (the
// OpenTelemetry GenAI conventions' well-known values where they have one).
const (
	ProviderOpenAI  = "openai"
	ProviderAzure   = "azure.ai.openai"
	ProviderGemini  = "gcp.gemini"
	ProviderOllama  = "ollama"
	ProviderVLLM    = "vllm"
	ProviderLiteLLM = "litellm"
	// ProviderCompatible is an OpenAI-compatible server rotor cannot tell
	// apart from its URL (a vLLM or LiteLLM behind a plain host name).
	ProviderCompatible = "openai_compatible"
)

// providerNames maps what a person writes (ROTOR_LLM_PROVIDER) to the
// provider.
var providerNames = map[string]string{
	"openai": ProviderOpenAI, "azure": ProviderAzure, "azure.ai.openai": ProviderAzure, "azure_openai": ProviderAzure,
	"gemini": ProviderGemini, "gcp.gemini": ProviderGemini, "google": ProviderGemini,
	"ollama": ProviderOllama, "vllm": ProviderVLLM, "litellm": ProviderLiteLLM,
	"openai_compatible": ProviderCompatible, "compatible": ProviderCompatible,
}

// ParseProvider reads a provider's name; "" and "auto" detect it from the
// base URL.
func ParseProvider(name, baseURL string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "auto" {
		return DetectProvider(baseURL), nil
	}
	if p, ok := providerNames[n]; ok {
		return p, nil
	}
	return "", fmt.Errorf("%q is not one of auto, openai, azure, gemini, ollama, vllm, litellm, openai_compatible", name)
}

// DetectProvider tells the provider from the base URL: OpenAI's and
// Azure's hosts, Gemini's OpenAI-compatible endpoint, Ollama's default port
// (11434); anything else is an unnamed OpenAI-compatible server.
func DetectProvider(baseURL string) string {
	if strings.TrimSpace(baseURL) == "" {
		return ProviderOpenAI // go-openai's default endpoint
	}
	if Azure(baseURL) != NotAzure {
		return ProviderAzure
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return ProviderCompatible
	}
	switch h := strings.ToLower(u.Hostname()); {
	case h == "api.openai.com":
		return ProviderOpenAI
	case h == "generativelanguage.googleapis.com":
		return ProviderGemini
	case u.Port() == "11434":
		return ProviderOllama
	}
	return ProviderCompatible
}

// AzureShape is the shape of an Azure OpenAI base URL.
type AzureShape int

// Azure OpenAI URL shapes.
const (
	NotAzure AzureShape = iota
	// AzureDeployments: https://<res>.openai.azure.com, calls go to
	// /openai/deployments/<model>/chat/completions?api-version=...
	AzureDeployments
	// AzureV1: https://<res>.openai.azure.com/openai/v1, OpenAI's paths.
	AzureV1
)

// Azure tells an Azure OpenAI base URL's shape.
func Azure(base string) AzureShape {
	u, err := url.Parse(base)
	if err != nil {
		return NotAzure
	}
	h := strings.ToLower(u.Hostname())
	if !strings.HasSuffix(h, ".openai.azure.com") && !strings.HasSuffix(h, ".cognitiveservices.azure.com") && !strings.HasSuffix(h, ".services.ai.azure.com") {
		return NotAzure
	}
	if strings.HasPrefix(strings.TrimRight(u.Path, "/")+"/", "/openai/v1/") {
		return AzureV1
	}
	return AzureDeployments
}
