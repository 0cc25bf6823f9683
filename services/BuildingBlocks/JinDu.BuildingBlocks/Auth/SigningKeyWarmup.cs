using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JinDu.BuildingBlocks.Auth;

/// <summary>
/// Fetches the token provider's discovery document and signing keys as soon as the service starts,
/// instead of during the first caller's request (where it would eat that caller's time budget, e.g.
/// the watchlist deadline of a checkpoint post). Retries in the background until the provider answers.
/// </summary>
internal sealed class SigningKeyWarmup(IOptionsMonitor<JwtBearerOptions> options, SigningKeyStatus status, ILogger<SigningKeyWarmup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var manager = options.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager;
        if (manager is null)
        {
            status.Loaded = true; // keys configured directly: nothing to fetch
            return;
        }
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var config = await manager.GetConfigurationAsync(stoppingToken);
                log.LogInformation("Token signing keys loaded from {Issuer} ({Count} keys)", config.Issuer, config.SigningKeys.Count);
                status.Loaded = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                status.LastError = ex.Message;
                if (attempt % 10 == 1) log.LogWarning("Token provider not reachable yet (attempt {Attempt}): {Message}", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), stoppingToken);
            }
        }
    }
}

/// <summary>Readiness: a service that cannot check tokens yet cannot serve anyone.</summary>
internal sealed class SigningKeyStatus : IHealthCheck
{
    public volatile bool Loaded;
    public volatile string? LastError;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Loaded
            ? HealthCheckResult.Healthy("signing keys loaded")
            : HealthCheckResult.Unhealthy("token provider's signing keys not loaded yet" + (LastError is null ? "" : ": " + LastError)));
}
