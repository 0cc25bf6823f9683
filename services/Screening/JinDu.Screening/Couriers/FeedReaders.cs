using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using JinDu.BuildingBlocks.Hosting;

namespace JinDu.Screening.Couriers;

/// <summary>Reads feed uploads over HTTP: NDJSON (one record per line, the gRPC record's fields in camelCase) or CSV.</summary>
public static class FeedReaders
{
    /// <summary>The CSV header a courier sends: one column per field, sender fields flattened.</summary>
    public static readonly string[] CsvColumns =
    [
        "waybill", "company", "outletCode", "acceptedAt", "senderName", "senderIdNumber", "senderPhone", "recipientPhone",
        "recipientRegion", "originRegion", "destinationRegion", "declaredContents", "weightGrams", "realNameVerified",
        "openedAndInspected", "inspector", "xRayed", "xRayMachine", "xRayResult",
    ];

    public static async IAsyncEnumerable<FeedLine> NdJson(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            FeedLine parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<ParcelInput>(line, JsonDefaults.Api) is { } input
                    ? new FeedLine(input)
                    : new FeedLine(null, "record", "is null");
            }
            catch (JsonException ex)
            {
                var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "record" : ex.Path.TrimStart('$', '.');
                parsed = new FeedLine(null, field, "is not valid JSON of the record's shape: " + ex.Message.Split(" Path:")[0]);
            }
            yield return parsed;
        }
    }

    public static async IAsyncEnumerable<FeedLine> Csv(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        using var text = new StreamReader(body);
        using var csv = new CsvReader(text, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, MissingFieldFound = null, BadDataFound = null });
        if (!await csv.ReadAsync() || !csv.ReadHeader())
            yield break;
        var missing = CsvColumns.Where(c => !csv.HeaderRecord!.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
        {
            yield return new FeedLine(null, "header", "the CSV header lacks: " + string.Join(", ", missing));
            yield break;
        }
        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            yield return Row(csv);
        }
    }

    private static FeedLine Row(CsvReader csv)
    {
        string? Text(string name) => csv.GetField(name) is { Length: > 0 } v ? v : null;
        DateTimeOffset? acceptedAt = null;
        if (Text("acceptedAt") is { } at)
        {
            if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return new FeedLine(null, "acceptedAt", "must be an ISO 8601 time");
            acceptedAt = parsed;
        }
        int? weight = null;
        if (Text("weightGrams") is { } w)
        {
            if (!int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out var grams))
                return new FeedLine(null, "weightGrams", "must be a whole number of grams");
            weight = grams;
        }
        var flags = new Dictionary<string, bool>();
        foreach (var name in new[] { "realNameVerified", "openedAndInspected", "xRayed" })
        {
            var v = Text(name)?.ToLowerInvariant();
            if (v is null or "false" or "0" or "no") flags[name] = false;
            else if (v is "true" or "1" or "yes") flags[name] = true;
            else return new FeedLine(null, name, "must be true or false");
        }
        return new FeedLine(new ParcelInput(
            Text("waybill"), Text("company"), Text("outletCode"), acceptedAt,
            new SenderInput(Text("senderName"), Text("senderIdNumber"), Text("senderPhone")),
            Text("recipientPhone"), Text("recipientRegion"), Text("originRegion"), Text("destinationRegion"), Text("declaredContents"),
            weight, flags["realNameVerified"], flags["openedAndInspected"], Text("inspector"), flags["xRayed"], Text("xRayMachine"), Text("xRayResult")));
    }
}
