using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Assistance;

/// <summary>Configuration section <c>Assistance</c>.</summary>
public sealed class AssistanceOptions
{
    /// <summary>How often open requests are checked against their deadlines (real time; the deadlines are on <see cref="CooperationClock"/>).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Escalates open requests that passed their deadline to the assisting agency's prefecture, once each. Several
/// instances may run: the request's version makes the second escalation of the same request fail and be dropped.
/// </summary>
public sealed class AssistanceDeadlines(IServiceScopeFactory scopes, CooperationClock clock,
    Microsoft.Extensions.Options.IOptionsMonitor<AssistanceOptions> options, ILogger<AssistanceDeadlines> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await EscalateDueAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { log.LogWarning(ex, "Assistance deadlines: check failed"); }
            try { await Task.Delay(options.CurrentValue.CheckInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <returns>How many requests were escalated.</returns>
    public async Task<int> EscalateDueAsync(CancellationToken ct)
    {
        var now = clock.Now;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();
        var due = await db.AssistanceRequests.AsNoTracking()
            .Where(r => (r.Status == AssistanceStatus.Requested || r.Status == AssistanceStatus.Acknowledged) && r.EscalatedAt == null && r.Deadline <= now)
            .OrderBy(r => r.Deadline).Select(r => r.Id).Take(200).ToListAsync(ct);
        var escalated = 0;
        foreach (var id in due)
        {
            await using var one = scopes.CreateAsyncScope();
            var rdb = one.ServiceProvider.GetRequiredService<CooperationDbContext>();
            var request = await rdb.AssistanceRequests.FirstAsync(r => r.Id == id, ct);
            if (!request.IsOpen || request.EscalatedAt is not null) continue;
            await one.ServiceProvider.GetRequiredService<AssistanceDesk>().OverdueAsync(request, ct);
            try
            {
                await rdb.SaveChangesAsync(ct);
                escalated++;
                log.LogInformation("Assistance request {Id} of {Requester} to {Assisting} is overdue: escalated to {Prefecture}",
                    request.PublicId, request.RequestingAgency, request.AssistingAgency, request.EscalatedTo);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Answered or escalated by someone else in the meantime: their change stands.
            }
        }
        return escalated;
    }
}
