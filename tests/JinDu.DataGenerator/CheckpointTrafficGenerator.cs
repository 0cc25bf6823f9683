using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>
/// One inspection record (查验记录) at a checkpoint. Enumerations are the API's lower-case strings:
/// kind highway / rail_station / logistics_park / road; method manual_search / x_ray / dog / drug_test;
/// result clear / suspicious / positive_test / seizure. <see cref="WaybillCompany"/> says whose waybill
/// <see cref="Waybill"/> is (the inspection API takes the number alone).
/// </summary>
public sealed record GeneratedInspection(
    Guid? CheckpointId,
    string CheckpointKind,
    DateTimeOffset InspectedAt,
    string Method,
    string Result,
    string? Plate,
    string? IdNumber,
    string? Name,
    string? Phone,
    string? Waybill,
    string? WaybillCompany,
    IReadOnlyList<GeneratedSeizure> Seizures,
    string? Notes);

public sealed record GeneratedSeizure(string Substance, decimal Grams);

public static class CheckpointKinds
{
    public const string Highway = "highway";
    public const string RailStation = "rail_station";
    public const string LogisticsPark = "logistics_park";
    public const string Road = "road";

    public static readonly IReadOnlyList<string> All = [Highway, RailStation, LogisticsPark, Road];
}

public sealed record CheckpointTrafficOptions
{
    /// <summary>The day (a calendar day at <see cref="UtcOffset"/>, China Standard Time by default).</summary>
    public DateOnly Day { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow + TimeSpan.FromHours(8));

    public TimeSpan UtcOffset { get; init; } = TimeSpan.FromHours(8);

    /// <summary>No inspection later than this (the platform refuses times in the future); the volume is cut to the part of the day before it.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    public string Kind { get; init; } = CheckpointKinds.Highway;

    /// <summary>Written into every record when given (the checkpoint's public id in the platform).</summary>
    public Guid? CheckpointId { get; init; }

    /// <summary>The county the checkpoint is in: most plates and ID numbers are local.</summary>
    public string County { get; init; } = "522722";

    /// <summary>Subjects a busy checkpoint sees on an ordinary day (vehicles at a highway checkpoint).</summary>
    public int OrdinaryDayVolume { get; init; } = 7_000;

    /// <summary>Subjects on a public holiday (<see cref="ChineseHolidays"/>).</summary>
    public int HolidayVolume { get; init; } = 23_000;

    /// <summary>A quieter checkpoint: 0.1 sees a tenth of the traffic.</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Exactly this many records, whatever the day (null: the volume model decides).</summary>
    public int? Count { get; init; }

    public double SuspiciousShare { get; init; } = 0.004;

    /// <summary>Share of drug tests that are positive.</summary>
    public double PositiveTestShare { get; init; } = 0.01;

    public double SeizureShare { get; init; } = 0.0004;
}

