using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Consumers;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace JinDu.Leads.Infrastructure;

/// <summary>What a batch of flags asks before it is applied (<see cref="FlagBatchReader"/>).</summary>
/// <param name="Consumer">The inbox's consumer name.</param>
/// <param name="EventIds">The batch's event ids, to look up in the inbox.</param>
/// <param name="Tokens">Every subject token of the batch: the leads that have one are the batch's to load.</param>
/// <param name="HitIds">The hits the batch's flags are about, to find the confirmation tasks already stored for them.</param>
/// <param name="NewLeads">How many leads each agency may make (every flag may make one).</param>
/// <param name="LockKeys">Advisory locks to hold for the transaction, taken first, in this order (PostgreSQL).</param>
/// <param name="Now">The day the new leads' references carry.</param>
public sealed record FlagBatchQuestions(string Consumer, IReadOnlyCollection<Guid> EventIds, IReadOnlyCollection<string> Tokens,
    IReadOnlyCollection<Guid> HitIds, IReadOnlyDictionary<string, int> NewLeads, long[] LockKeys, DateTimeOffset Now);

/// <summary>The answers: what is stored, as the batch's transaction sees it once its locks are held.</summary>
/// <param name="Applied">Event ids the inbox already holds.</param>
/// <param name="LeadIds">Leads (any agency, any status) with one of the tokens.</param>
/// <param name="StoredTasks">Confirmation tasks already stored for one of the hits on one of those leads.</param>
/// <param name="FreeReferences">Public ids with references no stored lead has, per agency.</param>
/// <param name="NewLeadIds">Ids for the leads the batch makes, from the leads' identity (PostgreSQL; empty otherwise: the save gives them).</param>
public sealed record FlagBatchAnswers(HashSet<Guid> Applied, List<long> LeadIds, HashSet<(long LeadId, Guid HitId)> StoredTasks,
    Dictionary<string, Queue<(Guid Id, string Reference)>> FreeReferences, Queue<long> NewLeadIds);

/// <summary>
/// Reads what a batch of screening flags needs before <see cref="FlagToLeadConsumer"/> applies it. On PostgreSQL the
/// advisory locks and every read go in one round trip (one <see cref="NpgsqlBatch"/> in the caller's transaction, each
/// statement seeing what was committed before the locks were granted), and the new leads' ids are taken from the identity
/// there too, so that <see cref="FlagBatchWriter"/> stores a batch in one more. As separate statements the locks and these
/// reads were four or five round trips a batch, and the new leads' INSERT had to return their ids in a round trip of its
/// own before their rows could go: at ~15 batches a second on two busy cores each round trip waits to be scheduled at
/// both ends, and partner-latency measured a batch's apply at 33 ms p50 and 129 ms p99 for ~12 flags (2026-12-05).
/// Elsewhere (SQLite, standalone) the same answers come from EF queries. Table and column names come from the EF model.
/// </summary>
public sealed class FlagBatchReader(LeadsDbContext db)
{
    public async Task<FlagBatchAnswers> ReadAsync(FlagBatchQuestions ask, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return await ReadThroughEfAsync(ask, ct);

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)(db.Database.CurrentTransaction ?? throw new InvalidOperationException("FlagBatchReader needs the caller's transaction")).GetDbTransaction();
        var sql = Statements.For(db.Model);
        var references = new LeadReference.Picker(ask.NewLeads, ask.Now);
        var candidates = references.Next();
        var newLeads = ask.NewLeads.Values.Sum();
        var tokens = ask.Tokens.ToArray();

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (ask.LockKeys.Length > 0) batch.BatchCommands.Add(Command(sql.Locks, ask.LockKeys));
        batch.BatchCommands.Add(Command(sql.Inbox, ask.Consumer, ask.EventIds.ToArray()));
        batch.BatchCommands.Add(Command(sql.LeadIds, tokens));
        batch.BatchCommands.Add(Command(sql.StoredTasks, tokens, ask.HitIds.ToArray()));
        if (candidates.Count > 0) batch.BatchCommands.Add(Command(sql.TakenReferences, candidates.ToArray()));
        if (newLeads > 0) batch.BatchCommands.Add(Command(sql.NewLeadIds, newLeads));

