using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace JinDu.Leads.Infrastructure;

/// <summary>
/// Saves what a batch of screening flags changed (<see cref="Consumers.FlagToLeadConsumer"/>) on PostgreSQL with one
/// statement a table — the new leads, then their subjects, timeline entries, links, hit tasks, inbox and outbox rows and
/// the joined leads' new versions, each as one INSERT/UPDATE over arrays (unnest) — where SaveChanges sends one statement
/// a row: ~22 a flag at 200 flags/s, whose building, sending and result handling were a quarter of Leads' CPU and a
/// share of PostgreSQL's in partner-latency, where every tenth of a millisecond a flag shows in the tail.
/// <para>It reads the change tracker, so the consumer, <see cref="Correlation.Correlator"/> and
/// <see cref="Correlation.HitTasks"/> keep working on tracked entities as everywhere else, and the columns come from the EF
/// model, so a property added to one of these entities is written here too. It declines (<see cref="CanWrite"/>) anything
/// else — a deletion, a changed owned row, another entity, another column of a lead — and the caller saves through EF.</para>
/// <para>Hand-written because EF Core has no set-based insert of tracked entities and the libraries that add one
/// (EFCore.BulkExtensions and the like) are not served here; it is small and used by this one consumer.</para>
/// </summary>
public sealed partial class FlagBatchWriter(LeadsDbContext db)
{
    /// <summary>The columns of an existing lead that a flag may change (joining it, or linking another lead to it).</summary>
    private static readonly HashSet<string> LeadChanges = [nameof(Lead.Severity), nameof(Lead.Substances), nameof(Lead.UpdatedAt), nameof(Lead.Version)];

    private List<OutboxMessage> _written = [];

    /// <summary>
    /// The events stored since the last call, for the caller to hand to the outbox after its commit (and to forget at the
    /// start of a transaction, so a rolled-back attempt's events are never handed over).
    /// </summary>
    public List<OutboxMessage> TakeWrittenEvents()
    {
        var written = _written;
        _written = [];
        return written;
    }

    /// <summary>Whether everything tracked is something this writer stores (detects changes once).</summary>
    public bool CanWrite() => Classify(detect: true) is not null;

