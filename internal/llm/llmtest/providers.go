package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Dialect is which provider the fake speaks as: the paths it serves, the
// credentials it takes, and the shape of its answers and of its errors. The
// zero value is OpenAI's API.
type Dialect string

// Dialects, one per provider rotor's README has a recipe for.
const (
	// DialectOpenAI: POST /v1/chat/completions, Authorization: Bearer <key>,
	// errors {"error": {"message", "type", "param", "code"}}.
	DialectOpenAI Dialect = ""
	// DialectAzure: Azure OpenAI. The deployment URLs
	// POST /openai/deployments/{deployment}/chat/completions?api-version=...
	// (the model is the deployment; a missing or unknown api-version is
	// 404 Resource not found) and the v1 API POST /openai/v1/chat/completions
	// (the body's model names the deployment). The key goes in api-key, or
	// an Entra ID access token in Authorization: Bearer. Errors are
	// {"error": {"code": "429", "message": ...}} (the code a string, often
	// the status), 429s carry Retry-After and retry-after-ms, a prompt the
	// content filter stops is 400 code content_filter with innererror; an
	// answer carries prompt_filter_results and content_filter_results, and
	// its model is the model the deployment runs, not the deployment.
	DialectAzure Dialect = "azure"
	// DialectOllama: Ollama's OpenAI-compatible API, POST
	// /v1/chat/completions; any key; an unknown model is 404 "model ... not
	// found, try pulling it first"; system_fingerprint fp_ollama, usage
	// without details.
	DialectOllama Dialect = "ollama"
	// DialectVLLM: vLLM's server, POST /v1/chat/completions, the --api-key as
	// bearer (else 401 {"error": "Unauthorized"}); errors {"object": "error",
	// "message", "type": "BadRequestError", "param", "code": 400}; answers
	// carry stop_reason and prompt_tokens_details null.
	DialectVLLM Dialect = "vllm"
	// DialectGemini: Gemini's OpenAI-compatible endpoint, POST
	// /v1beta/openai/chat/completions, Authorization: Bearer <Gemini API
	// key>; errors are Google's, in a JSON array: [{"error": {"code": 429,
	// "message": ..., "status": "RESOURCE_EXHAUSTED"}}].
	DialectGemini Dialect = "gemini"
	// DialectLiteLLM: a LiteLLM proxy, POST /v1/chat/completions or
	// /chat/completions, a virtual key as bearer; errors {"error":
	// {"message": "litellm.RateLimitError: ...", "type", "param": "None",
	// "code": "429"}} (code a string); an unknown model alias is 400.
	DialectLiteLLM Dialect = "litellm"
)

// Dialects lists every dialect.
var Dialects = []Dialect{DialectOpenAI, DialectAzure, DialectOllama, DialectVLLM, DialectGemini, DialectLiteLLM}

// AzureAPIVersions are the api-version values the fake Azure accepts on
// deployment URLs (GA and preview versions Azure documents).
var AzureAPIVersions = []string{"2024-06-01", "2024-10-21", "2025-01-01-preview", "2025-03-01-preview", "2025-04-01-preview"}

// NewProvider starts an in-memory fake (see NewInMemory) speaking as
// provider d. credential is the key it takes (Azure's api-key, a bearer
// elsewhere; Ollama takes any). Set EntraToken to have Azure take that
// bearer too, Models to have it serve only those models (or deployments).
func NewProvider(d Dialect, credential string) *Server {
	s := NewInMemory(credential)
	s.Dialect = d
	return s
}

// providerPaths are the chat-completions paths each dialect serves.
func (d Dialect) serves(path string) bool {
	switch d {
	case DialectAzure:
		return path == "/openai/v1/chat/completions" ||
			(strings.HasPrefix(path, "/openai/deployments/") && strings.HasSuffix(path, "/chat/completions"))
	case DialectGemini:
		return path == "/v1beta/openai/chat/completions"
	case DialectLiteLLM:
		return path == "/v1/chat/completions" || path == "/chat/completions"
	}
	return path == "/v1/chat/completions"
}

// authorized checks the request's credential the provider's way.
func (s *Server) authorized(r *http.Request) bool {
	switch s.Dialect {
	case DialectOllama:
		return true
	case DialectAzure:
		if k := r.Header.Get("api-key"); k != "" {
			return k == s.APIKey
		}
		return s.EntraToken != "" && r.Header.Get("Authorization") == "Bearer "+s.EntraToken
	}
	return r.Header.Get("Authorization") == "Bearer "+s.APIKey
}

