using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.DataGenerator;

/// <summary>
/// A day of courier parcel feeds from the eight big couriers' outlets, deterministic for a seed and options.
/// <para>
/// Shares are drawn per parcel, so they hold in expectation; <see cref="Tally"/> has the exact counts of
/// what was produced. Non-compliance is concentrated in a fifth of the outlets (as in real life: most outlets
/// are at 100%, a few sloppy ones are not), scaled so the overall share is the one asked for.
/// </para>
/// <para>
/// A re-submission is made by first sending an earlier, different version of the parcel (an inspection or
/// X-ray not yet recorded, a weight, phone or contents later corrected) and the final version later on;
/// the shares and the tally are of the final versions, so a platform that counts the first version, or
/// counts a waybill twice, shows different figures.
/// </para>
/// </summary>
public sealed class ParcelGenerator
{
    // Rough shares of the express market (parcel volume) of the eight.
    private static readonly Dictionary<CourierCompany, double> MarketShare = new()
    {
        [CourierCompany.ZTO] = 19, [CourierCompany.YTO] = 15, [CourierCompany.Yunda] = 13, [CourierCompany.STO] = 12,
        [CourierCompany.JT] = 11, [CourierCompany.SF] = 8, [CourierCompany.EMS] = 7, [CourierCompany.JD] = 4,
    };

    private static readonly (string Name, double Weight, int MedianGrams)[] Contents =
    [
        ("衣服", 22, 600), ("鞋子", 8, 1200), ("食品", 12, 1500), ("日用品", 12, 900), ("化妆品", 7, 400),
        ("电子产品", 6, 800), ("数码配件", 5, 200), ("书籍", 5, 1000), ("茶叶", 3, 500), ("药品", 3, 300),
        ("母婴用品", 4, 1500), ("家居用品", 5, 2000), ("玩具", 3, 700), ("文件", 3, 100), ("土特产", 2, 2500),
    ];

    // Which check fails on a non-compliant parcel: not opened is the most common lapse, then real name, then X-ray.
    private const double FailRealName = 0.35, FailOpened = 0.40;
    private const double SecondFailure = 0.15;

    private readonly Geography _geo;
    private readonly int _recordSeed;
    private readonly CompanyState[] _companies;
    private readonly double[] _companyCumulative;
    private readonly double[] _contentsCumulative;
    private readonly double _riskNormalizer;

    public ParcelGenerator(int seed, ParcelOptions options)
        : this(seed, options, Geography.Default)
    {
    }

    public ParcelGenerator(int seed, ParcelOptions options, Geography geography)
    {
        Validate(options, geography);
        Seed = seed;
        Options = options;
        _geo = geography;
        var rng = new Random(seed);

        _companies = options.Companies.Select(c => BuildCompany(c, rng)).ToArray();
        _companyCumulative = Cumulative(_companies.Select(c => MarketShare[c.Company]).ToArray());
        _contentsCumulative = Cumulative(Contents.Select(c => c.Weight).ToArray());
        Outlets = _companies.SelectMany(c => c.Outlets.Select(o => o.Public)).ToArray();

        // E[risk] over the outlet a parcel lands in, so that share × risk / E[risk] averages to the share.
        double expected = 0;
        for (var c = 0; c < _companies.Length; c++)
        {
            var company = _companies[c];
            var pCompany = _companyCumulative[c] - (c == 0 ? 0 : _companyCumulative[c - 1]);
            for (var o = 0; o < company.Outlets.Length; o++)
            {
                var pOutlet = company.OutletCumulative[o] - (o == 0 ? 0 : company.OutletCumulative[o - 1]);
                expected += pCompany * pOutlet * company.Outlets[o].Risk;
            }
        }
        _riskNormalizer = expected;
        _recordSeed = rng.Next();
    }

    public int Seed { get; }

    public ParcelOptions Options { get; }

    /// <summary>Every company's outlets: known before generating, so a test or benchmark can register them.</summary>
    public IReadOnlyList<GeneratedOutlet> Outlets { get; }

    /// <summary>The counts of the latest enumeration of <see cref="Generate"/>; complete when it ran to the end.</summary>
    public ComplianceTally Tally { get; private set; } = new();

