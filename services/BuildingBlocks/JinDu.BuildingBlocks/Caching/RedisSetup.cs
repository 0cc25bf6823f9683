using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace JinDu.BuildingBlocks.Caching;

public static class RedisSetup
{
    /// <summary>
    /// Connects to Redis when Redis:Configuration is set (the distributed mode) and adds it to the health checks:
    /// to readiness when <paramref name="required"/> (a service that cannot work without it), otherwise only to
    /// the full health report. Returns false when it is not configured: the caller then keeps its state in memory
    /// (standalone).
    /// </summary>
    public static bool AddRedisIfConfigured(this IHostApplicationBuilder builder, bool required = true)
    {
        var configuration = builder.Configuration["Redis:Configuration"];
        if (string.IsNullOrWhiteSpace(configuration)) return false;
        builder.Services.TryAddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(configuration);
            options.AbortOnConnectFail = false; // start without Redis and connect when it comes; readiness tells
            options.ClientName = builder.Environment.ApplicationName;
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: required ? ["ready"] : []);
        return true;
    }
}

public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("redis unreachable: " + ex.Message);
        }
    }
}
