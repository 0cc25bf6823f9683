using System.Text;
using JinDu.Contracts;
using JinDu.Leads.Contracts.Events;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace JinDu.IntegrationTests;

/// <summary>
/// Cooperation applies flags and correlations in batches (one transaction, each recipient's stream locked once). What a
/// recipient sees must be what it saw when every event was applied on its own: each event notifies each recipient once,
/// however often it arrives and whatever else shares its batch; every stream is numbered 1, 2, 3 … without gaps or
/// repeats, also while several batches for the same recipients commit at once; and one event that cannot be applied
/// costs the others nothing and ends up alone in an error queue. Events are published straight to the broker, many at
/// once, so they arrive together and are taken in the same batches.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Notice_batches(DistributedPlatform platform)
{
    // Counties no other test notifies, so their whole streams are this class's to check.
    private const string Luodian = "522728", Changshun = "522729", Longli = "522730", Huishui = "522731", Sandu = "522732", Weng_an = "522725";
    private const string Fuquan = "522702";
    private const string Huangping = "522622", Shibing = "522623"; // 黔东南: no other test notifies them

    [Fact]
    public async Task The_same_flag_twice_in_a_batch_and_the_whole_batch_again_notify_once()
    {
        var flags = Enumerable.Range(0, 20).Select(_ => Flag(Person(Luodian))).ToList();
        var twice = flags[7];
        await PublishAsync([.. flags.Take(10), twice, .. flags.Skip(10)]);
        var first = await NoticesOfAsync(flags, expected: 20);

        await PublishAsync(flags); // the batch redelivered: nothing new
        await Task.Delay(TimeSpan.FromSeconds(3));

        var notices = await NoticesOfAsync(flags, expected: 20);
        Assert.Equal(first, notices);
        Assert.All(flags, f => Assert.Single(notices, n => n.EventId == f.EventId));
        Assert.Equal(Luodian, Assert.Single(notices.Select(n => n.Recipient).Distinct()));
        await AssertNumberedInTurnAsync(Luodian);
    }

    [Fact]
    public async Task A_batch_mixing_recipients_numbers_each_stream_in_turn_and_notifies_each_recipient_once_per_flag()
    {
        string[] counties = [Changshun, Longli, Huishui];
        var flags = new List<InspectionFlagged>();
        for (var i = 0; i < 30; i++)
        {
            var county = counties[i % 3];
            flags.Add((i % 5) switch
            {
                // Two residents of two counties: both counties are told.
                0 => Flag(Person(county), Person(counties[(i + 1) % 3])),
                // Two residents of one county: that county is told once.
                1 => Flag(Person(county), Person(county)),
                _ => Flag(Person(county)),
            });
        }
        var expected = flags.SelectMany(f => f.Subjects.Select(s => s.HouseholdCode!).Distinct().Select(c => (f.EventId, c))).ToList();
        await PublishAsync(flags);

        var notices = await NoticesOfAsync(flags, expected.Count);
        Assert.Equal(expected.Order(), notices.Select(n => (n.EventId, n.Recipient)).Order());
        foreach (var county in counties) await AssertNumberedInTurnAsync(county);
    }

    [Fact]
    public async Task Concurrent_batches_for_the_same_recipients_keep_every_stream_contiguous_without_deadlocks()
    {
        // Flags (each telling both counties) and correlations (one each) for the same two counties on two queues at
        // once: batches lock both streams concurrently, from both consumers.
        // The log is the whole collection's: only what Cooperation writes from here on is this test's to judge (the
        // poison test before it fails a batch on purpose; a broker restart in another class may fail one too).
        var logFile = Path.Combine(platform.LogDirectory, "cooperation.log");
        var logStart = new FileInfo(logFile).Length;
        var flags = Enumerable.Range(0, 150).Select(_ => Flag(Person(Sandu), Person(Weng_an))).ToList();
        var correlations = Enumerable.Range(0, 150).Select(i => Correlation(i % 2 == 0 ? Sandu : Weng_an)).ToList();
        await Task.WhenAll(PublishAsync(flags), PublishAsync(correlations));

        var notices = await NoticesOfAsync([.. flags.Select(f => f.EventId), .. correlations.Select(c => c.EventId)], expected: 300 + 150,
            TimeSpan.FromSeconds(120));
        Assert.Equal(450, notices.Select(n => (n.EventId, n.Recipient)).Distinct().Count());
        await AssertNumberedInTurnAsync(Sandu);
        await AssertNumberedInTurnAsync(Weng_an);
        var log = await ReadFromAsync(logFile, logStart);
        foreach (var failure in new[] { "deadlock detected", "40P01", "IX_notifications_RecipientAgency_Sequence", "a batch of" })
        {
            var at = log.IndexOf(failure, StringComparison.Ordinal);
            Assert.True(at < 0, $"a batch failed ({failure}):\n{log.Substring(Math.Max(0, at - 2000), Math.Min(4000, log.Length - Math.Max(0, at - 2000)))}");
        }
    }

    [Fact]
    public async Task A_poison_flag_in_a_batch_lands_alone_in_an_error_queue_and_the_others_are_notified()
    {
        var good = Enumerable.Range(0, 12).Select(_ => Flag(Person(Fuquan))).ToList();
        var poison = Flag(Person(Fuquan)) with { Subjects = null! }; // cannot be applied however often it is tried
        await PublishAsync([.. good.Take(6), poison, .. good.Skip(6)]);

        var notices = await NoticesOfAsync(good, expected: 12);
        Assert.All(good, f => Assert.Single(notices, n => n.EventId == f.EventId));
        await AssertNumberedInTurnAsync(Fuquan);

        // After its retries (about 8 s) the poison waits in the fallback endpoint's error queue; none of the good ones
        // is there, and nothing of the batch went to the batch queue's own error queue.
        await PlatformClient.EventuallyAsync(async () =>
            (await ErrorQueueAsync("cooperation-household-notice-single_error")).Any(m => m.Contains(poison.EventId.ToString())) ? "" : null,
            TimeSpan.FromSeconds(60), "the poison flag in cooperation-household-notice-single_error");
        var parked = string.Join("\n", [
            .. await ErrorQueueAsync("cooperation-household-notice-single_error"),
            .. await ErrorQueueAsync("cooperation-household-notice_error")]);
        Assert.All(good, f => Assert.DoesNotContain(f.EventId.ToString(), parked));
    }

    [Fact]
    public async Task Every_notice_is_announced_once_in_NotificationIssued_at_its_number()
    {
        var (channel, queue, connection) = await IssuedQueueAsync();
        await using var _ = connection;
        await using var __ = channel;

        // Residents of one county, and some of two: several recipients in the same batches.
        var flags = Enumerable.Range(0, 24).Select(i => i % 4 == 0 ? Flag(Person(Luodian), Person(Changshun)) : Flag(Person(Luodian))).ToList();
        await PublishAsync(flags);
        await NoticesOfAsync(flags, expected: 30);
        var notices = new Dictionary<Guid, (string Recipient, long Sequence, string Type)>();
        await using (var db = new NpgsqlConnection(platform.CooperationDatabase))
        {
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(
                """SELECT "PublicId", "RecipientAgency", "Sequence", "Type" FROM notifications WHERE "SourceEventId" = ANY(@e)""", db);
            command.Parameters.AddWithValue("e", flags.Select(f => f.EventId).ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) notices[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
        }
        Assert.Equal(30, notices.Count);

        // Each of them announced exactly once, for its recipient, at its number, by the flagging county; several to a message.
        var announced = new List<(Guid Id, string Recipient, long Sequence, string Type)>();
        var messages = 0;
        await PlatformClient.EventuallyAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
            {
                var evt = System.Text.Json.Nodes.JsonNode.Parse(delivery.Body.Span)!["message"]!;
                var items = evt["notices"]!.AsArray().Where(n => notices.ContainsKey(n!["notificationId"]!.GetValue<Guid>())).ToList();
                if (items.Count == 0) continue; // another test's
                messages++;
                Assert.Equal(2, evt["schemaVersion"]!.GetValue<int>());
                Assert.Equal("522722", evt["producerAgency"]!.GetValue<string>());
                foreach (var n in items)
                    announced.Add((n!["notificationId"]!.GetValue<Guid>(), evt["recipientAgency"]!.GetValue<string>(), n["sequence"]!.GetValue<long>(), n["type"]!.GetValue<string>()));
            }
            return announced.Count >= notices.Count ? "" : null;
        }, TimeSpan.FromSeconds(30), "NotificationIssued for all 30 notices");
        Assert.Equal(notices.OrderBy(n => n.Key).Select(n => (n.Key, n.Value.Recipient, n.Value.Sequence, n.Value.Type)), announced.OrderBy(a => a.Id));
        Assert.InRange(messages, 2, notices.Count);
    }

    [Fact]
    public async Task A_correlation_and_a_hit_confirmation_published_together_are_made_in_the_same_batch_and_announced_together()
    {
        // What Leads publishes for one flag through a lead: one correlation and one hit confirmation to the same owner, from
        // one commit, both produced for the owner. They share Cooperation's lead-notice queue and batches, so the partner is
        // told of both together.
        var correlations = Enumerable.Range(0, 10).Select(_ => Correlation(Huangping) with { ProducerAgency = Huangping }).ToList();
        var hits = Enumerable.Range(0, 10).Select(_ => HitConfirmation(Huangping)).ToList();
        var (channel, queue, connection) = await IssuedQueueAsync();
        await using var _ = connection;
        await using var __ = channel;
        await platform.PublishTogetherAsync([.. correlations.Zip(hits).SelectMany(p => new object[] { p.First, p.Second })]);

        List<Guid> events = [.. correlations.Select(c => c.EventId), .. hits.Select(h => h.EventId)];
        var notices = await NoticesOfAsync(events, expected: 20);
        Assert.All(events, e => Assert.Single(notices, n => n.EventId == e));
        await AssertNumberedInTurnAsync(Huangping);

        // The same events again: nothing new (each keeps its own consumer's inbox record in the shared batch).
        await platform.PublishTogetherAsync([.. correlations, .. hits]);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(notices, await NoticesOfAsync(events, expected: 20));

        // Announced by batch and recipient: some NotificationIssued carries both kinds (two queues could never do that).
        var types = new List<HashSet<string>>();
        await PlatformClient.EventuallyAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
            {
                var evt = System.Text.Json.Nodes.JsonNode.Parse(delivery.Body.Span)!["message"]!;
                if (evt["recipientAgency"]!.GetValue<string>() != Huangping) continue;
                types.Add(evt["notices"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToHashSet());
            }
            return types.Any(t => t.Count == 2) ? "" : null;
        }, TimeSpan.FromSeconds(30), "a NotificationIssued with both a deconfliction and a hit-confirmation notice");
        Assert.Contains(types, t => t.SetEquals(["deconfliction", "hit_confirmation"]));
    }

    [Fact]
    public async Task A_poison_correlation_among_hit_confirmations_lands_alone_in_the_deconfliction_error_queue()
    {
        var hits = Enumerable.Range(0, 8).Select(_ => HitConfirmation(Shibing)).ToList();
        var correlations = Enumerable.Range(0, 4).Select(_ => Correlation(Shibing)).ToList();
        // The notice's source must be an agency code: this one cannot be stored, however often it is tried.
        var poison = Correlation(Shibing) with { ProducerAgency = "5227220" };
        await platform.PublishTogetherAsync([.. hits.Take(4), poison, .. correlations, .. hits.Skip(4)]);

        List<Guid> good = [.. hits.Select(h => h.EventId), .. correlations.Select(c => c.EventId)];
        var notices = await NoticesOfAsync(good, expected: 12);
        Assert.All(good, e => Assert.Single(notices, n => n.EventId == e));
        await AssertNumberedInTurnAsync(Shibing);

        // After its retries the poison waits in its own consumer's fallback error queue, as the correlation it was published
        // as; none of the good ones is parked anywhere.
        var parked = new List<string>();
        await PlatformClient.EventuallyAsync(async () =>
        {
            parked.AddRange(await ErrorQueueAsync("cooperation-deconfliction-notice-single_error"));
            return parked.Any(m => m.Contains(poison.EventId.ToString())) ? "" : null;
        }, TimeSpan.FromSeconds(60), "the poison correlation in cooperation-deconfliction-notice-single_error");
        var message = System.Text.Json.Nodes.JsonNode.Parse(parked.First(m => m.Contains(poison.EventId.ToString())))!;
        Assert.Contains("urn:message:JinDu.Leads.Contracts.Events:LeadsCorrelated", message["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(poison.RecipientLeadReference, message["message"]!["recipientLeadReference"]!.GetValue<string>());
        parked.AddRange(await ErrorQueueAsync("cooperation-hit-confirmation-notice-single_error"));
        parked.AddRange(await ErrorQueueAsync("cooperation-lead-notice_error"));
        var all = string.Join("\n", parked);
        Assert.All(good, e => Assert.DoesNotContain(e.ToString(), all));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private static FlaggedSubject Person(string county)
    {
        var id = TestIds.Person(county);
        return new FlaggedSubject(SubjectKind.Person, "test-token-" + Guid.NewGuid().ToString("N"), id[..4] + "**********" + id[^4..], county);
    }

    private static InspectionFlagged Flag(params FlaggedSubject[] subjects) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        ProducerAgency = "522722",
        InspectionId = Guid.NewGuid(),
        CheckpointId = PlatformClient.LiboCheckpoint,
        CheckpointName = "荔波高速公路检查站",
        Result = "seizure",
        InspectedAt = DateTimeOffset.UtcNow,
        Subjects = subjects,
        Seizures = [new SeizureLine("heroin", 1.5m)],
    };

    private static LeadsCorrelated Correlation(string recipient) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        ProducerAgency = "522722",
        RecipientAgency = recipient,
        RecipientLeadId = Guid.NewGuid(),
        RecipientLeadReference = "L-" + Guid.NewGuid().ToString("N")[..8],
        OtherAgency = "522722",
        OtherAgencyName = "荔波县",
        OtherLeadReference = "L-" + Guid.NewGuid().ToString("N")[..8],
        Contact = "荔波县禁毒办 0854-0000000",
        SubjectKind = "person",
    };

    private static HitConfirmationRequested HitConfirmation(string owner) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        ProducerAgency = owner,
        TaskId = Guid.NewGuid(),
        LeadId = Guid.NewGuid(),
        LeadReference = "L-" + Guid.NewGuid().ToString("N")[..8],
        OwnerAgency = owner,
        HitAgency = "522722",
        HitContact = "荔波县禁毒办",
        HitSource = "checkpoint",
        Urgency = "urgent",
        DueAt = DateTimeOffset.UtcNow.AddMinutes(10),
    };

    /// <summary>A queue of our own on NotificationIssued's exchange (declared as MassTransit declares it, in case nothing was published yet).</summary>
    private async Task<(IChannel Channel, string Queue, IConnection Connection)> IssuedQueueAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        const string exchange = "JinDu.Cooperation.Contracts.Events:NotificationIssued";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "");
        return (channel, queue, connection);
    }

    /// <summary>All at once, so they reach Cooperation together and share batches.</summary>
    private Task PublishAsync<T>(IReadOnlyList<T> events) where T : class => platform.PublishTogetherAsync(events);

    private sealed record Notice(Guid EventId, string Recipient, long Sequence);

    private Task<List<Notice>> NoticesOfAsync(IEnumerable<InspectionFlagged> flags, int expected) =>
        NoticesOfAsync(flags.Select(f => f.EventId).ToList(), expected);

    /// <summary>The notices the events caused, once there are at least <paramref name="expected"/>.</summary>
    private async Task<List<Notice>> NoticesOfAsync(IReadOnlyList<Guid> events, int expected, TimeSpan? timeout = null)
    {
        List<Notice> rows = [];
        try
        {
            return await Probe();
        }
        catch (TimeoutException)
        {
            var queues = (await platform.Servers.ListQueuesAsync()).Select(q => $"{q!["name"]} {q["messages"]}");
            Assert.Fail($"{rows.Count} of {expected} notices; queues: {string.Join(", ", queues)}\n{await File.ReadAllTextAsync(Path.Combine(platform.LogDirectory, "cooperation.log"))}");
            throw;
        }

        Task<List<Notice>> Probe() => PlatformClient.EventuallyAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(platform.CooperationDatabase);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """SELECT "SourceEventId", "RecipientAgency", "Sequence" FROM notifications WHERE "SourceEventId" = ANY(@e) ORDER BY "RecipientAgency", "Sequence" """,
                connection);
            command.Parameters.AddWithValue("e", events.ToArray());
            rows = [];
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(new Notice(reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2)));
            return rows.Count >= expected ? rows : null;
        }, timeout ?? TimeSpan.FromSeconds(60), $"{expected} notices");
    }

    /// <summary>The recipient's whole stream is 1 … n: no number skipped, none handed out twice, the stream's counter at n.</summary>
    private async Task AssertNumberedInTurnAsync(string recipient)
    {
        await using var connection = new NpgsqlConnection(platform.CooperationDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT "Sequence" FROM notifications WHERE "RecipientAgency" = @r ORDER BY "Sequence"
            """, connection);
        command.Parameters.AddWithValue("r", recipient);
        var sequences = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) sequences.Add(reader.GetInt64(0));
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        await using var last = new NpgsqlCommand("""SELECT "LastSequence" FROM delivery_streams WHERE "RecipientAgency" = @r""", connection);
        last.Parameters.AddWithValue("r", recipient);
        Assert.Equal((long)sequences.Count, (long)(await last.ExecuteScalarAsync())!);
    }

    /// <summary>
    /// The bodies of the messages waiting in an error queue, read without taking them: nothing is acknowledged, and
    /// closing the channel puts them all back.
    /// </summary>
    private async Task<List<string>> ErrorQueueAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var bodies = new List<string>();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: false) is { } message)
                bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            // No such queue: nothing ever failed there.
        }
        return bodies;
    }

    private static async Task<string> ReadFromAsync(string file, long offset)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