    /// <summary>Runs the generator without keeping the records and returns the tally.</summary>
    public ComplianceTally ComputeTally()
    {
        foreach (var _ in Generate()) { }
        return Tally;
    }

    /// <summary>The records, streamed (nothing is kept but a small queue of pending re-submissions).</summary>
    public IEnumerable<GeneratedParcel> Generate()
    {
        var tally = new ComplianceTally();
        Tally = tally;
        var rng = new Random(_recordSeed);
        foreach (var company in _companies) company.Reset(_recordSeed);

        var o = Options;
        var dayStart = DayProfile.StartOf(o.Day, o.UtcOffset);
        var usable = DayProfile.ParcelAcceptance.UsableShare(dayStart, o.NotAfter);
        var resubmitProbability = o.DuplicateShare / (1 - o.DuplicateShare);
        var maxGap = Math.Clamp(o.Count / 20, 1, 20_000);
        var pending = new PriorityQueue<Pending, (int Due, int Order)>();
        var order = 0;

        for (var i = 0; i < o.Count; i++)
        {
            var remaining = o.Count - i;
            if (pending.Count > 0 && (pending.Peek().Due <= i || pending.Count >= remaining))
            {
                var p = pending.Dequeue();
                var counts = tally.For(p.Key, p.Final.OutletRegion);
                counts.Add(p.Sent, -1);
                counts.Add(ChecksOf(p.Final), +1);
                tally.Records++;
                tally.Resubmissions++;
                yield return p.Final;
                continue;
            }

            var u = (i + rng.NextDouble()) / o.Count * usable;
            var acceptedAt = dayStart.AddSeconds(DayProfile.ParcelAcceptance.SecondOfDay(u));
            var (parcel, outlet) = NewParcel(rng, acceptedAt);
            var key = new ComplianceKey(parcel.Company, parcel.OutletCode, o.Day);

            var sent = parcel;
            // Room for the final version later: every pending one needs a slot of its own.
            if (remaining - 1 > pending.Count && rng.NextDouble() < resubmitProbability)
            {
                sent = EarlierVersion(rng, parcel, outlet);
                var final = parcel with { Version = 2 };
                var due = i + 1 + rng.Next(maxGap);
                pending.Enqueue(new Pending(final, key, ChecksOf(sent), due), (due, order++));
            }
            tally.For(key, parcel.OutletRegion).Add(ChecksOf(sent), +1);
            tally.Records++;
            yield return sent;
        }
        tally.IsComplete = true;
    }

    private (GeneratedParcel Parcel, OutletState Outlet) NewParcel(Random rng, DateTimeOffset acceptedAt)
    {
        var o = Options;
        var company = _companies[Pick(_companyCumulative, rng)];
        var outlet = company.Outlets[Pick(company.OutletCumulative, rng)];
        var waybill = company.Waybills.Next(rng);

        var suspicious = rng.NextDouble() < o.SuspiciousShare;
        bool realName = true, opened = true, xray = true;
        if (rng.NextDouble() < Math.Min(1, o.NonCompliantShare * outlet.Risk / _riskNormalizer))
        {
            var first = FailingCheck(rng, exclude: -1, suspicious);
            var second = rng.NextDouble() < SecondFailure ? FailingCheck(rng, exclude: first, suspicious) : first;
            foreach (var check in (ReadOnlySpan<int>)[first, second])
            {
                if (check == 0) realName = false;
                else if (check == 1) opened = false;
                else xray = false;
            }
        }

        var male = rng.Next(2) == 0;
        var senderName = People.Name(rng, male);
        // Not verified: half the time no ID number at all, otherwise one was typed in but never checked against the card.
        string? senderId = realName || rng.Next(2) == 0
            ? People.IdNumber(rng, _geo.Near(rng, outlet.Region, samePrefecture: 0.45, sameProvince: 0.30), male)
            : null;
        var senderPhone = People.Mobile(rng);
        var recipientPhone = People.Mobile(rng);
        var destination = _geo.Near(rng, outlet.Region, samePrefecture: 0.05, sameProvince: 0.20);
        var contents = Contents[Pick(_contentsCumulative, rng)];
        var weight = Weight(rng, contents.MedianGrams);

        return (new GeneratedParcel(
            Waybill: waybill,
            Company: company.Code,
            OutletCode: outlet.Public.Code,
            OutletRegion: outlet.Region,
            AcceptedAt: acceptedAt,
            SenderName: senderName,
            SenderIdNumber: senderId,
            SenderPhone: senderPhone,
            RecipientPhone: recipientPhone,
            RecipientRegion: destination,
            OriginRegion: outlet.Region,
            DestinationRegion: destination,
            DeclaredContents: contents.Name,
            WeightGrams: weight,
            RealNameVerified: realName,
            OpenedAndInspected: opened,
            Inspector: opened ? outlet.Inspectors[rng.Next(outlet.Inspectors.Length)] : null,
            XRayed: xray,
            XRayMachine: xray ? outlet.Machines[rng.Next(outlet.Machines.Length)] : null,
            XRayResult: xray ? (suspicious ? "suspicious" : "clear") : null,
            Version: 1), outlet);
    }

