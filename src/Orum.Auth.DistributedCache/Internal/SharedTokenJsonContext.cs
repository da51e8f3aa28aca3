using System.Text.Json.Serialization;

namespace Orum.Auth.DistributedCache.Internal;

/// <summary>A stored token. Its JSON is the contract between replicas that run different versions of the package.</summary>
internal sealed class SharedTokenEntry
{
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [JsonPropertyName("expires_in")]
    public double? ExpiresIn { get; set; }

    [JsonPropertyName("issued_at")]
    public DateTimeOffset? IssuedAt { get; set; }
}

/// <summary>
/// A stored failure (<see cref="SharedFailure"/>), under the token's key + <c>:failure</c>. Also part of the contract between
/// replicas.
/// </summary>
internal sealed class SharedFailureEntry
{
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("status")]
    public int? Status { get; set; }

    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("retry_after")]
    public double? RetryAfter { get; set; }

    [JsonPropertyName("timeout")]
    public bool? Timeout { get; set; }

    [JsonPropertyName("until")]
    public DateTimeOffset? Until { get; set; }
}

/// <summary>Source-generated JSON for stored tokens: no reflection, trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(SharedTokenEntry))]
[JsonSerializable(typeof(SharedFailureEntry))]
internal sealed partial class SharedTokenJsonContext : JsonSerializerContext
{
}
