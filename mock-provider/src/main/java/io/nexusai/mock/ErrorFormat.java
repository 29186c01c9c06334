package io.nexusai.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;

/**
 * How each vendor API shapes its error answers.
 * <ul>
 *     <li>OpenAI: {@code {"error":{"message","type","param","code"}}};</li>
 *     <li>Azure OpenAI: its front door (authentication, unknown path or API version, rate limits) answers
 *     {@code {"error":{"code":"<status>","message"}}}, while request validation and server errors come from the
 *     model service in OpenAI's envelope;</li>
 *     <li>Anthropic: {@code {"type":"error","error":{"type","message"}}};</li>
 *     <li>Google Gemini: {@code {"error":{"code":<status>,"message","status":"<canonical code>"}}};</li>
 *     <li>AWS Bedrock: {@code {"message"}} with the exception's name in the {@code x-amzn-ErrorType} header.</li>
 * </ul>
 */
enum ErrorFormat {
    OPENAI {
        @Override
        ObjectNode fault(int status, Integer retryAfter) {
            return switch (status) {
                case 401 -> openAi("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
                case 404 -> openAi("The model does not exist or you do not have access to it.",
                        "invalid_request_error", null, "model_not_found");
                case 429 -> openAi("Rate limit reached for requests. Please try again in " + seconds(retryAfter) + "s.",
                        "requests", null, "rate_limit_exceeded");
                case 500 -> openAi("The server had an error while processing your request. Sorry about that!",
                        "server_error", null, null);
                case 503 -> openAi("The engine is currently overloaded, please try again later.",
                        "server_error", null, null);
                default -> openAi("Mock fault: HTTP " + status, status >= 500 ? "server_error" : "invalid_request_error",
                        null, null);
            };
        }

        @Override
        ObjectNode invalidRequest(String message, String param) {
            return openAi(message, "invalid_request_error", param, null);
        }
    },

    AZURE {
        @Override
        ObjectNode fault(int status, Integer retryAfter) {
            return switch (status) {
                case 401 -> azure("401", AzureApi.ACCESS_DENIED);
                case 404 -> azure("404", "Resource not found");
                case 429 -> azure("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
                        + "version have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after "
                        + seconds(retryAfter) + " seconds. Please go here: https://aka.ms/oai/quotaincrease if you would "
                        + "like to further increase the default rate limit.");
                default -> status >= 500
                        ? openAi("The server had an error processing your request. Sorry about that! You can retry "
                        + "your request, or contact us through an Azure support request if you keep seeing this error.",
                        "server_error", null, null)
                        : azure(String.valueOf(status), "Mock fault: HTTP " + status);
            };
        }

        @Override
        ObjectNode invalidRequest(String message, String param) {
            return openAi(message, "invalid_request_error", param, null);
        }
    },

    ANTHROPIC {
        @Override
        ObjectNode fault(int status, Integer retryAfter) {
            String message = switch (status) {
                case 400 -> "Invalid request";
                case 401 -> "invalid x-api-key";
                case 403 -> "Your API key does not have permission to use the specified resource.";
                case 404 -> "The requested resource could not be found.";
                case 413 -> "Request exceeds the maximum allowed number of bytes.";
                case 429 -> "Number of requests has exceeded your per-minute rate limit. Please retry after "
                        + seconds(retryAfter) + " seconds.";
                case 500 -> "Internal server error";
                case 504 -> "Request timed out";
                case 529 -> "Overloaded";
                default -> "Mock fault: HTTP " + status;
            };
            return anthropic(anthropicType(status), message);
        }

        @Override
        ObjectNode invalidRequest(String message, String param) {
            return anthropic("invalid_request_error", message);
        }
    },

    GEMINI {
        @Override
        ObjectNode fault(int status, Integer retryAfter) {
            String message = switch (status) {
                case 400 -> "Request contains an invalid argument.";
                case 401 -> "Request had invalid authentication credentials.";
                case 403 -> "The caller does not have permission";
                case 404 -> "Requested entity was not found.";
                case 429 -> "You exceeded your current quota, please check your plan and billing details.";
                case 500 -> "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
                case 503 -> "The model is overloaded. Please try again later.";
                case 504 -> "Deadline expired before operation could complete.";
                default -> "Mock fault: HTTP " + status;
            };
            ObjectNode envelope = gemini(status, message);
            if (status == 429) {
                ((ObjectNode) envelope.get("error")).putArray("details").addObject()
                        .put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", seconds(retryAfter) + "s");
            }
            return envelope;
        }

        @Override
        ObjectNode invalidRequest(String message, String param) {
            return gemini(400, message);
        }
    },

    BEDROCK {
        @Override
        ObjectNode fault(int status, Integer retryAfter) {
            return bedrock(switch (status) {
                case 400 -> "Malformed input request, please reformat your input and try again.";
                case 403 -> "You don't have access to the model with the specified model ID.";
                case 404 -> "Could not resolve the foundation model from the provided model identifier.";
                case 408 -> "Model has timed out in processing the request. Try your request again.";
                case 424 -> "Received 500 from the model. Try your request again.";
                case 429 -> "Too many requests, please wait before trying again.";
                case 500 -> "The system encountered an unexpected error during processing. Try your request again.";
                case 503 -> "Bedrock is unable to process your request.";
                default -> "Mock fault: HTTP " + status;
            });
        }

        @Override
        ObjectNode invalidRequest(String message, String param) {
            return bedrock(message);
        }

        @Override
        void headers(int status, HttpServerResponse response) {
            if (response.headers().get(BedrockApi.ERROR_TYPE) == null) {
                response.putHeader(BedrockApi.ERROR_TYPE, BedrockApi.errorType(status));
            }
        }
    };

    /** Headers this vendor puts on an error answer (Bedrock: {@code x-amzn-ErrorType}). */
    void headers(int status, HttpServerResponse response) {
    }

    /** The body of an injected error answer with HTTP {@code status}, as this vendor words it. */
    abstract ObjectNode fault(int status, Integer retryAfter);

    /** A 400 answer for a malformed request; {@code param} names the offending field where the format has one. */
    abstract ObjectNode invalidRequest(String message, String param);

    static ObjectNode openAi(String message, String type, String param, String code) {
        ObjectNode envelope = Json.object();
        ObjectNode error = envelope.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return envelope;
    }

    static ObjectNode azure(String code, String message) {
        ObjectNode envelope = Json.object();
        ObjectNode error = envelope.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return envelope;
    }

    static ObjectNode anthropic(String type, String message) {
        ObjectNode envelope = Json.object();
        envelope.put("type", "error");
        ObjectNode error = envelope.putObject("error");
        error.put("type", type);
        error.put("message", message);
        return envelope;
    }

    /** AWS's error body: {@code {"message"}}, the type being in {@code x-amzn-ErrorType}. */
    static ObjectNode bedrock(String message) {
        ObjectNode envelope = Json.object();
        envelope.put("message", message);
        return envelope;
    }

    static ObjectNode gemini(int status, String message) {
        ObjectNode envelope = Json.object();
        ObjectNode error = envelope.putObject("error");
        error.put("code", status);
        error.put("message", message);
        error.put("status", googleStatus(status));
        return envelope;
    }

    /** Google's canonical error code ({@code google.rpc.Code} name) for an HTTP status. */
    static String googleStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 499 -> "CANCELLED";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }

    /** Anthropic's error {@code type} for an HTTP status. */
    static String anthropicType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    private static int seconds(Integer retryAfter) {
        return retryAfter == null ? 1 : retryAfter;
    }
}
