using System.Globalization;
using System.Text;
using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>
/// dotnet run --project tests/JinDu.DataGenerator -- parcels --count 1000 --seed 7 --noncompliant 0.02 --suspicious 0.001 --format ndjson
/// </summary>
internal static class Program
{
    private const string Usage = """
        JinDu data generator: realistic, deterministic data for demos, tests and benchmarks.

          parcels      courier parcel feed records (the eight big couriers' outlets)
          inspections  one checkpoint's inspection records for a day
          summary      the known compliance counts of a parcels run (same options), per outlet, company and overall

        Common options
          --seed N              random seed (default 1): the same seed and options give the same output
          --day yyyy-MM-dd      the day, in China Standard Time (default: today, cut at the current time,
                                since the platform refuses times in the future)
          --not-after TIME      nothing later than this ISO 8601 instant, or 'now'
          --whole-day           the whole day even when it is today
          --utc-offset +08:00   the offset the day is counted in (default +08:00)
          --format F            ndjson (default) or csv; summary: text (default), ndjson or csv
          --flat                ndjson with every property of the record, instead of the API's shape

        parcels / summary
          --count N             records, re-submissions included (default 1000)
          --noncompliant X      share failing at least one of the three checks (default 0.02)
          --suspicious X        share with a suspicious X-ray (default 0.001)
          --duplicates X        share of records re-submitting an earlier waybill (default 0.01)
          --outlets N           outlets per company (default 20)
          --companies A,B       company codes (default SF,ZTO,YTO,STO,YUNDA,JT,JD,EMS)

        inspections
          --kind K              highway (default), rail_station, logistics_park or road
          --checkpoint-id GUID  the checkpoint's id in the platform, written into every record
          --county CODE         the checkpoint's county (default 522722)
          --scale X             traffic relative to a busy checkpoint (7,000 a day, 23,000 on holidays)
          --count N             exactly N records instead of the volume model
          --suspicious X        share of suspicious results (default 0.004)
          --positive X          share of positive drug tests (default 0.01)
          --seizure X           share of seizures (default 0.0004)
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var options = Args.Parse(args[1..]);
            var result = args[0] switch
            {
                "parcels" => Parcels(options),
                "inspections" => Inspections(options),
                "summary" => Summary(options),
                _ => throw new ArgumentException($"unknown command '{args[0]}'"),
            };
            options.ThrowIfUnused();
            return result;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"{ex.Message}\n\n{Usage}");
            return 2;
        }
    }

    private static int Parcels(Args a)
    {
        var generator = new ParcelGenerator(a.Int("seed", 1), ParcelOptionsOf(a));
        var format = a.String("format", "ndjson");
        var flat = a.Flag("flat");
        a.ThrowIfUnused();
        using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 20);
        switch (format)
        {
            case "ndjson": RecordWriters.WriteNdjson(stdout, generator.Generate(), flat); break;
            case "csv": RecordWriters.WriteCsv(stdout, generator.Generate()); break;
            default: throw new ArgumentException("--format must be ndjson or csv");
        }
        stdout.Flush();
        var t = generator.Tally;
        Console.Error.WriteLine($"{t.Records} records, {t.DistinctWaybills} distinct waybills, {t.Resubmissions} re-submissions; all three checks: {t.Overall.AllOk} of {t.Overall.Total}");
        return 0;
    }

    private static int Inspections(Args a)
    {
        var (day, notAfter, offset) = DayOf(a);
        var options = new CheckpointTrafficOptions
        {
            Day = day,
            NotAfter = notAfter,
            UtcOffset = offset,
            Kind = a.String("kind", CheckpointKinds.Highway),
            CheckpointId = !a.Has("checkpoint-id") ? null
                : Guid.TryParse(a.String("checkpoint-id", ""), out var id) ? id
                : throw new ArgumentException("--checkpoint-id must be a GUID"),
            County = a.String("county", "522722"),
            Scale = a.Double("scale", 1.0),
            Count = a.Has("count") ? a.Int("count", 0) : null,
            SuspiciousShare = a.Double("suspicious", 0.004),
            PositiveTestShare = a.Double("positive", 0.01),
            SeizureShare = a.Double("seizure", 0.0004),
        };
        var generator = new CheckpointTrafficGenerator(a.Int("seed", 1), options);
        var format = a.String("format", "ndjson");
        var flat = a.Flag("flat");
        a.ThrowIfUnused();
        using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 20);
        switch (format)
        {
            case "ndjson": RecordWriters.WriteNdjson(stdout, generator.Generate(), flat); break;
            case "csv": RecordWriters.WriteCsv(stdout, generator.Generate()); break;
            default: throw new ArgumentException("--format must be ndjson or csv");
        }
        stdout.Flush();
        var t = generator.Tally;
        var holiday = generator.Holiday is { } h ? $" ({h.Name} holiday)" : "";
        Console.Error.WriteLine($"{t.Total} inspections on {day:yyyy-MM-dd}{holiday} of a full day's {generator.FullDayVolume}; " +
                                string.Join(", ", t.ByResult.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key} {x.Value}")));
        return 0;
    }

    private static int Summary(Args a)
    {
        var generator = new ParcelGenerator(a.Int("seed", 1), ParcelOptionsOf(a));
        var format = a.String("format", "text");
        a.ThrowIfUnused();
        var tally = generator.ComputeTally();
        var rows = tally.Outlets.OrderBy(x => x.Key.Company, StringComparer.Ordinal).ThenBy(x => x.Key.OutletCode, StringComparer.Ordinal).ToList();
        var o = generator.Options;
        var sb = new StringBuilder();
        switch (format)
        {
            case "text":
                sb.AppendLine(CultureInfo.InvariantCulture, $"parcels of {o.Day:yyyy-MM-dd} (UTC{Offset(o.UtcOffset)}), seed {generator.Seed}: {tally.Records} records, " +
                                                             $"{tally.DistinctWaybills} distinct waybills, {tally.Resubmissions} re-submissions (latest version counted)");
                sb.AppendLine();
                sb.AppendLine($"{"company",-7} {"outlet",-18} {"region",-6} {"total",8} {"real-name",10} {"opened",8} {"x-ray",8} {"all three",10} {"rate",8} {"suspicious",10}");
                foreach (var (key, c) in rows) Line(sb, key.Company, key.OutletCode, c.OutletRegion, c);
                sb.AppendLine();
                foreach (var company in rows.Select(r => r.Key.Company).Distinct())
                    Line(sb, company, "(all outlets)", "", tally.ForCompany(company));
                Line(sb, "all", "", "", tally.Overall);
                break;
            case "ndjson":
                foreach (var (key, c) in rows)
                    sb.AppendLine(CultureInfo.InvariantCulture,
                        $$"""{"company":"{{key.Company}}","outletCode":"{{key.OutletCode}}","outletRegion":"{{c.OutletRegion}}","day":"{{key.Day:yyyy-MM-dd}}","total":{{c.Total}},"realNameOk":{{c.RealNameOk}},"openedOk":{{c.OpenedOk}},"xRayOk":{{c.XRayOk}},"allOk":{{c.AllOk}},"suspicious":{{c.Suspicious}}}""");
                break;
            case "csv":
                sb.AppendLine("company,outletCode,outletRegion,day,total,realNameOk,openedOk,xRayOk,allOk,suspicious");
                foreach (var (key, c) in rows)
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{key.Company},{key.OutletCode},{c.OutletRegion},{key.Day:yyyy-MM-dd},{c.Total},{c.RealNameOk},{c.OpenedOk},{c.XRayOk},{c.AllOk},{c.Suspicious}");
                break;
            default:
                throw new ArgumentException("--format must be text, ndjson or csv");
        }
        Console.Out.Write(sb.ToString());
        return 0;

        static void Line(StringBuilder sb, string company, string outlet, string region, ComplianceCounts c) =>
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{company,-7} {outlet,-18} {region,-6} {c.Total,8} {c.RealNameOk,10} {c.OpenedOk,8} {c.XRayOk,8} {c.AllOk,10} {c.ComplianceRate * 100,7:0.00}% {c.Suspicious,10}");
    }

    private static ParcelOptions ParcelOptionsOf(Args a)
    {
        var (day, notAfter, offset) = DayOf(a);
        var companies = Enum.GetValues<CourierCompany>();
        if (a.Has("companies"))
        {
            companies = a.String("companies", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(code => CourierCompanies.TryParse(code, out var c) ? c : throw new ArgumentException($"--companies: '{code}' is not one of {CourierCompanies.CodeList}"))
                .Distinct()
                .ToArray();
        }
        return new ParcelOptions
        {
            Day = day,
            NotAfter = notAfter,
            UtcOffset = offset,
            Count = a.Int("count", 1000),
            NonCompliantShare = a.Double("noncompliant", 0.02),
            SuspiciousShare = a.Double("suspicious", 0.001),
            DuplicateShare = a.Double("duplicates", 0.01),
            OutletsPerCompany = a.Int("outlets", 20),
            Companies = companies,
        };
    }

    private static (DateOnly Day, DateTimeOffset? NotAfter, TimeSpan Offset) DayOf(Args a)
    {
        var offset = a.Has("utc-offset") ? ParseOffset(a.String("utc-offset", "")) : TimeSpan.FromHours(8);
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime((now + offset).UtcDateTime);
        var day = a.Has("day")
            ? DateOnly.TryParseExact(a.String("day", ""), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d
                : throw new ArgumentException("--day must be yyyy-MM-dd")
            : today;
        DateTimeOffset? notAfter = null;
        if (a.Has("not-after"))
        {
            var text = a.String("not-after", "");
            notAfter = text == "now" ? now
                : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
                : throw new ArgumentException("--not-after must be an ISO 8601 time or 'now'");
        }
        else if (!a.Flag("whole-day") && day >= today)
        {
            notAfter = now; // today (or later): nothing in the future
        }
        return (day, notAfter, offset);
    }

    private static TimeSpan ParseOffset(string text)
    {
        var sign = text.StartsWith('-') ? -1 : 1;
        return TimeSpan.TryParseExact(text.TrimStart('+', '-'), @"hh\:mm", CultureInfo.InvariantCulture, out var t)
            ? sign * t
            : throw new ArgumentException("--utc-offset must look like +08:00");
    }

    private static string Offset(TimeSpan t) => (t < TimeSpan.Zero ? "-" : "+") + t.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    /// <summary>--name value pairs and --flags; anything given but never asked for is an error.</summary>
    private sealed class Args
    {
        private static readonly HashSet<string> Flags = ["flat", "whole-day"];
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public static Args Parse(string[] args)
        {
            var result = new Args();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected '{args[i]}'");
                var name = args[i][2..];
                if (Flags.Contains(name)) result._values[name] = "true";
                else if (i + 1 < args.Length) result._values[name] = args[++i];
                else throw new ArgumentException($"--{name} needs a value");
            }
            return result;
        }

        public bool Has(string name)
        {
            _used.Add(name);
            return _values.ContainsKey(name);
        }

        public bool Flag(string name) => Has(name);

        public string String(string name, string fallback) => Has(name) ? _values[name] : fallback;

        public int Int(string name, int fallback) =>
            !Has(name) ? fallback
            : int.TryParse(_values[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"--{name} must be a whole number");

        public double Double(string name, double fallback) =>
            !Has(name) ? fallback
            : double.TryParse(_values[name], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"--{name} must be a number");

        public void ThrowIfUnused()
        {
            var unused = _values.Keys.Where(k => !_used.Contains(k)).ToList();
            if (unused.Count > 0) throw new ArgumentException($"unknown option(s) for this command: {string.Join(", ", unused.Select(u => "--" + u))}");
        }
    }
}