    /// <summary>
    /// Stores everything tracked in the caller's transaction, in one round trip, and clears the tracker. New leads carry
    /// their ids already (<see cref="FlagBatchReader"/> takes them from the identity), so their rows can go with them. A
    /// joined lead changed meanwhile fails the save with <see cref="DbUpdateConcurrencyException"/>, a key taken meanwhile
    /// with a <see cref="DbUpdateException"/> on a unique violation: what SaveChanges would throw, so the caller's retry applies.
    /// </summary>
    public async Task SaveAsync(CancellationToken ct)
    {
        var plan = Classify(detect: false) ?? throw new InvalidOperationException("FlagBatchWriter cannot store these changes; check CanWrite first");
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)(db.Database.CurrentTransaction ?? throw new InvalidOperationException("FlagBatchWriter needs the caller's transaction")).GetDbTransaction();
        try
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            // New leads first: their rows refer to them.
            if (plan.NewLeads.Count > 0) batch.BatchCommands.Add(Insert(plan.NewLeads));
            NpgsqlBatchCommand? update = null;
            if (plan.ChangedLeads.Count > 0) batch.BatchCommands.Add(update = Update(plan.ChangedLeads));
            foreach (var rows in plan.Inserts.Values) batch.BatchCommands.Add(Insert(rows));
            if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
            if (update is not null && update.RecordsAffected != plan.ChangedLeads.Count)
                throw new DbUpdateConcurrencyException($"{plan.ChangedLeads.Count - update.RecordsAffected} of {plan.ChangedLeads.Count} joined leads were changed meanwhile");
            if (plan.Inserts.FirstOrDefault(x => x.Key.ClrType == typeof(OutboxMessage)).Value is { } events)
                _written.AddRange(events.Select(e => (OutboxMessage)e.Entity));
            db.ChangeTracker.Clear();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DbUpdateException($"A flag batch's row was stored meanwhile ({ex.ConstraintName})", ex);
        }
    }

    private sealed record Plan(List<EntityEntry> NewLeads, List<EntityEntry> ChangedLeads, Dictionary<IEntityType, List<EntityEntry>> Inserts);

    private Plan? Classify(bool detect)
    {
        var tracker = db.ChangeTracker;
        var auto = tracker.AutoDetectChangesEnabled;
        if (detect) tracker.DetectChanges();
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            var plan = new Plan([], [], []);
            foreach (var entry in tracker.Entries())
            {
                switch (entry.State)
                {
                    case EntityState.Unchanged:
                        break;
                    // A lead without its id (or a task on one) waits for the identity to give it: SaveChanges does that.
                    case EntityState.Added when entry.Entity is Lead && !entry.Property(nameof(Lead.Id)).IsTemporary:
                        plan.NewLeads.Add(entry);
                        break;
                    case EntityState.Added when entry.Entity is LeadSubject or TimelineEntry or LeadLink or OutboxMessage or InboxMessage
                        || entry.Entity is HitConfirmationTask { LeadId: > 0 }:
                        if (!plan.Inserts.TryGetValue(entry.Metadata, out var rows)) plan.Inserts[entry.Metadata] = rows = [];
                        rows.Add(entry);
                        break;
                    case EntityState.Modified when entry.Entity is Lead && entry.Properties.All(p => !p.IsModified || LeadChanges.Contains(p.Metadata.Name)):
                        plan.ChangedLeads.Add(entry);
                        break;
                    default:
                        return null;
                }
            }
            return plan;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = auto;
        }
    }

    /// <summary>
    /// INSERT INTO table (every mapped column, but a key the database generates unless the rows carry it) SELECT … FROM
    /// unnest(one array a column): the rows in the order given. An array column (a lead's substances) travels as one JSON
    /// text a row, since unnest cannot take an array of arrays of different lengths.
    /// </summary>
    private static NpgsqlBatchCommand Insert(List<EntityEntry> rows)
    {
        var type = rows[0].Metadata;
        var columns = type.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && rows.Any(r => r.Property(p.Name).IsTemporary)))
            .ToList();
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder("INSERT INTO \"").Append(type.GetTableName()).Append("\" (")
            .AppendJoin(", ", columns.Select(c => $"\"{c.GetColumnName()}\"")).Append(") SELECT ")
            .AppendJoin(", ", columns.Select((c, i) => Value(c, $"v.c{i}"))).Append(" FROM unnest(")
            .AppendJoin(", ", columns.Select((c, i) => $"${i + 1}::{ArrayOf(c)}")).Append(") AS v(")
            .AppendJoin(", ", columns.Select((_, i) => $"c{i}")).Append(')');
        command.CommandText = sql.ToString();
        foreach (var column in columns)
            command.Parameters.Add(new NpgsqlParameter { Value = Column(rows, column, (entry, c) => entry.Property(c.Name).CurrentValue) });
        return command;
    }

    /// <summary>
    /// UPDATE leads SET (the columns a flag changes) FROM unnest(…) WHERE the id and every concurrency token (the version
    /// read with the lead) still match: a lead changed meanwhile is not updated, and the caller sees the count fall short.
    /// </summary>
    private static NpgsqlBatchCommand Update(List<EntityEntry> rows)
    {
        var type = rows[0].Metadata;
        var key = type.FindPrimaryKey()!.Properties.Single();
        var set = type.GetProperties().Where(p => LeadChanges.Contains(p.Name)).ToList();
        var tokens = type.GetProperties().Where(p => p.IsConcurrencyToken).ToList();
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder("UPDATE \"").Append(type.GetTableName()).Append("\" AS t SET ")
            .AppendJoin(", ", set.Select((c, i) => $"\"{c.GetColumnName()}\" = {Value(c, $"v.c{i}")}"))
            .Append(" FROM unnest(").AppendJoin(", ", set.Append(key).Concat(tokens).Select((c, i) => $"${i + 1}::{ArrayOf(c)}"))
            .Append(") AS v(").AppendJoin(", ", set.Select((_, i) => $"c{i}")).Append(", k")
            .AppendJoin("", tokens.Select((_, i) => $", o{i}")).Append(") WHERE t.\"").Append(key.GetColumnName()).Append("\" = v.k")
            .AppendJoin("", tokens.Select((c, i) => $" AND t.\"{c.GetColumnName()}\" = v.o{i}"));
        command.CommandText = sql.ToString();
        foreach (var column in set.Append(key))
            command.Parameters.Add(new NpgsqlParameter { Value = Column(rows, column, (entry, c) => entry.Property(c.Name).CurrentValue) });
        foreach (var token in tokens)
            command.Parameters.Add(new NpgsqlParameter { Value = Column(rows, token, (entry, c) => entry.Property(c.Name).OriginalValue) });
        return command;
    }

    private static bool IsArray(IProperty column) => column.GetColumnType().EndsWith("[]", StringComparison.Ordinal);

    /// <summary>
    /// The parameter's array type: the column's type without its length (an explicit cast to varchar(64) would cut a longer
    /// value short without a word; the INSERT's own assignment refuses it, as it refuses SaveChanges' parameter).
    /// </summary>
    private static string ArrayOf(IProperty column) => IsArray(column) ? "text[]" : Unsized().Replace(column.GetColumnType(), "") + "[]";

    [GeneratedRegex(@"\(\d+(,\s*\d+)?\)")]
    private static partial Regex Unsized();

    private static string Value(IProperty column, string value) => IsArray(column)
        ? $"CASE WHEN {value} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text({value}::jsonb)) END::{column.GetColumnType()}"
        : value;

    /// <summary>One column's values as an array of the type PostgreSQL stores (after the model's value converter).</summary>
    private static Array Column(List<EntityEntry> rows, IProperty column, Func<EntityEntry, IProperty, object?> read)
    {
        var converter = column.GetTypeMapping().Converter;
        var type = IsArray(column) ? typeof(string) : converter?.ProviderClrType ?? column.ClrType;
        if (type.IsValueType && Nullable.GetUnderlyingType(type) is null && column.IsNullable) type = typeof(Nullable<>).MakeGenericType(type);
        var values = Array.CreateInstance(type, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var value = read(rows[i], column);
            if (value is null) continue;
            values.SetValue(IsArray(column) ? JsonSerializer.Serialize(value) : converter is null ? value : converter.ConvertToProvider(value), i);
        }
        return values;
    }
}