// route checks what a provider checks before reading the body: the path,
// the credential, Azure's api-version and deployment. It returns the
// deployment named in the path ("" when none) and whether to go on.
func (s *Server) route(w http.ResponseWriter, r *http.Request) (deployment string, ok bool) {
	if !s.Dialect.serves(r.URL.Path) {
		s.fail(w, http.StatusNotFound, "not_found", "Resource not found", "404")
		return "", false
	}
	if !s.authorized(r) {
		switch s.Dialect {
		case DialectAzure:
			if r.Header.Get("api-key") == "" && r.Header.Get("Authorization") != "" {
				s.fail(w, http.StatusUnauthorized, "", "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.", "401")
			} else {
				s.fail(w, http.StatusUnauthorized, "", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.", "401")
			}
		case DialectGemini:
			s.fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "")
		case DialectLiteLLM:
			s.fail(w, http.StatusUnauthorized, "auth_error", "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...****, Key Hash (Token) =...", "401")
		default:
			s.fail(w, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided.", "invalid_api_key")
		}
		return "", false
	}
	if s.Dialect == DialectAzure && strings.HasPrefix(r.URL.Path, "/openai/deployments/") {
		if v := r.URL.Query().Get("api-version"); !slices.Contains(AzureAPIVersions, v) {
			s.fail(w, http.StatusNotFound, "", "Resource not found", "404")
			return "", false
		}
		deployment = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/openai/deployments/"), "/chat/completions")
	}
	return deployment, true
}

// knownModel checks the model (Azure: the deployment) against Models; an
// unknown one is answered the provider's way.
func (s *Server) knownModel(w http.ResponseWriter, model string) bool {
	if len(s.Models) == 0 {
		return true
	}
	if _, ok := s.Models[model]; ok {
		return true
	}
	switch s.Dialect {
	case DialectAzure:
		s.fail(w, http.StatusNotFound, "", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.", "DeploymentNotFound")
	case DialectOllama:
		s.fail(w, http.StatusNotFound, "api_error", fmt.Sprintf("model %q not found, try pulling it first", model), "")
	case DialectVLLM:
		s.fail(w, http.StatusNotFound, "NotFoundError", fmt.Sprintf("The model `%s` does not exist.", model), "404")
	case DialectGemini:
		s.fail(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("models/%s is not found for API version v1main, or is not supported for generateContent.", model), "")
	case DialectLiteLLM:
		s.fail(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("/chat/completions: Invalid model name passed in model=%s. Call `/v1/models` to view available models for your key.", model), "400")
	default:
		s.fail(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "model_not_found")
	}
	return false
}

// fail writes an error the way the server's provider does. code is
// OpenAI's error code (or the provider's own); for a status with none,
// the provider's usual one is used.
func (s *Server) fail(w http.ResponseWriter, status int, typ, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	var body any
	switch s.Dialect {
	case DialectAzure:
		e := map[string]any{"code": code, "message": msg}
		switch {
		case code == "":
			e["code"] = fmt.Sprint(status)
		case code == "content_filter":
			e["type"], e["param"], e["status"] = nil, "prompt", status
			e["innererror"] = map[string]any{"code": "ResponsibleAIPolicyViolation",
				"content_filter_result": map[string]any{"hate": map[string]any{"filtered": false, "severity": "safe"},
					"violence": map[string]any{"filtered": true, "severity": "medium"}}}
		case code == "context_length_exceeded":
			e["type"], e["param"] = "invalid_request_error", "messages"
		}
		if status == http.StatusTooManyRequests {
			e["code"] = "429"
			e["message"] = "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after " + w.Header().Get("Retry-After") + " seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
			if ra := w.Header().Get("Retry-After"); ra != "" {
				w.Header().Set("retry-after-ms", ra+"000")
			}
		}
		body = map[string]any{"error": e}
	case DialectGemini:
		gstatus := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
			429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[status]
		if strings.ToUpper(typ) == typ && typ != "" {
			gstatus = typ
		}
		if status == http.StatusTooManyRequests {
			msg = "Resource has been exhausted (e.g. check quota)."
		}
		if code == "context_length_exceeded" {
			msg = "The input token count exceeds the maximum number of tokens allowed (1048576)."
		}
		body = []any{map[string]any{"error": map[string]any{"code": status, "message": msg, "status": gstatus}}}
	case DialectVLLM:
		if status == http.StatusUnauthorized {
			body = map[string]any{"error": "Unauthorized"}
			break
		}
		if code == "context_length_exceeded" {
			msg = "This model's maximum context length is 128000 tokens. However, you requested more tokens in the messages. Please reduce the length of the messages."
		}
		t := map[int]string{400: "BadRequestError", 404: "NotFoundError", 429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}[status]
		body = map[string]any{"object": "error", "message": msg, "type": t, "param": nil, "code": status}
	case DialectOllama:
		if code == "context_length_exceeded" {
			msg = "the input length exceeds the context length"
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": "api_error", "param": nil, "code": nil}}
	case DialectLiteLLM:
		if code == "" || code == "rate_limit_exceeded" {
			code = fmt.Sprint(status)
		}
		if status == http.StatusTooManyRequests {
			msg, typ = "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for requests. Received Model Group=rotor", "throttling_error"
		}
		if code == "context_length_exceeded" {
			msg = "litellm.ContextWindowExceededError: litellm.BadRequestError: ContextWindowExceededError: OpenAIException - This model's maximum context length is 128000 tokens."
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": "None", "code": code}}
	default:
		var c any
		if code != "" {
			c = code
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// dress adds to a completion what the provider's answers carry.
func (s *Server) dress(resp map[string]any, deployment string) {
	choice := resp["choices"].([]any)[0].(map[string]any)
	usage := resp["usage"].(map[string]any)
	// Answers name the model that ran: an Azure deployment's model, the
	// model a LiteLLM alias routes to.
	if m := s.Models[cmpOr(deployment, resp["model"].(string))]; m != "" {
		resp["model"] = m
	}
	switch s.Dialect {
	case DialectAzure:
		safe := map[string]any{"filtered": false, "severity": "safe"}
		filters := map[string]any{"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe}
		resp["prompt_filter_results"] = []any{map[string]any{"prompt_index": 0, "content_filter_results": filters}}
		choice["content_filter_results"] = filters
		resp["system_fingerprint"] = "fp_azure_b705f0c291"
	case DialectOllama:
		resp["system_fingerprint"] = "fp_ollama"
		delete(usage, "prompt_tokens_details")
		delete(choice["message"].(map[string]any), "refusal")
	case DialectVLLM:
		resp["id"] = "chatcmpl-8f0e4b5ad1f24c0fa3c4f1b5d6c2a9e1"
		choice["stop_reason"], choice["logprobs"] = nil, nil
		usage["prompt_tokens_details"] = nil
		resp["prompt_logprobs"] = nil
	case DialectGemini:
		resp["id"] = "Qp8Ta7GZL9yDz7IPk8uK0Ak"
		delete(usage, "prompt_tokens_details")
		delete(choice["message"].(map[string]any), "refusal")
	case DialectLiteLLM:
		resp["system_fingerprint"] = "fp_34a54ae93c"
		usage["completion_tokens_details"] = map[string]any{"reasoning_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
		resp["service_tier"] = "default"
	}
}

// show answers Ollama's POST /api/show: the model's parameters (num_ctx
// when NumCtx is set) and model_info with its trained context length; an
// unknown model is 404 {"error": "model 'x' not found"}.
func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"model is required"}`))
		return
	}
	if _, ok := s.Models[req.Model]; len(s.Models) > 0 && !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf("model '%s' not found", req.Model)})
		return
	}
	params := `stop                           "<|start_header_id|>"
stop                           "<|end_header_id|>"
stop                           "<|eot_id|>"`
	if s.NumCtx > 0 {
		params += fmt.Sprintf("\nnum_ctx                        %d", s.NumCtx)
	}
	trained := s.TrainedContext
	if trained == 0 {
		trained = 131072
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"modelfile":  "# Modelfile generated by \"ollama show\"",
		"parameters": params,
		"details":    map[string]any{"format": "gguf", "family": "llama", "parameter_size": "8.0B", "quantization_level": "Q4_K_M"},
		"model_info": map[string]any{"general.architecture": "llama", "general.parameter_count": 8030261248, "llama.context_length": trained},
	})
}
