using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Orum.Auth.Internal;

/// <summary>
/// The token endpoint's pipeline: up to 3 attempts on network errors, 408, 429 and 5xx, exponential back-off with jitter
/// from 1 s and never sooner than Orum's Retry-After / X-Retry-In; 10 s per attempt; a circuit breaker. The bound on the
/// whole request is <see cref="OrumAuthOptions.TokenRequestTimeout"/>, which <see cref="OrumAuthClient"/> enforces.
/// 400, 401 and 403 are never retried.
/// </summary>
internal static class OrumTokenResilience
{
    /// <summary>Waits longer than this are not spent inside one token request: the typed 429 goes back and the cache's cool-down honours it.</summary>
    internal static readonly TimeSpan MaxRetryAfterWait = TimeSpan.FromSeconds(10);

    // Configured with the container's TimeProvider: a Retry-After given as an HTTP date is measured on the same clock as
    // the delays Polly waits, which Polly.Extensions also takes from the container.
    internal static IHttpStandardResiliencePipelineBuilder Add(IHttpClientBuilder tokenHttpClient) =>
        tokenHttpClient.AddStandardResilienceHandler()
            .Configure(static (options, services) => Configure(options, services.GetService<TimeProvider>() ?? TimeProvider.System));

    internal static void Configure(HttpStandardResilienceOptions options, TimeProvider timeProvider)
    {
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromSeconds(1);
        options.Retry.ShouldRetryAfterHeader = false;
        options.Retry.ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, timeProvider));

        // Read when a retry is due, so a later TokenResilience.Configure (Delay, BackoffType, …) is followed.
        var retry = options.Retry;
        options.Retry.DelayGenerator = args => new ValueTask<TimeSpan?>(Delay(retry, args.AttemptNumber, ServerDelay(args.Outcome, timeProvider)));

        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);

        // TokenRequestTimeout bounds a token request, in OrumAuthClient, whatever its value: this one never cuts it short.
        options.TotalRequestTimeout.Timeout = OrumAuthOptionsValidator.MaxTokenRequestTimeout + TimeSpan.FromMinutes(1);

        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
        options.CircuitBreaker.MinimumThroughput = 6;
        options.CircuitBreaker.FailureRatio = 0.8;
        // No longer than the cache's 5-s cool-down: each acquisition the cool-down lets through gets a trial, so traffic
        // resumes within one cool-down of Orum's return, while the open circuit still cuts an outage's retries to one.
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
        options.CircuitBreaker.ShouldHandle = static args => new ValueTask<bool>(HttpClientResiliencePredicates.IsTransient(args.Outcome));
    }

    /// <summary>
    /// The back-off (from <c>Retry.Delay</c>, by <c>Retry.BackoffType</c>, with jitter unless it is off), or Orum's
    /// Retry-After / X-Retry-In when that is longer: a server asking for no wait (0, a date in the past) never removes it.
    /// </summary>
    internal static TimeSpan Delay(HttpRetryStrategyOptions retry, int attempt, TimeSpan? serverDelay)
    {
        var factor = retry.BackoffType switch
        {
            DelayBackoffType.Constant => 1.0,
            DelayBackoffType.Linear => attempt + 1,
            _ => Math.Pow(2, Math.Min(attempt, 30)),
        };
        if (retry.UseJitter)
        {
            // Spread over ±50 % of the exponential step (±25 % of the others), centred on it as Polly's own jitter is.
            factor *= retry.BackoffType == DelayBackoffType.Exponential
                ? 0.5 + Random.Shared.NextDouble()
                : 0.75 + (0.5 * Random.Shared.NextDouble());
        }

        var backOff = TimeSpan.FromSeconds(Math.Min(retry.Delay.TotalSeconds * factor, TimeSpan.FromDays(1).TotalSeconds));
        if (retry.MaxDelay is { } max && backOff > max)
        {
            backOff = max;
        }

        return serverDelay is { } wait && wait > backOff ? wait : backOff;
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider timeProvider)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        return ServerDelay(outcome, timeProvider) is not { } wait || wait <= MaxRetryAfterWait;
    }

    private static TimeSpan? ServerDelay(Outcome<HttpResponseMessage> outcome, TimeProvider timeProvider) =>
        outcome.Result is { } response && (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable || (int)response.StatusCode >= 500)
            ? RetryAfterParser.Parse(response, timeProvider)
            : null;
}
