using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Orum.Auth.Internal;

/// <summary>
/// The token endpoint's pipeline: up to 3 attempts on network errors, 408, 429 and 5xx, exponential back-off with jitter
/// from 1 s and never sooner than Orum's Retry-After / X-Retry-In; 10 s per attempt, 30 s in all; a circuit breaker.
/// 400, 401 and 403 are never retried.
/// </summary>
internal static class OrumTokenResilience
{
    /// <summary>Waits longer than this are not spent inside one token request: the typed 429 goes back and the cache's cool-down honours it.</summary>
    internal static readonly TimeSpan MaxRetryAfterWait = TimeSpan.FromSeconds(10);

    internal static IHttpStandardResiliencePipelineBuilder Add(IHttpClientBuilder tokenHttpClient) =>
        tokenHttpClient.AddStandardResilienceHandler(Configure);

    internal static void Configure(HttpStandardResilienceOptions options)
    {
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromSeconds(1);
        options.Retry.ShouldRetryAfterHeader = false;
        options.Retry.ShouldHandle = static args => new ValueTask<bool>(ShouldRetry(args.Outcome));
        options.Retry.DelayGenerator = static args => new ValueTask<TimeSpan?>(ServerDelay(args.Outcome));

        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30);

        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
        options.CircuitBreaker.MinimumThroughput = 6;
        options.CircuitBreaker.FailureRatio = 0.8;
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
        options.CircuitBreaker.ShouldHandle = static args => new ValueTask<bool>(HttpClientResiliencePredicates.IsTransient(args.Outcome));
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        return ServerDelay(outcome) is not { } wait || wait <= MaxRetryAfterWait;
    }

    private static TimeSpan? ServerDelay(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response && (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable || (int)response.StatusCode >= 500)
            ? RetryAfterParser.Parse(response, TimeProvider.System)
            : null;
}