/// <summary>What the inspections of a run add up to: for checking the platform's figures.</summary>
public sealed class InspectionTally
{
    public int Total { get; internal set; }
    public Dictionary<string, int> ByResult { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> ByMethod { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, decimal> SeizedGrams { get; } = new(StringComparer.Ordinal);
    public int Flagged => Total - ByResult.GetValueOrDefault("clear");

    internal void Add(GeneratedInspection r)
    {
        Total++;
        ByResult[r.Result] = ByResult.GetValueOrDefault(r.Result) + 1;
        ByMethod[r.Method] = ByMethod.GetValueOrDefault(r.Method) + 1;
        foreach (var s in r.Seizures) SeizedGrams[s.Substance] = SeizedGrams.GetValueOrDefault(s.Substance) + s.Grams;
    }
}

/// <summary>
/// A day of checkpoint traffic: about 7,000 vehicles at a busy highway checkpoint, about 23,000 on public
/// holidays (Spring Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn and National Day), spread over
/// the hours (few at night), with a small share of suspicious results, positive drug tests and seizures.
/// Deterministic for a seed and options; streamed in time order.
/// </summary>
public sealed class CheckpointTrafficGenerator
{
    private static readonly (string Substance, double Weight, double MedianGrams)[] Substances =
    [
        ("methamphetamine", 32, 30), ("methamphetamine_tablets", 22, 12), ("heroin", 14, 50), ("ketamine", 10, 40),
        ("cannabis", 8, 100), ("mdma", 4, 10), ("new_psychoactive_substances", 5, 20), ("opium", 2, 80),
        ("cocaine", 1, 50), ("precursor_chemicals", 2, 5_000),
    ];

    private static readonly string[] SeizureNotes =
    [
        "藏匿于车辆备胎内", "藏匿于驾驶室顶棚夹层", "藏匿于行李箱夹层", "藏匿于茶叶包装内", "藏匿于货物中", "人体藏毒", "藏匿于油箱改装暗格",
    ];

    private static readonly string[] SuspiciousNotes =
    [
        "神情紧张，言语矛盾", "行程与所述不符", "车辆有改装痕迹", "X光图像异常，已开包复查", "警犬示警", "随身物品有异味",
    ];

    private readonly double[] _substanceCumulative = ParcelGenerator.Cumulative(Substances.Select(s => s.Weight).ToArray());
    private readonly Geography _geo;

    public CheckpointTrafficGenerator(int seed, CheckpointTrafficOptions options)
        : this(seed, options, Geography.Default)
    {
    }

    public CheckpointTrafficGenerator(int seed, CheckpointTrafficOptions options, Geography geography)
    {
        if (!CheckpointKinds.All.Contains(options.Kind))
            throw new ArgumentException($"Kind must be one of {string.Join(", ", CheckpointKinds.All)}", nameof(options));
        if (!geography.IsCounty(options.County)) throw new ArgumentException($"{options.County} is not a current county code", nameof(options));
        if (options.Scale <= 0 || options.Count < 0 || options.OrdinaryDayVolume < 0 || options.HolidayVolume < 0)
            throw new ArgumentException("volumes and scale must be positive", nameof(options));
        Seed = seed;
        Options = options;
        _geo = geography;
        Holiday = ChineseHolidays.Find(options.Day);
        Profile = Holiday is null ? DayProfile.Traffic : DayProfile.HolidayTraffic;

        var dayStart = DayProfile.StartOf(options.Day, options.UtcOffset);
        var usable = Profile.UsableShare(dayStart, options.NotAfter);
        // The day's volume varies by a few percent around the model (σ 3%, within ±10%).
        var noise = Math.Clamp(1 + 0.03 * ParcelGenerator.Gaussian(new Random(seed)), 0.9, 1.1);
        FullDayVolume = options.Count ?? (int)Math.Round(ExpectedVolume(options) * noise);
        Volume = options.Count ?? (int)Math.Round(FullDayVolume * usable);
    }

    public int Seed { get; }

    public CheckpointTrafficOptions Options { get; }

    /// <summary>The public holiday the day falls in, if any.</summary>
    public ChineseHolidays.Holiday? Holiday { get; }

    public DayProfile Profile { get; }

    /// <summary>The whole day's volume (the model's figure with this seed's day-to-day variation).</summary>
    public int FullDayVolume { get; }

    /// <summary>Records this run produces: the full day, or the part before <see cref="CheckpointTrafficOptions.NotAfter"/>.</summary>
    public int Volume { get; }

    public InspectionTally Tally { get; private set; } = new();

    /// <summary>The volume model without noise: ordinary or holiday volume, times the scale.</summary>
    public static double ExpectedVolume(CheckpointTrafficOptions o) =>
        (ChineseHolidays.IsHoliday(o.Day) ? o.HolidayVolume : o.OrdinaryDayVolume) * o.Scale;

    public IEnumerable<GeneratedInspection> Generate()
    {
        var tally = new InspectionTally();
        Tally = tally;
        var o = Options;
        var rng = new Random(unchecked(Seed * 7919 + 17) & int.MaxValue);
        var waybills = Enum.GetValues<CourierCompany>().Select(c => new WaybillSequence(c, rng)).ToArray();
        var dayStart = DayProfile.StartOf(o.Day, o.UtcOffset);
        var usable = Profile.UsableShare(dayStart, o.NotAfter);

        for (var i = 0; i < Volume; i++)
        {
            var u = (i + rng.NextDouble()) / Volume * usable;
            var at = dayStart.AddSeconds(Profile.SecondOfDay(u));
            var record = Next(rng, at, waybills);
            tally.Add(record);
            yield return record;
        }
    }

    private GeneratedInspection Next(Random rng, DateTimeOffset at, WaybillSequence[] waybills)
    {
        var o = Options;
        string? plate = null, id = null, name = null, phone = null, waybill = null, waybillCompany = null;
        string method;
        var male = rng.Next(100) < 80; // drivers and travellers checked are mostly men
        void Person(double idShare, double phoneShare)
        {
            if (rng.NextDouble() < idShare)
            {
                name = People.Name(rng, male);
                id = People.IdNumber(rng, _geo.Near(rng, o.County, samePrefecture: 0.35, sameProvince: 0.35), male);
            }
            if (rng.NextDouble() < phoneShare) phone = People.Mobile(rng);
        }

        switch (o.Kind)
        {
            case CheckpointKinds.RailStation:
                Person(idShare: 1.0, phoneShare: 0.4);
                method = Choose(rng, ("manual_search", 55), ("x_ray", 30), ("dog", 10), ("drug_test", 5));
                break;
            case CheckpointKinds.LogisticsPark:
                if (rng.NextDouble() < 0.7)
                {
                    var company = rng.Next(waybills.Length);
                    waybill = waybills[company].Next(rng);
                    waybillCompany = CourierCompanies.CodeOf((CourierCompany)company);
                    if (rng.NextDouble() < 0.3) phone = People.Mobile(rng);
                }
                else
                {
                    plate = People.Plate(rng, o.County, localShare: 0.6, truck: true);
                    Person(idShare: 0.5, phoneShare: 0.3);
                }
                method = Choose(rng, ("x_ray", 60), ("dog", 20), ("manual_search", 20));
                break;
            default: // highway and road: vehicles
                var truck = rng.NextDouble() < 0.3;
                plate = People.Plate(rng, o.County, localShare: o.Kind == CheckpointKinds.Road ? 0.85 : 0.6, truck);
                Person(idShare: 0.4, phoneShare: 0.2);
                method = Choose(rng, ("manual_search", 70), ("dog", 10), ("x_ray", 10), ("drug_test", id is null ? 0 : 10));
                break;
        }

        var result = "clear";
        string? notes = null;
        IReadOnlyList<GeneratedSeizure> seizures = [];
        var u = rng.NextDouble();
        if (u < o.SeizureShare)
        {
            result = "seizure";
            seizures = Seizures(rng);
            notes = SeizureNotes[rng.Next(SeizureNotes.Length)];
        }
        else if (method == "drug_test" && rng.NextDouble() < o.PositiveTestShare)
        {
            result = "positive_test";
            notes = "尿检呈阳性";
        }
        else if (u < o.SeizureShare + o.SuspiciousShare)
        {
            result = "suspicious";
            notes = SuspiciousNotes[rng.Next(SuspiciousNotes.Length)];
        }

        return new GeneratedInspection(o.CheckpointId, o.Kind, at, method, result, plate, id, name, phone, waybill, waybillCompany, seizures, notes);
    }

    private GeneratedSeizure[] Seizures(Random rng)
    {
        var lines = rng.NextDouble() < 0.15 ? 2 : 1;
        var result = new List<GeneratedSeizure>(lines);
        for (var i = 0; i < lines; i++)
        {
            var s = Substances[ParcelGenerator.Pick(_substanceCumulative, rng)];
            if (result.Any(r => r.Substance == s.Substance)) continue;
            // Log-normal: mostly user quantities, sometimes a trafficking load of kilograms.
            var grams = s.MedianGrams * Math.Exp(1.4 * ParcelGenerator.Gaussian(rng));
            var max = s.Substance == "precursor_chemicals" ? 500_000 : 50_000;
            result.Add(new GeneratedSeizure(s.Substance, Math.Round((decimal)Math.Clamp(grams, 0.1, max), 1)));
        }
        return [.. result];
    }

    private static string Choose(Random rng, params (string Value, double Weight)[] options)
    {
        var total = options.Sum(x => x.Weight);
        var u = rng.NextDouble() * total;
        foreach (var (value, weight) in options)
        {
            if (u < weight) return value;
            u -= weight;
        }
        return options[^1].Value;
    }
}