        var applied = new HashSet<Guid>();
        var leadIds = new List<long>();
        var stored = new HashSet<(long, Guid)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var ids = new List<long>(newLeads);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (ask.LockKeys.Length > 0) await reader.NextResultAsync(ct); // the locks return one empty row each
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetGuid(0));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) leadIds.Add(reader.GetInt64(0));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) stored.Add((reader.GetInt64(0), reader.GetGuid(1)));
            if (candidates.Count > 0)
            {
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct)) taken.Add(reader.GetString(0));
            }
            if (newLeads > 0)
            {
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
            }
        }
        references.Taken(taken);
        // A reference already taken (a few dozen times in 100,000 leads of a day) costs another look, as before.
        await references.CompleteAsync(db, ct);
        ids.Sort();
        return new FlagBatchAnswers(applied, leadIds, stored, references.Free, new Queue<long>(ids));
    }

    private async Task<FlagBatchAnswers> ReadThroughEfAsync(FlagBatchQuestions ask, CancellationToken ct)
    {
        var ids = ask.EventIds.ToList();
        var applied = (await db.InboxMessages
                .Where(m => m.Consumer == ask.Consumer && ids.Contains(m.MessageId))
                .Select(m => m.MessageId).ToListAsync(ct))
            .ToHashSet();
        var tokens = ask.Tokens.ToList();
        var leadIds = await db.Leads
            .SelectMany(l => l.Subjects.Where(s => tokens.Contains(s.Token)), (l, _) => l.Id)
            .Distinct().ToListAsync(ct);
        var hitIds = ask.HitIds.ToList();
        var stored = leadIds.Count == 0 ? [] : (await db.HitTasks
                .Where(t => leadIds.Contains(t.LeadId) && hitIds.Contains(t.HitId))
                .Select(t => new { t.LeadId, t.HitId }).ToListAsync(ct))
            .Select(t => (t.LeadId, t.HitId)).ToHashSet();
        var free = await LeadReference.FreeAsync(db, ask.NewLeads, ask.Now, ct);
        return new FlagBatchAnswers(applied, leadIds, stored, free, new Queue<long>());
    }

    /// <summary>A statement with its parameters $1 and $2 (an array is one parameter, not a list of them).</summary>
    private static NpgsqlBatchCommand Command(string sql, object first, object? second = null)
    {
        var command = new NpgsqlBatchCommand(sql) { Parameters = { new NpgsqlParameter { Value = first } } };
        if (second is not null) command.Parameters.Add(new NpgsqlParameter { Value = second });
        return command;
    }

    /// <summary>The statements, built once per model from its table and column names.</summary>
    private sealed record Statements(string Locks, string Inbox, string LeadIds, string StoredTasks, string TakenReferences, string NewLeadIds)
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Statements> Built = [];

        public static Statements For(IModel model) => Built.GetValue(model, Build);

        private static Statements Build(IModel model)
        {
            var inbox = model.FindEntityType(typeof(InboxMessage))!;
            var subjects = model.FindEntityType(typeof(LeadSubject))!;
            var tasks = model.FindEntityType(typeof(HitConfirmationTask))!;
            var leads = model.FindEntityType(typeof(Lead))!;
            // The ids of the leads with one of the tokens ($1), through the subjects' token index.
            var leadsBy = $"{Column(subjects, "LeadId")} FROM {Table(subjects)} WHERE {Column(subjects, nameof(LeadSubject.Token))} = ANY($1)";
            return new Statements(
                "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k",
                $"SELECT {Column(inbox, nameof(InboxMessage.MessageId))} FROM {Table(inbox)} " +
                $"WHERE {Column(inbox, nameof(InboxMessage.Consumer))} = $1 AND {Column(inbox, nameof(InboxMessage.MessageId))} = ANY($2)",
                $"SELECT DISTINCT {leadsBy}",
                $"SELECT {Column(tasks, nameof(HitConfirmationTask.LeadId))}, {Column(tasks, nameof(HitConfirmationTask.HitId))} FROM {Table(tasks)} " +
                $"WHERE {Column(tasks, nameof(HitConfirmationTask.HitId))} = ANY($2) AND {Column(tasks, nameof(HitConfirmationTask.LeadId))} IN (SELECT {leadsBy})",
                $"SELECT {Column(leads, nameof(Lead.Reference))} FROM {Table(leads)} WHERE {Column(leads, nameof(Lead.Reference))} = ANY($1)",
                // generate_series yields its rows in order and nextval is evaluated a row at a time.
                $"SELECT nextval(pg_get_serial_sequence('{Table(leads).Replace("'", "''")}', '{leads.FindPrimaryKey()!.Properties.Single().GetColumnName()}')) " +
                "FROM generate_series(1, $1)");
        }

        private static string Table(IEntityType type) =>
            (type.GetSchema() is { } schema ? $"\"{schema}\"." : "") + $"\"{type.GetTableName()}\"";

        private static string Column(IEntityType type, string property) => $"\"{type.FindProperty(property)!.GetColumnName()}\"";
    }
}
