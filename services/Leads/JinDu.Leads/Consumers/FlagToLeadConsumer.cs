using System.Runtime.ExceptionServices;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using JinDu.Screening.Contracts.Events;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JinDu.Leads.Consumers;

/// <summary>
/// A screening flag — an inspection at a checkpoint or a parcel in a courier feed — becomes a lead of the
/// flagging agency, or joins that agency's open lead that already has one of the subjects (a timeline
/// entry, not a second lead). Applied once per event.
/// Flags arrive in batches (MassTransit's Batch&lt;T&gt;, <see cref="FlagBatchOptions"/>): one transaction a batch, with
/// set-based reads, applied flag after flag in the batch's order exactly as if each had been committed alone.
/// One transaction a flag cost ~6 ms of CPU between Leads and PostgreSQL, which capped the rate near 300/s.
/// </summary>
public sealed class FlagToLeadConsumer(LeadsDbContext db, TimeProvider time, Correlator correlator, HitTasks hitTasks, FlagBatchReader reader,
    FlagBatchWriter writer, OutboxSignal outboxSignal, ILogger<FlagToLeadConsumer> log)
    : IConsumer<Batch<InspectionFlagged>>, IConsumer<Batch<ParcelFlagged>>
{
    /// <summary>What both kinds of flag have in common, as far as a lead is concerned.</summary>
    public sealed record Flag(Guid EventId, string Agency, LeadSource Source, Guid? SourceId, IReadOnlyList<FlaggedSubject> Subjects,
        IReadOnlyList<string> Substances, int Severity, string Detail, string What, string HitAgency);

    public Task Consume(ConsumeContext<Batch<InspectionFlagged>> context) => ConsumeAsync(context.Message, FromInspection, context.CancellationToken);

    public Task Consume(ConsumeContext<Batch<ParcelFlagged>> context) => ConsumeAsync(context.Message, FromParcel, context.CancellationToken);

    public static Flag FromInspection(InspectionFlagged f)
    {
        var detail = $"{f.CheckpointName}: {f.Result}" + (f.Seizures.Count > 0
            ? " — " + string.Join(", ", f.Seizures.Select(s => $"{s.Substance} {s.Grams:0.###} g"))
            : "");
        return new Flag(f.EventId, f.ProducerAgency, LeadSource.Checkpoint, f.InspectionId, f.Subjects,
            f.Seizures.Select(s => s.Substance).Distinct().ToList(), SeverityOf(f.Result), detail, $"inspection {f.InspectionId}", f.ProducerAgency);
    }

    public static Flag FromParcel(ParcelFlagged f)
    {
        var subjects = f.Subjects.Append(new FlaggedSubject(JinDu.Contracts.SubjectKind.Parcel, f.WaybillToken, f.WaybillMasked, null)).ToList();
        var detail = $"{f.Company} {f.WaybillMasked} at {f.OutletCode}: {f.Reason} → {f.Referral}"
                     + (f.MatchedLeads.Count > 0 ? " (matches " + string.Join(", ", f.MatchedLeads) + ")" : "");
        return new Flag(f.EventId, f.ProducerAgency, LeadSource.Courier, null, subjects, [],
            f.Reason == "watchlist" ? 3 : 2, detail, $"parcel {f.WaybillMasked}", f.OutletRegion);
    }

    /// <summary>
    /// The batch in one transaction. If it fails, each flag is applied alone in a transaction of its own, so one
    /// bad message cannot hold the others back: those that succeed are marked consumed (MassTransit then acks them
    /// although the batch faults), and only the failing ones fault, are retried and reach the error queue.
    /// </summary>
    private async Task ConsumeAsync<T>(Batch<T> batch, Func<T, Flag> toFlag, CancellationToken ct) where T : class
    {
        var flags = new List<Flag>(batch.Length);
        foreach (var message in batch) flags.Add(toFlag(message.Message));
        try
        {
            await ApplyAsync(flags, ct);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && batch.Length > 1)
        {
            log.LogWarning(ex, "A batch of {Count} flags failed; applying them one at a time", batch.Length);
        }
        ExceptionDispatchInfo? failure = null;
        for (var i = 0; i < batch.Length; i++)
        {
            var started = time.GetTimestamp();
            try
            {
                await ApplyAsync([flags[i]], ct);
                await batch[i].NotifyConsumed(batch[i], time.GetElapsedTime(started), nameof(FlagToLeadConsumer));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Flag {EventId} ({What}) failed on its own", flags[i].EventId, flags[i].What);
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }
        failure?.Throw();
    }

    /// <summary>
    /// "Find the agency's open lead with one of these subjects, or make one" must not run twice at once for one
    /// subject: two flags of a new person consumed together would each find nothing and each make a lead (the
    /// correlation benchmark made 92,246 leads for 92,243 subjects). On PostgreSQL each (agency, subject) of the
    /// batch is locked for the transaction, all in one statement, in a fixed order (so two batches cannot deadlock);
    /// standalone, one batch is applied at a time.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<Flag> flags, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyOnceAsync(flags, ct);
                return;
            }
            catch (DbUpdateException ex) when (attempt < 3 && (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation()))
            {
                // A lead this batch links to (another agency's, so not under our locks) was changed meanwhile by a
                // request or another batch; or a new lead's reference, checked free before, was taken meanwhile by a lead
                // made elsewhere; or another delivery of an event committed first. Read
                // again and apply again, with new references: cheaper than the batch one flag at a time.
            }
        }
    }

    private async Task ApplyOnceAsync(IReadOnlyList<Flag> flags, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            await StandaloneGate.WaitAsync(ct);
            try { await InTransactionAsync([]); }
            finally { StandaloneGate.Release(); }
            return;
        }
        var keys = flags.SelectMany(f => f.Subjects.Select(s => LockKeys.Of("jindu:lead-subject:" + f.Agency + ":" + s.Token))).Distinct().Order().ToArray();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(() => InTransactionAsync(keys));

        async Task InTransactionAsync(long[] lockKeys)
        {
            db.ChangeTracker.Clear();
            writer.TakeWrittenEvents();
            // All or nothing: a savepoint around each save would only cost two more round trips.
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await FindOrCreateAsync(flags, lockKeys, ct);
                await tx.CommitAsync(ct);
                // The set-based save bypassed SaveChanges, whose interceptor would have handed the events to the outbox after
                // this commit.
                outboxSignal.Committed(typeof(LeadsDbContext), writer.TakeWrittenEvents());
            }
            finally
            {
                db.Database.AutoSavepointsEnabled = true;
            }
        }
    }

    private static readonly SemaphoreSlim StandaloneGate = new(1, 1);

    private async Task FindOrCreateAsync(IReadOnlyList<Flag> batch, long[] lockKeys, CancellationToken ct)
    {
        // The locks (sorted: unnest takes them in that order, so two batches cannot deadlock) and what the batch needs to
        // know, in one round trip on PostgreSQL (FlagBatchReader): the inbox, the stored leads with one of the batch's
        // tokens, the confirmation tasks already stored for its hits, free references and ids for the leads it may make.
        var batchNow = time.GetUtcNow();
        var answers = await reader.ReadAsync(new FlagBatchQuestions(nameof(FlagToLeadConsumer),
            batch.Select(f => f.EventId).Distinct().ToList(),
            batch.SelectMany(f => f.Subjects.Select(s => s.Token)).Distinct().ToList(),
            batch.Select(HitTasks.HitIdOf).Distinct().ToList(),
            batch.GroupBy(f => f.Agency).ToDictionary(g => g.Key, g => g.Count()),
            lockKeys, batchNow), ct);
        // The inbox: an event already applied, or twice in one batch, counts once.
        var flags = batch.Where(f => answers.Applied.Add(f.EventId)).ToList();
        if (flags.Count == 0) return;

        // Every active lead (any agency) with one of the batch's tokens, in id order: the leads a flag joins (its
        // agency's), the correlation candidates and the hit owners (watched, any agency). Leads made by this batch
        // are appended as they are made, so later flags find, link and hit them as if they had been committed.
        // Loaded with their owned rows, one query per table (in one query the joins multiply: subjects × recipients ×
        // timeline × links rows for every lead); none when no stored lead has one of the tokens.
        var leadIds = answers.LeadIds;
        var leads = leadIds.Count == 0 ? [] : await db.Leads
            .Where(l => leadIds.Contains(l.Id) && l.Status != LeadStatus.Closed)
            .OrderBy(l => l.Id)
            .AsSplitQuery()
            .ToListAsync(ct);
        var fresh = answers.FreeReferences;
        // A redelivered hit (its flag was applied under another event id, or by the one-at-a-time path) makes no second
        // task: the tasks already stored for the batch's hits on its leads.
        var stored = answers.StoredTasks;
        // Hits on leads this batch made, stored once those leads are, where the save gives their ids (SQLite).
        var onNew = new List<(Lead Lead, HitConfirmationTask Task)>();
        var tasked = new HashSet<(Lead, Guid)>();

        int created = 0, joined = 0;
        foreach (var flag in flags)
        {
            var now = time.GetUtcNow();
            var flagTokens = flag.Subjects.Select(s => s.Token).ToHashSet(StringComparer.Ordinal);
            var existing = leads.FirstOrDefault(l => l.OwnerAgency == flag.Agency && l.Status != LeadStatus.Closed && l.Subjects.Any(s => flagTokens.Contains(s.Token)));
            Lead? made = null;
            if (existing is not null)
            {
                existing.Timeline.Add(new TimelineEntry { At = now, Actor = "screening", Action = "flag_joined", Detail = flag.Detail });
                var added = flag.Subjects.DistinctBy(s => s.Token).Where(s => existing.Subjects.All(x => x.Token != s.Token))
                    .Select(s => new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked }).ToList();
                existing.Subjects.AddRange(added);
                foreach (var substance in flag.Substances.Where(x => !existing.Substances.Contains(x)))
                    existing.Substances.Add(substance);
                var severity = Math.Max(existing.Severity, flag.Severity);
                if (added.Count > 0 || severity != existing.Severity)
                {
                    existing.Severity = severity;
                    // A new severity re-announces every token so the watchlist answer shows it.
                    db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(existing, now, existing.Subjects.Select(s => s.Token))));
                }
                existing.UpdatedAt = now;
                existing.Version++;
                correlator.Link(existing, added, now, leads);
                joined++;
                log.LogDebug("Flag ({What}) joined lead {Reference}", flag.What, existing.Reference);
            }
            else
            {
                var (publicId, reference) = fresh[flag.Agency].TryDequeue(out var free) ? free : (Guid.CreateVersion7(), (string?)null);
                made = new Lead
                {
                    // On PostgreSQL the id is taken with the batch's reads, so the lead and its rows are stored in one statement each.
                    Id = answers.NewLeadIds.TryDequeue(out var id) ? id : 0,
                    PublicId = publicId,
                    OwnerAgency = flag.Agency,
                    Source = flag.Source,
                    SourceId = flag.SourceId,
                    Status = LeadStatus.New,
                    Severity = flag.Severity,
                    Summary = flag.Detail,
                    Substances = flag.Substances.ToList(),
                    CreatedAt = now,
                    UpdatedAt = now,
                    Subjects = flag.Subjects.DistinctBy(s => s.Token).Select(s => new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked }).ToList(),
                    Timeline = [new TimelineEntry { At = now, Actor = "screening", Action = "created_from_flag", Detail = flag.Detail }],
                };
                made.Reference = reference ?? LeadReference.For(made);
                db.Leads.Add(made);
                db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.Created(made, now)));
                db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(made, now, made.Subjects.Select(s => s.Token))));
                correlator.Link(made, made.Subjects, now, leads);
                created++;
                log.LogDebug("Flag ({What}) created lead {Reference}", flag.What, made.Reference);
            }

            // 比中核实 for the other agencies' watched leads the flag hits; the lead this flag made is not one of them
            // (it was not there when the flag arrived). A task on a stored lead is added now, so its event follows the
            // flag's correlation events in the outbox: Cooperation applies the two notices through a lead in one batch,
            // and a task announced after the whole batch's events was cut into the next batch one time in nine
            // (partner-latency, 2026-12-05).
            var hitId = HitTasks.HitIdOf(flag);
            foreach (var lead in leads.Where(l => HitTasks.IsHitOn(flag, l)).Take(HitTasks.MaxOwners))
            {
                if (!tasked.Add((lead, hitId))) continue;
                if (lead.Id == 0) onNew.Add((lead, hitTasks.For(flag, 0, lead.PublicId, lead.Reference, lead.OwnerAgency, lead.Severity)));
                else if (!stored.Contains((lead.Id, hitId))) hitTasks.Add(hitTasks.For(flag, lead.Id, lead.PublicId, lead.Reference, lead.OwnerAgency, lead.Severity));
            }
            if (made is not null) leads.Add(made);
            db.InboxMessages.Add(new InboxMessage { MessageId = flag.EventId, Consumer = nameof(FlagToLeadConsumer), ProcessedAt = now });
        }

        if (onNew.Count == 0 && db.Database.IsNpgsql() && writer.CanWrite())
        {
            // One statement a table, all in one round trip.
            await writer.SaveAsync(ct);
            log.LogInformation("Applied {Count} flags: {Created} new leads, {Joined} joined open leads", flags.Count, created, joined);
            return;
        }
        await db.SaveChangesAsync(ct);
        // Tasks on leads this batch made need the leads' ids, which the save just gave them.
        if (onNew.Count > 0)
        {
            foreach (var (lead, task) in onNew)
            {
                task.LeadId = lead.Id;
                hitTasks.Add(task);
            }
            await db.SaveChangesAsync(ct);
        }
        log.LogInformation("Applied {Count} flags: {Created} new leads, {Joined} joined open leads", flags.Count, created, joined);
    }

    /// <summary>Seizures weigh most, then positive tests, then suspicion (1–5 scale).</summary>
    public static int SeverityOf(string result) => result switch
    {
        "seizure" => 4,
        "positive_test" => 3,
        _ => 2,
    };
}

