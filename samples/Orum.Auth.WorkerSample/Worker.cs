using Microsoft.Extensions.Options;

namespace Orum.Auth.WorkerSample;

/// <summary>Makes a few Deliver and Verify calls, logs what came back, and stops the host.</summary>
public sealed partial class Worker(
    DeliverClient deliver, VerifyClient verify, IOptions<OrumAuthOptions> orum, IHostApplicationLifetime lifetime, ILogger<Worker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarting(logger, orum.Value.ApiBaseAddress?.ToString() ?? orum.Value.Environment.ToString(), orum.Value.ClientId);
        try
        {
            var balance = await deliver.GetBalanceAsync(stoppingToken);
            LogBalance(logger, balance.Available / 100m, balance.Currency);

            var person = await deliver.CreatePersonAsync($"worker-{Guid.NewGuid():N}", "Ada", "Lovelace", stoppingToken);
            LogPerson(logger, person.Id, person.Status);

            var account = await verify.VerifyAccountAsync("00101044595", "021000021", "Ada Lovelace", stoppingToken);
            LogAccount(logger, account.Id, account.VerificationStatus);
        }
        catch (Exception ex) when (ex is OrumAuthException or HttpRequestException)
        {
            LogFailed(logger, ex);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(0, LogLevel.Information, "Calling Orum ({Target}) as client {ClientId}.")]
    private static partial void LogStarting(ILogger logger, string target, string? clientId);

    [LoggerMessage(1, LogLevel.Information, "Balance: {Available:N2} {Currency} available.")]
    private static partial void LogBalance(ILogger logger, decimal available, string currency);

    [LoggerMessage(2, LogLevel.Information, "Created person {PersonId} ({Status}).")]
    private static partial void LogPerson(ILogger logger, string personId, string status);

    [LoggerMessage(3, LogLevel.Information, "Requested verification of account {AccountId} ({VerificationStatus}).")]
    private static partial void LogAccount(ILogger logger, string accountId, string verificationStatus);

    [LoggerMessage(4, LogLevel.Error, "The Orum calls failed.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
