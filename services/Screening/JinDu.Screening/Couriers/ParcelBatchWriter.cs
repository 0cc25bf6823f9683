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

namespace JinDu.Screening.Couriers;

/// <summary>
/// Stores a batch of checked parcels durably, in one transaction: the parcels (latest version of each
/// waybill wins; a resubmission is counted once), the outlet-day roll-ups (adjusted by what changed),
/// a CourierComplianceBreached the first time an outlet-day falls under 100%, and for parcels that
/// hit the watchlist or were suspicious on X-ray a referral and ParcelFlagged. Rows reach the
/// database through a staging table: PostgreSQL binary COPY in the distributed mode, one prepared
/// INSERT per row standalone; the upsert and the roll-up are the same SQL on both.
/// </summary>
public sealed class ParcelBatchWriter(ScreeningDbContext db, IWatchlistLookup watchlist, ReferralSignal referrals, TimeProvider time, ILogger<ParcelBatchWriter> log)
{
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

    public async Task StoreAsync(IReadOnlyList<CheckedParcel> batch, CancellationToken ct)
    {
        // Within one batch the last version of a waybill is the one that counts.
        var latest = new Dictionary<(string, string), CheckedParcel>();
        foreach (var c in batch) if (c.Parcel is { } p) latest[(p.Company, p.Waybill)] = c;
        if (latest.Count == 0) return;
        // A fixed order (company, waybill; outlet-days likewise) so concurrent batches lock rows in the
        // same order and do not deadlock.
        var parcels = latest.Values.OrderBy(c => c.Parcel!.Company, StringComparer.Ordinal).ThenBy(c => c.Parcel!.Waybill, StringComparer.Ordinal).ToList();

        var tokens = parcels.SelectMany(c => c.Subjects.Select(s => s.Token)).Distinct().ToList();
        var hits = tokens.Count == 0 ? new WatchlistAnswer(true, []) : await watchlist.MatchAsync(tokens, ct);
        if (!hits.Checked) log.LogWarning("Parcel batch of {Count}: watchlist could not be checked", parcels.Count);

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StoreOnceAsync(parcels, hits, ct);
                return;
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation() && attempt < 3)
            {
                // Two batches of one company numbered a referral at once; the loser starts over.
                log.LogInformation("Parcel batch retried after a concurrent referral number ({Attempt})", attempt);
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

            await StageAsync(connection, transaction, parcels.Select(c => c.Parcel!).ToList(), postgres, ct);
            var deltas = await ReadReplacedAsync(connection, transaction, ct);
            foreach (var c in parcels)
            {
                var p = c.Parcel!;
                var counts = Delta(deltas, new OutletKey(p.Company, p.OutletCode, p.Day));
                counts.Region = p.OutletRegion;
                counts.Add(p.RealNameVerified, p.OpenedAndInspected, p.XRayed, p.Suspicious, +1);
            }
            await ExecuteAsync(connection, transaction,
                $"INSERT INTO parcels ({ColumnList}, \"Version\") SELECT {ColumnList}, 1 FROM parcels_stage WHERE true " +
                "ON CONFLICT (\"Company\", \"Waybill\") DO UPDATE SET " +
                string.Join(", ", Columns.Skip(2).Select(c => $"\"{c}\" = excluded.\"{c}\"")) + ", \"Version\" = parcels.\"Version\" + 1", [], ct);
            await ExecuteAsync(connection, transaction, postgres ? "DROP TABLE parcels_stage" : "DROP TABLE temp.parcels_stage", [], ct);
            await ApplyRollupAsync(connection, transaction, deltas, ct);
            await RaiseBreachesAsync(deltas.Keys.ToList(), ct);
            await IssueReferralsAsync(parcels, hits, ct);
            var company = parcels[0].Parcel!.Company;
            db.AuditEntries.Add(new JinDu.BuildingBlocks.Audit.AuditEntry
            {
                At = time.GetUtcNow(), Actor = "courier:" + company, Action = "ingest_parcels", Target = "parcels/" + company,
                Detail = $"{parcels.Count} waybills stored", Outcome = "success",
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

    private static async Task StageAsync(DbConnection connection, DbTransaction transaction, List<Parcel> parcels, bool postgres, CancellationToken ct)
    {
        if (postgres)
        {
            await ExecuteAsync(connection, transaction,
                $"CREATE TEMP TABLE parcels_stage ON COMMIT DROP AS SELECT {ColumnList} FROM parcels WITH NO DATA", [], ct);
            await using var copy = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(
                $"COPY parcels_stage ({ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var p in parcels)
            {
                await copy.StartRowAsync(ct);
                foreach (var value in Values)
                {
                    switch (value(p))
                    {
                        case null: await copy.WriteNullAsync(ct); break;
                        case string s: await copy.WriteAsync(s, NpgsqlTypes.NpgsqlDbType.Text, ct); break;
                        case int i: await copy.WriteAsync(i, NpgsqlTypes.NpgsqlDbType.Integer, ct); break;
                        case bool b: await copy.WriteAsync(b, NpgsqlTypes.NpgsqlDbType.Boolean, ct); break;
                        case DateTimeOffset d: await copy.WriteAsync(d, NpgsqlTypes.NpgsqlDbType.TimestampTz, ct); break;
                        case var other: throw new InvalidOperationException($"no COPY mapping for {other.GetType()}");
                    }
                }
            }
            await copy.CompleteAsync(ct);
            return;
        }

        await ExecuteAsync(connection, transaction, $"CREATE TEMP TABLE parcels_stage AS SELECT {ColumnList} FROM parcels WHERE 0", [], ct);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO parcels_stage ({ColumnList}) VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))})";
        var parameters = Columns.Select((_, i) =>
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = "@p" + i;
            insert.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await insert.PrepareAsync(ct);
        foreach (var p in parcels)
        {
            for (var i = 0; i < Values.Length; i++)
                parameters[i].Value = Values[i](p) switch
                {
                    null => DBNull.Value,
                    // As the model stores them on SQLite (see ServiceDbContext).
                    DateTimeOffset d => SqliteTime.ConvertToProvider(d),
                    var v => v,
                };
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>What the batch replaces: earlier versions of its waybills, to be taken out of the counts.</summary>
    private static async Task<Dictionary<OutletKey, Counts>> ReadReplacedAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        var deltas = new Dictionary<OutletKey, Counts>();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "SELECT p.\"Company\", p.\"OutletCode\", p.\"Day\", p.\"OutletRegion\", p.\"RealNameVerified\", p.\"OpenedAndInspected\", p.\"XRayed\", p.\"XRayResult\" " +
            "FROM parcels p JOIN parcels_stage s ON p.\"Company\" = s.\"Company\" AND p.\"Waybill\" = s.\"Waybill\"";
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var counts = Delta(deltas, new OutletKey(reader.GetString(0), reader.GetString(1), Convert.ToInt32(reader.GetValue(2))));
            counts.Region = reader.GetString(3);
            counts.Add(Convert.ToBoolean(reader.GetValue(4)), Convert.ToBoolean(reader.GetValue(5)), Convert.ToBoolean(reader.GetValue(6)),
                !reader.IsDBNull(7) && reader.GetString(7) == "suspicious", -1);
        }
        return deltas;
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