/// <summary>
/// How flags are cut into batches (section <c>Leads:FlagBatch</c>). Under a burst batches fill; at 200 flags/s a flag
/// waits at most the time limit (the flag → partner-notified goal is p99 &lt; 500 ms; two of the partner's three
/// notices pass through here). 20 ms made smaller batches that cost Leads and PostgreSQL more CPU per flag, and on 2
/// shared cores that lengthened the tail (partner-latency p99 824 ms against 270–531 at 50 ms). Several batches at once,
/// so that while some wait on PostgreSQL others are applied.
/// </summary>
public sealed class FlagBatchOptions
{
    public const string Section = "Leads:FlagBatch";

    /// <summary>Reads <see cref="Section"/> into the options the flags' endpoint is configured with.</summary>
    public static IServiceCollection AddTo(IServiceCollection services, IConfiguration configuration) =>
        services.Configure<FlagBatchOptions>(configuration.GetSection(Section));

    /// <summary>At most this many flags in one batch (one transaction).</summary>
    public int MessageLimit { get; set; } = 200;

    /// <summary>A batch is applied at the latest this long after its first flag arrived, full or not.</summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Batches applied at once.</summary>
    public int ConcurrencyLimit { get; set; } = 4;
}

/// <summary>The flags' receive endpoint: batches (<see cref="FlagBatchOptions"/>) and room in the prefetch for them.</summary>
public sealed class FlagToLeadConsumerDefinition(IOptions<FlagBatchOptions> options) : ConsumerDefinition<FlagToLeadConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<FlagToLeadConsumer> consumer,
        IRegistrationContext context)
    {
        var o = options.Value;
        if (o.MessageLimit < 1 || o.ConcurrencyLimit < 1 || o.TimeLimit <= TimeSpan.Zero)
            throw new InvalidOperationException($"{FlagBatchOptions.Section} needs MessageLimit and ConcurrencyLimit of at least 1 and a positive TimeLimit");
        consumer.Options<BatchOptions>(b => b
            .SetMessageLimit(o.MessageLimit)
            .SetTimeLimit(o.TimeLimit)
            .SetConcurrencyLimit(o.ConcurrencyLimit));
        // MassTransit makes room for exactly the batches being applied (MessageLimit × ConcurrencyLimit); one batch more
        // lets the next one fill from the broker meanwhile, instead of starting with what the acks free up.
        var room = o.MessageLimit * (o.ConcurrencyLimit + 1);
        endpoint.PrefetchCount = Math.Max(endpoint.PrefetchCount, room);
        endpoint.ConcurrentMessageLimit = Math.Max(endpoint.ConcurrentMessageLimit ?? 0, room);
    }
}

