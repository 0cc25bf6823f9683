using System.Data.Common;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Screening.Contracts.Events;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Watchlist;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace JinDu.Screening.Couriers;

/// <summary>
/// Stores a batch of checked parcels of one company durably, in one transaction: the parcels (latest
/// version of each waybill wins; a resubmission is counted once), the outlet-day roll-ups (adjusted by
/// what changed), a CourierComplianceBreached the first time an outlet-day falls under 100%, and for
/// parcels that hit the watchlist or were suspicious on X-ray a referral and ParcelFlagged.
/// The earlier versions of the batch's waybills are read first, locked (FOR UPDATE on PostgreSQL, so two
/// feeds resending one waybill at once count it once); new waybills then go straight into the table
/// (binary COPY on PostgreSQL, a prepared INSERT per row on SQLite) and resent ones are updated in place.
/// Two feeds inserting one new waybill at once: the second hits the unique key and its batch starts over.
/// </summary>
public sealed class ParcelBatchWriter(ScreeningDbContext db, ReferralSignal referrals, TimeProvider time, ILogger<ParcelBatchWriter> log)
{
    // The columns a feed record sets (the key, Company and Waybill, first); raw SQL uses these names.
    private static readonly string[] Columns =
    [
        "Company", "Waybill", "WaybillToken", "OutletCode", "OutletRegion", "Day", "AcceptedAt",
        "SenderNameEncrypted", "SenderIdEncrypted", "SenderIdToken", "SenderIdMasked", "SenderPhoneEncrypted", "SenderPhoneToken",
        "RecipientPhoneEncrypted", "RecipientPhoneToken", "RecipientRegion", "DestinationRegion", "DeclaredContents", "WeightGrams",
        "RealNameVerified", "OpenedAndInspected", "Inspector", "XRayed", "XRayMachine", "XRayResult", "ReceivedAt",
    ];

    private static readonly Func<Parcel, object?>[] Values =
    [
        p => p.Company, p => p.Waybill, p => p.WaybillToken, p => p.OutletCode, p => p.OutletRegion, p => p.Day, p => p.AcceptedAt,
        p => p.SenderNameEncrypted, p => p.SenderIdEncrypted, p => p.SenderIdToken, p => p.SenderIdMasked, p => p.SenderPhoneEncrypted, p => p.SenderPhoneToken,
        p => p.RecipientPhoneEncrypted, p => p.RecipientPhoneToken, p => p.RecipientRegion, p => p.DestinationRegion, p => p.DeclaredContents, p => p.WeightGrams,
        p => p.RealNameVerified, p => p.OpenedAndInspected, p => p.Inspector, p => p.XRayed, p => p.XRayMachine, p => p.XRayResult, p => p.ReceivedAt,
    ];

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter SqliteTime = new();

    private static readonly string ColumnList = string.Join(", ", Columns.Select(c => $"\"{c}\""));

    private readonly record struct OutletKey(string Company, string OutletCode, int Day);

    private sealed class Counts
    {
        public string Region = "";
        public int Parcels, RealName, Opened, XRayed, AllThree, Suspicious;

        public void Add(bool realName, bool opened, bool xrayed, bool suspicious, int sign)
        {
            Parcels += sign;
            if (realName) RealName += sign;
            if (opened) Opened += sign;
            if (xrayed) XRayed += sign;
            if (realName && opened && xrayed) AllThree += sign;
            if (suspicious) Suspicious += sign;
        }
    }

    /// <summary>
    /// The accepted records of a batch that count: the last version of each waybill, in a fixed order
    /// (company, waybill) so concurrent batches lock rows in the same order and do not deadlock.
    /// </summary>
    private static List<CheckedParcel> Latest(IEnumerable<CheckedParcel> batch)
    {
        var latest = new Dictionary<(string, string), CheckedParcel>();
        foreach (var c in batch) if (c.Parcel is { } p) latest[(p.Company, p.Waybill)] = c;
        return latest.Values.OrderBy(c => c.Parcel!.Company, StringComparer.Ordinal).ThenBy(c => c.Parcel!.Waybill, StringComparer.Ordinal).ToList();
    }