    /// <summary>0 real name, 1 opened, 2 X-ray; never the X-ray for a parcel the X-ray found suspicious.</summary>
    private static int FailingCheck(Random rng, int exclude, bool suspicious)
    {
        while (true)
        {
            var u = rng.NextDouble();
            var check = u < FailRealName ? 0 : u < FailRealName + FailOpened ? 1 : 2;
            if (check == exclude || (check == 2 && suspicious)) continue;
            return check;
        }
    }

    /// <summary>The version sent first, of which <paramref name="final"/> is the correction.</summary>
    private GeneratedParcel EarlierVersion(Random rng, GeneratedParcel final, OutletState outlet)
    {
        var kind = rng.Next(10);
        if (kind < 4 && final.XRayed)
            return final with { XRayed = false, XRayMachine = null, XRayResult = null }; // X-ray recorded later
        if (kind < 6 && final.OpenedAndInspected)
            return final with { OpenedAndInspected = false, Inspector = null }; // inspection recorded later
        if (kind < 7 && final.Suspicious)
            return final with { XRayResult = "clear" }; // a second look at the image found it
        if (kind < 8)
        {
            string phone;
            do phone = People.Mobile(rng);
            while (phone == final.RecipientPhone);
            return final with { RecipientPhone = phone }; // recipient's number corrected
        }
        if (kind < 9)
        {
            string contents;
            do contents = Contents[Pick(_contentsCumulative, rng)].Name;
            while (contents == final.DeclaredContents);
            return final with { DeclaredContents = contents }; // contents declared more precisely
        }
        var wrong = final.WeightGrams + (rng.Next(2) == 0 ? -1 : 1) * (50 + rng.Next(500));
        return final with { WeightGrams = wrong > 0 ? wrong : final.WeightGrams + 100 }; // re-weighed
    }

    internal static ParcelChecks ChecksOf(GeneratedParcel p) =>
        (p.RealNameVerified ? ParcelChecks.RealName : 0)
        | (p.OpenedAndInspected ? ParcelChecks.Opened : 0)
        | (p.XRayed ? ParcelChecks.XRay : 0)
        | (p.Suspicious ? ParcelChecks.Suspicious : 0);

    private static int Weight(Random rng, int medianGrams)
    {
        // Log-normal around the median, as parcel weights are: most light, a long tail of heavy ones.
        var grams = medianGrams * Math.Exp(0.7 * Gaussian(rng));
        return (int)Math.Clamp(Math.Round(grams / 10) * 10, 20, 30_000);
    }