public static class LeadReference
{
    public static string For(Lead lead) => For(lead.OwnerAgency, lead.CreatedAt, lead.PublicId);

    public static string For(string agency, DateTimeOffset createdAt, Guid publicId) =>
        $"XS-{agency}-{createdAt.UtcDateTime:yyyyMMdd}-{publicId.ToString("N")[^6..].ToUpperInvariant()}";

    /// <summary>
    /// Public ids for new leads, as many per agency as asked, each with a reference (<see cref="For"/>, dated
    /// <paramref name="now"/>) that no stored lead has and no other id of the set has: one query for a batch of flags.
    /// Without it a taken reference (24 random bits per agency and day: a few dozen times in 100,000 leads) failed the
    /// batch's save, and the whole batch was rolled back and applied again.
    /// </summary>
    public static async Task<Dictionary<string, Queue<(Guid Id, string Reference)>>> FreeAsync(
        LeadsDbContext db, IReadOnlyDictionary<string, int> countByAgency, DateTimeOffset now, CancellationToken ct, Func<Guid>? newId = null)
    {
        var picker = new Picker(countByAgency, now, newId);
        await picker.CompleteAsync(db, ct);
        return picker.Free;
    }

    /// <summary>
    /// Picks free references in rounds: <see cref="Next"/> offers candidates, <see cref="Taken"/> tells which of them a
    /// stored lead has; at most five rounds. Apart from <see cref="FreeAsync"/>, so that the first round's look can travel
    /// with a batch's other reads (<see cref="Infrastructure.FlagBatchReader"/>).
    /// </summary>
    public sealed class Picker(IReadOnlyDictionary<string, int> countByAgency, DateTimeOffset now, Func<Guid>? newId = null)
    {
        private const int Rounds = 5;
        private readonly Func<Guid> _newId = newId ?? Guid.CreateVersion7;
        private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
        private readonly HashSet<string> _handedOut = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Agency, Guid Id)> _candidates = new(StringComparer.Ordinal);
        private int _round;

