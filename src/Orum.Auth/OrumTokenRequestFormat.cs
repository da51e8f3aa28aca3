namespace Orum.Auth;

/// <summary>How the body of <c>POST /oauth/token</c> is encoded. Orum accepts both.</summary>
public enum OrumTokenRequestFormat
{
    /// <summary><c>application/json</c>: <c>{"client_id":…,"client_secret":…}</c>.</summary>
    Json = 0,

    /// <summary><c>application/x-www-form-urlencoded</c>: <c>client_id=…&amp;client_secret=…</c>.</summary>
    Form = 1,
}