    internal static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    internal static double[] Cumulative(IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var result = new double[weights.Count];
        double running = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            running += weights[i] / total;
            result[i] = running;
        }
        result[^1] = 1.0;
        return result;
    }

    internal static int Pick(double[] cumulative, Random rng)
    {
        var u = rng.NextDouble();
        var i = Array.BinarySearch(cumulative, u);
        if (i < 0) i = ~i;
        return Math.Min(i, cumulative.Length - 1);
    }

    private CompanyState BuildCompany(CourierCompany company, Random rng)
    {
        var code = CourierCompanies.CodeOf(company);
        var counties = new List<string>();
        foreach (var demo in Options.DemoCounties)
            if (counties.Count < Options.OutletsPerCompany) counties.Add(demo);
        // The rest spread over the provinces: a random province each time, then a random county in it.
        while (counties.Count < Options.OutletsPerCompany)
            counties.Add(_geo.CountyInProvince(rng, _geo.Provinces[rng.Next(_geo.Provinces.Count)]));

        var used = new HashSet<string>();
        var outlets = new OutletState[counties.Count];
        for (var i = 0; i < counties.Count; i++)
        {
            string outletCode;
            do outletCode = $"{code}-{counties[i]}-{rng.Next(1, 1000):000}";
            while (!used.Add(outletCode));
            var inspectors = Enumerable.Range(0, 2 + rng.Next(3)).Select(_ => People.Name(rng, rng.Next(2) == 0)).ToArray();
            var machines = Enumerable.Range(1, 1 + rng.Next(2)).Select(n => $"XR-{outletCode}-{n}").ToArray();
            var weight = Math.Exp(0.8 * Gaussian(rng));
            var risk = rng.NextDouble() < 0.2 ? 4.0 : 0.25;
            outlets[i] = new OutletState(new GeneratedOutlet(company, code, outletCode, counties[i], inspectors, machines), weight, risk);
        }
        return new CompanyState(company, code, outlets, Cumulative(outlets.Select(x => x.Weight).ToArray()));
    }

    private static void Validate(ParcelOptions o, Geography geo)
    {
        if (o.Count < 0) throw new ArgumentException("Count must not be negative", nameof(o));
        static void Share(double value, string name, double max = 1)
        {
            if (double.IsNaN(value) || value < 0 || value > max) throw new ArgumentException($"{name} must be between 0 and {max}");
        }
        Share(o.NonCompliantShare, nameof(o.NonCompliantShare));
        Share(o.SuspiciousShare, nameof(o.SuspiciousShare));
        Share(o.DuplicateShare, nameof(o.DuplicateShare), 0.49);
        if (o.Companies.Count == 0) throw new ArgumentException("at least one company is needed", nameof(o));
        if (o.Companies.Distinct().Count() != o.Companies.Count) throw new ArgumentException("a company is listed twice", nameof(o));
        if (o.OutletsPerCompany is < 1 or > 999) throw new ArgumentException("OutletsPerCompany must be between 1 and 999", nameof(o));
        foreach (var county in o.DemoCounties)
            if (county is not { Length: 6 } || !geo.IsCounty(county)) throw new ArgumentException($"demo county {county} is not a current county code", nameof(o));
        if (o.Count > 0 && o.NotAfter is { } notAfter && notAfter < DayProfile.StartOf(o.Day, o.UtcOffset))
            throw new ArgumentException($"NotAfter {notAfter:O} is before the day {o.Day:yyyy-MM-dd} begins", nameof(o));
    }

    private sealed record Pending(GeneratedParcel Final, ComplianceKey Key, ParcelChecks Sent, int Due);

    private sealed class OutletState(GeneratedOutlet outlet, double weight, double risk)
    {
        public GeneratedOutlet Public { get; } = outlet;
        public string Region { get; } = outlet.Region;
        public string[] Inspectors { get; } = outlet.Inspectors.ToArray();
        public string[] Machines { get; } = outlet.XRayMachines.ToArray();
        public double Weight { get; } = weight;
        public double Risk { get; } = risk;
    }

    private sealed class CompanyState(CourierCompany company, string code, OutletState[] outlets, double[] outletCumulative)
    {
        public CourierCompany Company { get; } = company;
        public string Code { get; } = code;
        public OutletState[] Outlets { get; } = outlets;
        public double[] OutletCumulative { get; } = outletCumulative;
        public WaybillSequence Waybills { get; private set; } = null!;

        /// <summary>Each enumeration starts the company's waybill numbers afresh, so it repeats exactly (HashCode is per process: not used).</summary>
        public void Reset(int recordSeed) => Waybills = new WaybillSequence(Company, new Random(unchecked(recordSeed * 31 + (int)Company) & int.MaxValue));
    }
}