        public Dictionary<string, Queue<(Guid Id, string Reference)>> Free { get; } =
            countByAgency.ToDictionary(x => x.Key, _ => new Queue<(Guid, string)>(), StringComparer.Ordinal);

        /// <summary>The next round's candidates; none when every agency has its count or the rounds are used up.</summary>
        public IReadOnlyList<string> Next()
        {
            _candidates.Clear();
            if (_round++ >= Rounds) return [];
            // Linear in the batch: a batch of 200 flags asks for 200 references at once.
            foreach (var (agency, count) in countByAgency)
                for (var wanted = count - Free[agency].Count; wanted > 0;)
                {
                    var id = _newId();
                    var reference = For(agency, now, id);
                    if (!_refused.Contains(reference) && !_handedOut.Contains(reference) && _candidates.TryAdd(reference, (agency, id))) wanted--;
                }
            return _candidates.Keys.ToList();
        }

        /// <summary>Which of the last round's candidates a stored lead has; the others are handed out.</summary>
        public void Taken(IReadOnlySet<string> taken)
        {
            foreach (var (reference, (agency, id)) in _candidates)
                if (taken.Contains(reference)) _refused.Add(reference);
                else if (_handedOut.Add(reference)) Free[agency].Enqueue((id, reference));
            _candidates.Clear();
        }

        /// <summary>Looks until every agency has its count (or the rounds are used up), one query a round.</summary>
        public async Task CompleteAsync(LeadsDbContext db, CancellationToken ct)
        {
            for (var references = Next(); references.Count > 0; references = Next())
                Taken((await db.Leads.Where(l => references.Contains(l.Reference)).Select(l => l.Reference).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// <see cref="For"/>, or, when a stored lead already has that reference, the same prefix with other random digits
    /// until one is free. The suffix has 24 bits per agency and day, so references do collide now and then (a few dozen
    /// times in 100,000 leads of one day); without the check the unique index refused the save, and an anonymous
    /// tip answered 500. Two leads taking one free reference at the same instant still meet the index.
    /// </summary>
    public static async Task<string> UnusedAsync(LeadsDbContext db, Lead lead, CancellationToken ct)
    {
        var reference = For(lead);
        while (await db.Leads.AnyAsync(l => l.Reference == reference, ct))
            reference = $"{reference[..^6]}{System.Security.Cryptography.RandomNumberGenerator.GetHexString(6)}";
        return reference;
    }
}