    /// <param name="hits">The watchlist's answer for the batch's subject tokens.</param>
    public async Task StoreAsync(IReadOnlyList<CheckedParcel> batch, WatchlistAnswer hits, CancellationToken ct)
    {
        var parcels = Latest(batch);
        if (parcels.Count == 0) return;
        if (parcels.Select(c => c.Parcel!.Company).Distinct().Count() > 1)
            throw new ArgumentException("a batch holds the parcels of one company", nameof(batch));

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StoreOnceAsync(parcels, hits, ct);
                return;
            }
            catch (Exception ex) when (ex.IsUniqueViolation() && attempt < 5)
            {
                // Another batch wrote one of these waybills, or numbered a referral, at the same time; the
                // loser starts over and now finds what the winner wrote.
                log.LogInformation("Parcel batch retried after a concurrent write ({Attempt})", attempt);
            }
        }
    }

    private async Task StoreOnceAsync(List<CheckedParcel> parcels, WatchlistAnswer hits, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var connection = db.Database.GetDbConnection();
            var transaction = tx.GetDbTransaction();
            var postgres = db.Database.IsNpgsql();
            var company = parcels[0].Parcel!.Company;

            var (deltas, existing) = await ReadEarlierVersionsAsync(connection, transaction, company, parcels, postgres, ct);
            foreach (var c in parcels)
            {
                var p = c.Parcel!;
                var counts = Delta(deltas, new OutletKey(p.Company, p.OutletCode, p.Day));
                counts.Region = p.OutletRegion;
                counts.Add(p.RealNameVerified, p.OpenedAndInspected, p.XRayed, p.Suspicious, +1);
            }
            var fresh = parcels.Where(c => !existing.Contains(c.Parcel!.Waybill)).Select(c => c.Parcel!).ToList();
            var resent = parcels.Where(c => existing.Contains(c.Parcel!.Waybill)).Select(c => c.Parcel!).ToList();
            if (postgres) await CopyAsync((NpgsqlConnection)connection, fresh, ct);
            else await InsertAsync(connection, transaction, fresh, ct);
            await UpdateAsync(connection, transaction, resent, postgres, ct);
            await ApplyRollupAsync(connection, transaction, deltas, ct);
            await RaiseBreachesAsync(deltas.Keys.ToList(), ct);
            await IssueReferralsAsync(parcels, hits, ct);
            db.AuditEntries.Add(new JinDu.BuildingBlocks.Audit.AuditEntry
            {
                At = time.GetUtcNow(), Actor = "courier:" + company, Action = "ingest_parcels", Target = "parcels/" + company,
                Detail = $"{parcels.Count} waybills stored ({fresh.Count} new, {resent.Count} resent)", Outcome = "success",
            });
            var issued = db.ChangeTracker.Entries<Referral>().Any(e => e.State == EntityState.Added);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            if (issued) referrals.Notify();
        });
    }

    private static Counts Delta(Dictionary<OutletKey, Counts> deltas, OutletKey key)
    {
        if (!deltas.TryGetValue(key, out var counts)) deltas[key] = counts = new Counts();
        return counts;
    }

    /// <summary>
    /// The stored versions of the batch's waybills, locked until the batch commits: they are taken out of
    /// the counts (the deltas) and updated in place; every other waybill of the batch is new.
    /// </summary>
    private static async Task<(Dictionary<OutletKey, Counts> Deltas, HashSet<string> Existing)> ReadEarlierVersionsAsync(
        DbConnection connection, DbTransaction transaction, string company, List<CheckedParcel> parcels, bool postgres, CancellationToken ct)
    {
        var deltas = new Dictionary<OutletKey, Counts>();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        const string select = "SELECT \"Waybill\", \"OutletCode\", \"Day\", \"OutletRegion\", \"RealNameVerified\", \"OpenedAndInspected\", \"XRayed\", \"XRayResult\" FROM parcels WHERE \"Company\" = @company AND ";
        // On PostgreSQL one lookup by the unique key per waybill, in the batch's (ordinal) order, locking what
        // it finds. Not "Waybill" = ANY(@waybills): while the table grows faster than autovacuum analyses it,
        // the planner took the stale statistics' word and scanned every row of the company through another
        // index (160 ms a batch at 300,000 rows, half the database's time in the feed benchmark).
        var waybills = parcels.Select(c => c.Parcel!.Waybill).ToList();
        // One query with an array on PostgreSQL; SQLite has no arrays, so chunks of IN lists.
        foreach (var chunk in postgres ? [waybills.ToArray()] : waybills.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            AddParameter(command, "@company", company);
            if (postgres)
            {
                command.CommandText = "SELECT p.* FROM unnest(@waybills) AS w(\"Waybill\") CROSS JOIN LATERAL (" +
                                      select + "\"Waybill\" = w.\"Waybill\" FOR UPDATE) p";
                AddParameter(command, "@waybills", chunk);
            }
            else
            {
                command.CommandText = select + "\"Waybill\" IN (" + string.Join(", ", chunk.Select((_, i) => "@w" + i)) + ")";
                for (var i = 0; i < chunk.Length; i++) AddParameter(command, "@w" + i, chunk[i]);
            }
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetString(0));
                var counts = Delta(deltas, new OutletKey(company, reader.GetString(1), Convert.ToInt32(reader.GetValue(2))));
                counts.Region = reader.GetString(3);
                counts.Add(Convert.ToBoolean(reader.GetValue(4)), Convert.ToBoolean(reader.GetValue(5)), Convert.ToBoolean(reader.GetValue(6)),
                    !reader.IsDBNull(7) && reader.GetString(7) == "suspicious", -1);
            }
        }
        return (deltas, existing);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, List<Parcel> parcels, CancellationToken ct)
    {
        if (parcels.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync($"COPY parcels ({ColumnList}, \"Version\") FROM STDIN (FORMAT BINARY)", ct);
        // Synchronous writes into Npgsql's buffer: an await per value cost more than the row itself.
        // The buffer flushes to the loopback socket when it is full, which does not block for long.
        foreach (var p in parcels)
        {
            copy.StartRow();
            copy.Write(p.Company, NpgsqlDbType.Text);
            copy.Write(p.Waybill, NpgsqlDbType.Text);
            copy.Write(p.WaybillToken, NpgsqlDbType.Text);
            copy.Write(p.OutletCode, NpgsqlDbType.Text);
            copy.Write(p.OutletRegion, NpgsqlDbType.Text);
            copy.Write(p.Day, NpgsqlDbType.Integer);
            copy.Write(p.AcceptedAt, NpgsqlDbType.TimestampTz);
            copy.Write(p.SenderNameEncrypted, NpgsqlDbType.Text);
            copy.Write(p.SenderIdEncrypted, NpgsqlDbType.Text);
            copy.Write(p.SenderIdToken, NpgsqlDbType.Text);
            copy.Write(p.SenderIdMasked, NpgsqlDbType.Text);
            copy.Write(p.SenderPhoneEncrypted, NpgsqlDbType.Text);
            copy.Write(p.SenderPhoneToken, NpgsqlDbType.Text);
            copy.Write(p.RecipientPhoneEncrypted, NpgsqlDbType.Text);
            copy.Write(p.RecipientPhoneToken, NpgsqlDbType.Text);
            copy.Write(p.RecipientRegion, NpgsqlDbType.Text);
            copy.Write(p.DestinationRegion, NpgsqlDbType.Text);
            copy.Write(p.DeclaredContents, NpgsqlDbType.Text);
            copy.Write(p.WeightGrams, NpgsqlDbType.Integer);
            copy.Write(p.RealNameVerified, NpgsqlDbType.Boolean);
            copy.Write(p.OpenedAndInspected, NpgsqlDbType.Boolean);
            WriteNullable(copy, p.Inspector);
            copy.Write(p.XRayed, NpgsqlDbType.Boolean);
            WriteNullable(copy, p.XRayMachine);
            WriteNullable(copy, p.XRayResult);
            copy.Write(p.ReceivedAt, NpgsqlDbType.TimestampTz);
            copy.Write(1, NpgsqlDbType.Integer);
        }
        await copy.CompleteAsync(ct);
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, NpgsqlDbType.Text);
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<Parcel> parcels, CancellationToken ct)
    {
        if (parcels.Count == 0) return;
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO parcels ({ColumnList}, \"Version\") VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))}, 1)";
        var parameters = Columns.Select((_, i) => AddParameter(insert, "@p" + i, null)).ToArray();
        await insert.PrepareAsync(ct);
        foreach (var p in parcels)
        {
            SetValues(parameters, p, postgres: false);
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Resent waybills: the new version replaces the stored one, and the version count goes up.</summary>
    private static async Task UpdateAsync(DbConnection connection, DbTransaction transaction, List<Parcel> parcels, bool postgres, CancellationToken ct)
    {
        if (parcels.Count == 0) return;
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE parcels SET " + string.Join(", ", Columns.Select((c, i) => (c, i)).Skip(2).Select(x => $"\"{x.c}\" = @p{x.i}")) +
            ", \"Version\" = \"Version\" + 1 WHERE \"Company\" = @p0 AND \"Waybill\" = @p1";
        var parameters = Columns.Select((_, i) => AddParameter(update, "@p" + i, null)).ToArray();
        await update.PrepareAsync(ct);
        foreach (var p in parcels)
        {
            SetValues(parameters, p, postgres);
            await update.ExecuteNonQueryAsync(ct);
        }
    }

    private static void SetValues(DbParameter[] parameters, Parcel p, bool postgres)
    {
        for (var i = 0; i < Values.Length; i++)
            parameters[i].Value = Values[i](p) switch
            {
                null => DBNull.Value,
                // As the model stores them on SQLite (see ServiceDbContext).
                DateTimeOffset d when !postgres => SqliteTime.ConvertToProvider(d),
                var v => v,
            };
    }

    private static DbParameter AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task ApplyRollupAsync(DbConnection connection, DbTransaction transaction, Dictionary<OutletKey, Counts> deltas, CancellationToken ct)
    {
        foreach (var chunk in deltas.OrderBy(d => d.Key.Company, StringComparer.Ordinal).ThenBy(d => d.Key.OutletCode, StringComparer.Ordinal).ThenBy(d => d.Key.Day).Chunk(200))
        {
            var parameters = new List<object>();
            var rows = new List<string>();
            foreach (var (key, c) in chunk)
            {
                var i = parameters.Count;
                rows.Add("(" + string.Join(", ", Enumerable.Range(i, 10).Select(n => "@v" + n)) + ")");
                parameters.AddRange([key.Company, key.OutletCode, key.Day, c.Region, c.Parcels, c.RealName, c.Opened, c.XRayed, c.AllThree, c.Suspicious]);
            }
            string[] counted = ["Parcels", "RealNameVerified", "OpenedAndInspected", "XRayed", "AllThree", "Suspicious"];
            await ExecuteAsync(connection, transaction,
                "INSERT INTO outlet_days (\"Company\", \"OutletCode\", \"Day\", \"OutletRegion\", " + string.Join(", ", counted.Select(c => $"\"{c}\"")) + ") VALUES " +
                string.Join(", ", rows) + " ON CONFLICT (\"Company\", \"OutletCode\", \"Day\") DO UPDATE SET \"OutletRegion\" = excluded.\"OutletRegion\", " +
                string.Join(", ", counted.Select(c => $"\"{c}\" = outlet_days.\"{c}\" + excluded.\"{c}\"")), parameters, ct);
        }
    }

    private async Task RaiseBreachesAsync(List<OutletKey> keys, CancellationToken ct)
    {
        var companies = keys.Select(k => k.Company).Distinct().ToList();
        var days = keys.Select(k => k.Day).Distinct().ToList();
        var wanted = keys.ToHashSet();
        var candidates = await db.OutletDays
            .Where(o => companies.Contains(o.Company) && days.Contains(o.Day) && o.BreachedAt == null && o.AllThree < o.Parcels)
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        foreach (var o in candidates.Where(o => wanted.Contains(new OutletKey(o.Company, o.OutletCode, o.Day))))
        {
            o.BreachedAt = now;
            db.OutboxMessages.Add(OutboxMessage.From(new CourierComplianceBreached
            {
                EventId = Guid.CreateVersion7(), OccurredAt = now, ProducerAgency = o.OutletRegion,
                Company = o.Company, OutletCode = o.OutletCode, Day = ParcelValidator.DateOf(o.Day),
                Parcels = o.Parcels, RealNameVerified = o.RealNameVerified, OpenedAndInspected = o.OpenedAndInspected,
                XRayed = o.XRayed, AllThree = o.AllThree,
            }));
        }
    }

    private async Task IssueReferralsAsync(List<CheckedParcel> parcels, WatchlistAnswer hits, CancellationToken ct)
    {
        var byToken = hits.Hits.ToLookup(h => h.Token);
        var flagged = parcels
            .Select(c => (Checked: c, Hits: c.Subjects.SelectMany(s => byToken[s.Token]).ToList()))
            .Where(x => x.Hits.Count > 0 || x.Checked.Parcel!.Suspicious)
            .ToList();
        if (flagged.Count == 0) return;

        var company = flagged[0].Checked.Parcel!.Company;
        var waybills = flagged.Select(f => f.Checked.Parcel!.Waybill).ToList();
        // A waybill already referred (and not released) is not referred again when it is sent again,
        // not even for another reason: after its first flag its own sender is on the watchlist.
        var existing = (await db.Referrals.Where(r => r.Company == company && waybills.Contains(r.Waybill) && r.Action != ReferralAction.Release)
            .Select(r => r.Waybill).ToListAsync(ct)).ToHashSet();
        if (db.Database.IsNpgsql())
        {
            // A feed stores its batch in two transactions at once (ParcelIngest): they take turns numbering the
            // company's referrals, instead of both taking the same next number and one starting over. The lock
            // ends with the transaction.
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [LockKeys.Of("jindu:referrals:" + company)], ct);
        }
        var sequence = await db.Referrals.Where(r => r.Company == company).MaxAsync(r => (long?)r.Sequence, ct) ?? 0;
        var now = time.GetUtcNow();
        foreach (var (c, matches) in flagged)
        {
            var p = c.Parcel!;
            var (action, reason, agency) = matches.Count > 0
                ? (ReferralAction.Hold, "watchlist", matches[0].OwnerAgency)
                : (ReferralAction.Inspect, "xray_suspicious", p.OutletRegion);
            if (!existing.Add(p.Waybill)) continue;
            db.Referrals.Add(new Referral
            {
                PublicId = Guid.CreateVersion7(), Company = p.Company, Sequence = ++sequence, Waybill = p.Waybill, Action = action,
                Reason = reason == "watchlist" ? $"watchlist: contact {matches[0].Contact} about {matches[0].LeadReference}" : "X-ray image suspicious: open and inspect",
                IssuingAgency = agency, IssuedAt = now,
            });
            db.OutboxMessages.Add(OutboxMessage.From(new ParcelFlagged
            {
                EventId = Guid.CreateVersion7(), OccurredAt = now, ProducerAgency = agency,
                Company = p.Company, WaybillMasked = Mask.Waybill(p.Waybill), WaybillToken = p.WaybillToken, OutletCode = p.OutletCode,
                OutletRegion = p.OutletRegion, AcceptedAt = p.AcceptedAt, Reason = reason, Referral = EnumText.Of(action),
                Subjects = c.Subjects, MatchedLeads = matches.Select(m => m.LeadReference).Distinct().ToList(),
            }));
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, IReadOnlyList<object> parameters, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@v" + i;
            parameter.Value = parameters[i];
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}
