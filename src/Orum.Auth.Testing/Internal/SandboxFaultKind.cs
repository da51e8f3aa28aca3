namespace Orum.Auth.Testing.Internal;

internal enum SandboxFaultKind
{
    Status,
    Delay,
    DropConnection,
    TruncatedBody,
    Html,
}
