using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Screening.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JinDu.FunctionalTests;

/// <summary>The outbox, inbox and idempotency tables do not grow for ever, and nothing unsent is ever removed.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Outbox_housekeeping(StandaloneFactory factory)
{
    [Fact]
    public async Task Removes_old_sent_events_and_answers_but_keeps_unsent_and_recent_ones()
    {
        var now = DateTimeOffset.UtcNow;
        var keys = new { OldSent = Guid.NewGuid(), RecentSent = Guid.NewGuid(), OldUnsent = Guid.NewGuid() };
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ScreeningDbContext>();
            db.OutboxMessages.AddRange(
                new OutboxMessage { MessageId = keys.OldSent, Type = "x", Body = "{}", OccurredAt = now.AddDays(-9), SentAt = now.AddDays(-8) },
                new OutboxMessage { MessageId = keys.RecentSent, Type = "x", Body = "{}", OccurredAt = now.AddDays(-1), SentAt = now.AddDays(-1) },
                // Never published (the broker was away for long): it must survive any clean-up.
                new OutboxMessage { MessageId = keys.OldUnsent, Type = "x", Body = "{}", OccurredAt = now.AddDays(-9), SentAt = null, Attempts = 99 });
            db.IdempotencyRecords.AddRange(
                new IdempotencyRecord { Scope = "housekeeping", Key = "old", RequestHash = "h", Body = "{}", CreatedAt = now.AddDays(-3) },
                new IdempotencyRecord { Scope = "housekeeping", Key = "new", RequestHash = "h", Body = "{}", CreatedAt = now.AddHours(-1) });
            await db.SaveChangesAsync();
        }

        // (The dispatcher may meanwhile set the unsent row aside as an unknown type: then it is recent, and kept too.)
        var dispatcher = factory.Services.GetServices<IHostedService>().OfType<OutboxDispatcher<ScreeningDbContext>>().Single();
        await dispatcher.CleanUpAsync(CancellationToken.None);

        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ScreeningDbContext>();
            var left = await db.OutboxMessages.Where(m => m.MessageId == keys.OldSent || m.MessageId == keys.RecentSent || m.MessageId == keys.OldUnsent)
                .Select(m => m.MessageId).ToListAsync();
            Assert.DoesNotContain(keys.OldSent, left);
            Assert.Contains(keys.RecentSent, left);
            Assert.Contains(keys.OldUnsent, left);
            var answers = await db.IdempotencyRecords.Where(r => r.Scope == "housekeeping").Select(r => r.Key).ToListAsync();
            Assert.Equal(["new"], answers);
        }
    }
}
