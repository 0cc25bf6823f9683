using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// Is the broker reachable? MassTransit's own check only looks at receive endpoints, so a service that
/// only publishes (through its outbox) would report ready with the broker gone. This keeps one
/// recovering AMQP connection for the purpose and reports whether it is open.
/// </summary>
public sealed class BrokerHealthCheck(Uri broker) : IHealthCheck, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var factory = new ConnectionFactory
                {
                    Uri = broker,
                    AutomaticRecoveryEnabled = true,
                    NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
                    RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
                    ClientProvidedName = "jindu-health",
                };
                _connection = await factory.CreateConnectionAsync(cancellationToken);
            }
            return _connection.IsOpen
                ? HealthCheckResult.Healthy("broker connected")
                : HealthCheckResult.Unhealthy("broker connection lost; recovering");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("broker unreachable: " + ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
