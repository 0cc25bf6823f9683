using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// Deletes, once at start, queues that a service declared in an earlier version and no longer consumes from. A durable
/// queue stays bound to its exchanges after its consumer is gone and would fill with every event published there, for
/// good. A queue still consumed (an instance of the earlier version still running during a rolling upgrade) is left, and
/// tried again at the next start; one that does not exist is nothing to do.
/// MassTransit has no call for this, so it goes through the RabbitMQ client underneath it.
/// </summary>
public sealed class RetiredQueues(Uri broker, IReadOnlyList<string> names, ILogger<RetiredQueues> log) : BackgroundService
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeleteAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or AlreadyClosedException or IOException or TimeoutException
                                        && !stoppingToken.IsCancellationRequested)
            {
                log.LogInformation("Retired queues: the broker is not reachable yet ({Error}); trying again in {Delay}", ex.Message, RetryEvery);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Tidying up must never stop the service (an exception out of a hosted service would).
                log.LogWarning(ex, "Retired queues could not be deleted; left until the next start");
                return;
            }
            try { await Task.Delay(RetryEvery, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Deletes each retired queue that has no consumer; returns the names deleted or found absent.</summary>
    public async Task<List<string>> DeleteAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "jindu-retired-queues", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        var deleted = new List<string>();
        foreach (var name in names)
        {
            // A refused call closes its channel: one channel a queue.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                // Quorum queues do not take queue.delete's if-unused flag (NOT_IMPLEMENTED): the consumers are counted first.
                var queue = await channel.QueueDeclarePassiveAsync(name, cancellationToken);
                if (queue.ConsumerCount > 0)
                {
                    log.LogWarning("Retired queue {Queue} still has {Consumers} consumers (an earlier version still running?); left until the next start",
                        name, queue.ConsumerCount);
                    continue;
                }
                var dropped = await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken);
                deleted.Add(name);
                if (dropped > 0) log.LogWarning("Retired queue {Queue} deleted with {Count} messages nobody consumes any more", name, dropped);
                else log.LogInformation("Retired queue {Queue} deleted", name);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                deleted.Add(name); // absent: nothing to do
            }
            catch (OperationInterruptedException ex)
            {
                // Refused (say, a user without configure rights on it): said, and the next name is tried.
                log.LogWarning("Retired queue {Queue} could not be deleted: {Reason}; left until the next start", name, ex.ShutdownReason?.ReplyText ?? ex.Message);
            }
        }
        return deleted;
    }
}
