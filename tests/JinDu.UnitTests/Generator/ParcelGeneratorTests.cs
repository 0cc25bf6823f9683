using System.Text;
using System.Text.RegularExpressions;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.DataGenerator;

namespace JinDu.UnitTests.Generator;

public class Generated_parcels
{
    private static readonly DateOnly Day = new(2026, 3, 2);
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static ParcelOptions Options(int count = 10_000, double nonCompliant = 0.05, double suspicious = 0.01, double duplicates = 0.05) => new()
    {
        Day = Day,
        Count = count,
        NonCompliantShare = nonCompliant,
        SuspiciousShare = suspicious,
        DuplicateShare = duplicates,
    };

    private static List<GeneratedParcel> Run(int seed, ParcelOptions options, out ComplianceTally tally)
    {
        var generator = new ParcelGenerator(seed, options);
        var parcels = generator.Generate().ToList();
        tally = generator.Tally;
        return parcels;
    }

    private static string Ndjson(IEnumerable<GeneratedParcel> parcels, bool flat = true)
    {
        using var stream = new MemoryStream();
        RecordWriters.WriteNdjson(stream, parcels, flat);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Carry_id_numbers_phones_and_waybills_that_pass_the_production_validators()
    {
        var parcels = Run(7, Options(), out _);
        var divisions = DivisionCatalog.Default;

        Assert.Equal(10_000, parcels.Count);
        foreach (var p in parcels)
        {
            Assert.True(Waybill.TryNormalize(p.Company, p.Waybill, out var waybill, out var error), $"{p.Company} {p.Waybill}: {error}");
            Assert.Equal(p.Waybill, waybill);
            if (p.SenderIdNumber is not null)
            {
                Assert.True(ResidentIdNumber.TryParse(p.SenderIdNumber, Day, out var id, out error), $"{p.SenderIdNumber}: {error}");
                Assert.InRange(id.BirthDate.Year, 1950, 2005);
                Assert.Equal(DivisionLevel.County, divisions.Find(id.RegionCode)?.Level);
            }
            Assert.True(MobileNumber.TryNormalize(p.SenderPhone, out var phone, out error), $"{p.SenderPhone}: {error}");
            Assert.Equal(p.SenderPhone, phone);
            Assert.True(MobileNumber.TryNormalize(p.RecipientPhone, out _, out error), $"{p.RecipientPhone}: {error}");
        }
    }

    [Fact]
    public void Are_placed_in_real_counties_with_outlet_codes_naming_company_and_county()
    {
        var parcels = Run(7, Options(count: 3000), out _);
        var divisions = DivisionCatalog.Default;

        foreach (var p in parcels)
        {
            Assert.Matches(new Regex($"^{p.Company}-{p.OutletRegion}-[0-9]{{3}}$"), p.OutletCode);
            Assert.Equal(p.OutletRegion, p.OriginRegion);
            Assert.Equal(DivisionLevel.County, divisions.Find(p.OutletRegion)?.Level);
            Assert.Equal(DivisionLevel.County, divisions.Find(p.DestinationRegion)?.Level);
            Assert.Equal(DivisionLevel.County, divisions.Find(p.RecipientRegion)?.Level);
            Assert.False(string.IsNullOrWhiteSpace(p.SenderName));
            Assert.False(string.IsNullOrWhiteSpace(p.DeclaredContents));
            Assert.InRange(p.WeightGrams, 1, 1_000_000);
        }
        // Outlets are spread over many provinces.
        Assert.True(parcels.Select(p => p.OutletRegion[..2]).Distinct().Count() >= 15);
    }

    [Fact]
    public void Give_every_company_outlets_in_the_demo_counties()
    {
        var generator = new ParcelGenerator(7, Options());

        foreach (var company in CourierCompanies.All)
        {
            var outlets = generator.Outlets.Where(o => o.CompanyCode == company.Code).ToList();
            Assert.Equal(20, outlets.Count);
            foreach (var demo in new[] { "522722", "522726", "522701" })
                Assert.Contains(outlets, o => o.Region == demo);
            Assert.Equal(outlets.Count, outlets.Select(o => o.Code).Distinct().Count());
        }
        Assert.Contains(generator.Outlets, o => o.Code.StartsWith("SF-522701-", StringComparison.Ordinal));
    }

    [Fact]
    public void Are_accepted_within_the_day_in_china_standard_time_in_time_order_and_mostly_by_day()
    {
        var parcels = Run(7, Options(duplicates: 0), out _);
        var start = new DateTimeOffset(Day.ToDateTime(TimeOnly.MinValue), China);

        Assert.All(parcels, p =>
        {
            Assert.Equal(TimeSpan.Zero, p.AcceptedAt.Offset);
            Assert.InRange(p.AcceptedAt, start, start.AddDays(1).AddTicks(-1));
        });
        Assert.Equal(parcels.Select(p => p.AcceptedAt).Order(), parcels.Select(p => p.AcceptedAt));
        var night = parcels.Count(p => p.AcceptedAt.ToOffset(China).Hour < 6);
        var morning = parcels.Count(p => p.AcceptedAt.ToOffset(China).Hour is >= 9 and < 12);
        Assert.True(night * 10 < morning, $"night {night}, morning {morning}");
    }

    [Fact]
    public void Are_never_later_than_the_given_limit()
    {
        var limit = new DateTimeOffset(2026, 3, 2, 10, 30, 0, China);
        var parcels = Run(3, Options(count: 2000) with { NotAfter = limit }, out _);

        Assert.All(parcels, p => Assert.True(p.AcceptedAt <= limit, $"{p.AcceptedAt:O}"));
        Assert.Contains(parcels, p => p.AcceptedAt > limit.AddHours(-1));
    }

    [Fact]
    public void Are_consistent_in_each_record_as_the_feed_requires()
    {
        foreach (var p in Run(11, Options(nonCompliant: 0.2, suspicious: 0.05), out _))
        {
            if (p.RealNameVerified) Assert.NotNull(p.SenderIdNumber);
            Assert.Equal(p.OpenedAndInspected, p.Inspector is not null);
            Assert.Equal(p.XRayed, p.XRayMachine is not null);
            Assert.Equal(p.XRayed, p.XRayResult is not null);
            if (p.XRayResult is not null) Assert.Contains(p.XRayResult, new[] { "clear", "suspicious" });
            Assert.Equal(p.RecipientRegion, p.DestinationRegion);
        }
    }

    [Fact]
    public void Are_the_same_for_the_same_seed_and_different_for_another()
    {
        var first = Ndjson(new ParcelGenerator(42, Options(count: 3000)).Generate());
        var again = Ndjson(new ParcelGenerator(42, Options(count: 3000)).Generate());
        var generator = new ParcelGenerator(42, Options(count: 3000));
        var twiceA = Ndjson(generator.Generate());
        var twiceB = Ndjson(generator.Generate());
        var other = Ndjson(new ParcelGenerator(43, Options(count: 3000)).Generate());

        Assert.Equal(first, again);
        Assert.Equal(first, twiceA);
        Assert.Equal(first, twiceB);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Have_a_tally_that_matches_a_recount_of_the_latest_version_of_each_waybill()
    {
        var parcels = Run(7, Options(), out var tally);

        // Recount independently: the last record of each waybill wins, each waybill counted once.
        var latest = new Dictionary<(string, string), GeneratedParcel>();
        foreach (var p in parcels) latest[(p.Company, p.Waybill)] = p;
        var recount = latest.Values
            .GroupBy(p => (p.Company, p.OutletCode))
            .ToDictionary(g => g.Key, g => new
            {
                Region = g.First().OutletRegion,
                Total = g.Count(),
                RealName = g.Count(p => p.RealNameVerified),
                Opened = g.Count(p => p.OpenedAndInspected),
                XRay = g.Count(p => p.XRayed),
                All = g.Count(p => p.RealNameVerified && p.OpenedAndInspected && p.XRayed),
                Suspicious = g.Count(p => p.XRayResult == "suspicious"),
            });

        Assert.True(tally.IsComplete);
        Assert.Equal(parcels.Count, tally.Records);
        Assert.Equal(latest.Count, tally.DistinctWaybills);
        Assert.Equal(parcels.Count - latest.Count, tally.Resubmissions);
        Assert.Equal(recount.Count, tally.Outlets.Count);
        foreach (var (key, counts) in tally.Outlets)
        {
            Assert.Equal(Day, key.Day);
            var expected = recount[(key.Company, key.OutletCode)];
            Assert.Equal(expected.Region, counts.OutletRegion);
            Assert.Equal(expected.Total, counts.Total);
            Assert.Equal(expected.RealName, counts.RealNameOk);
            Assert.Equal(expected.Opened, counts.OpenedOk);
            Assert.Equal(expected.XRay, counts.XRayOk);
            Assert.Equal(expected.All, counts.AllOk);
            Assert.Equal(expected.Suspicious, counts.Suspicious);
        }
        Assert.Equal(latest.Count, tally.Overall.Total);
        Assert.Equal(recount.Values.Sum(r => r.All), tally.Overall.AllOk);
        Assert.Equal(
            latest.Values.Count(p => p.OutletRegion.StartsWith("5227", StringComparison.Ordinal)),
            tally.ForRegion("5227").Total);
    }

    [Fact]
    public void Differ_from_the_first_version_of_a_resubmitted_waybill_in_a_field_but_not_in_outlet_or_time()
    {
        var parcels = Run(5, Options(), out var tally);
        var first = new Dictionary<string, GeneratedParcel>();
        var resubmitted = 0;
        var countsChanged = 0;

        foreach (var p in parcels)
        {
            if (!first.TryGetValue(p.Waybill, out var earlier))
            {
                Assert.Equal(1, p.Version);
                first[p.Waybill] = p;
                continue;
            }
            resubmitted++;
            Assert.Equal(2, p.Version);
            Assert.NotEqual(earlier with { Version = 2 }, p);
            Assert.Equal((earlier.Company, earlier.OutletCode, earlier.AcceptedAt), (p.Company, p.OutletCode, p.AcceptedAt));
            if (earlier.AllThree != p.AllThree || earlier.Suspicious != p.Suspicious) countsChanged++;
        }
        Assert.Equal(tally.Resubmissions, resubmitted);
        Assert.InRange(resubmitted, 400, 600); // 5% of 10,000
        Assert.True(countsChanged > resubmitted / 4, $"{countsChanged} of {resubmitted} re-submissions change the compliance counts");
    }

    [Fact]
    public void Hold_the_chosen_shares_within_tolerance_for_ten_thousand_records()
    {
        var parcels = Run(7, Options(nonCompliant: 0.05, suspicious: 0.01, duplicates: 0.05), out var tally);
        var final = parcels.GroupBy(p => p.Waybill).Select(g => g.Last()).ToList();
        var n = (double)final.Count;

        // Four standard deviations of a binomial share: a wrong model fails, a fair draw does not.
        static void Near(double expected, double actual, double n, string what)
        {
            var tolerance = 4 * Math.Sqrt(expected * (1 - expected) / n);
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what}: {actual:P3} not within {tolerance:P3} of {expected:P3}");
        }
        Near(0.05, final.Count(p => !p.AllThree) / n, n, "non-compliant");
        Near(0.01, final.Count(p => p.Suspicious) / n, n, "suspicious");
        Near(0.05, tally.Resubmissions / (double)parcels.Count, parcels.Count, "re-submissions");

        // The failures are spread across the three checks.
        var failures = final.Where(p => !p.AllThree).ToList();
        Assert.InRange(failures.Count(p => !p.RealNameVerified) / (double)failures.Count, 0.25, 0.50);
        Assert.InRange(failures.Count(p => !p.OpenedAndInspected) / (double)failures.Count, 0.30, 0.55);
        Assert.InRange(failures.Count(p => !p.XRayed) / (double)failures.Count, 0.15, 0.40);
        // Some outlets are at 100% and some below, as in real life.
        Assert.Contains(tally.Outlets.Values, c => c.Total > 50 && c.AllOk == c.Total);
        Assert.Contains(tally.Outlets.Values, c => c.AllOk < c.Total);
        // Every company is present, the big ones more than the small ones.
        var byCompany = final.GroupBy(p => p.Company).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(8, byCompany.Count);
        Assert.True(byCompany["ZTO"] > byCompany["JD"]);
    }

    [Fact]
    public void Hold_exact_counts_when_nothing_is_non_compliant_suspicious_or_resubmitted()
    {
        var parcels = Run(1, Options(count: 2000, nonCompliant: 0, suspicious: 0, duplicates: 0), out var tally);

        Assert.All(parcels, p => Assert.True(p.AllThree && !p.Suspicious && p.Version == 1));
        Assert.Equal(2000, parcels.Select(p => p.Waybill).Distinct().Count());
        Assert.Equal(2000, tally.Overall.AllOk);
        Assert.Equal(1.0, tally.Overall.ComplianceRate);
    }

    [Fact]
    public void Can_be_limited_to_some_companies()
    {
        var parcels = Run(1, Options(count: 500) with { Companies = [CourierCompany.SF, CourierCompany.EMS] }, out _);

        Assert.Equal(new[] { "EMS", "SF" }, parcels.Select(p => p.Company).Distinct().Order());
    }

    [Fact]
    public void Are_streamed_rather_than_built_in_memory()
    {
        var generator = new ParcelGenerator(1, Options(count: 100_000_000));

        var firstFew = generator.Generate().Take(5).ToList();

        Assert.Equal(5, firstFew.Count);
        Assert.False(generator.Tally.IsComplete);
    }

    [Fact]
    public void Are_refused_for_impossible_options()
    {
        Assert.Throws<ArgumentException>(() => new ParcelGenerator(1, Options() with { NonCompliantShare = 1.5 }));
        Assert.Throws<ArgumentException>(() => new ParcelGenerator(1, Options() with { DuplicateShare = 0.6 }));
        Assert.Throws<ArgumentException>(() => new ParcelGenerator(1, Options() with { Companies = [] }));
        Assert.Throws<ArgumentException>(() => new ParcelGenerator(1, Options() with { DemoCounties = ["522799"] }));
    }

    [Fact]
    public void Are_written_as_ndjson_in_the_feed_s_shape_with_camel_case_names()
    {
        var parcel = Run(7, Options(count: 1), out _).Single();

        var line = Ndjson([parcel], flat: false);

        Assert.EndsWith("\n", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(parcel.Waybill, root.GetProperty("waybill").GetString());
        Assert.Equal(parcel.SenderIdNumber, root.GetProperty("sender").GetProperty("idNumber").GetString());
        Assert.Equal(parcel.AcceptedAt, root.GetProperty("acceptedAt").GetDateTimeOffset());
        Assert.Equal(parcel.XRayed, root.GetProperty("xRayed").GetBoolean());
        Assert.Contains(parcel.SenderName, line); // readable Chinese, not \u escapes
    }
}

public class Generated_checkpoint_traffic
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static CheckpointTrafficGenerator Generator(DateOnly day, string kind = CheckpointKinds.Highway, int seed = 1) =>
        new(seed, new CheckpointTrafficOptions { Day = day, Kind = kind });

    private static readonly HashSet<string> PlatformSubstances =
    [
        "heroin", "methamphetamine", "methamphetamine_tablets", "ketamine", "mdma", "cannabis", "opium",
        "cocaine", "new_psychoactive_substances", "precursor_chemicals",
    ];

    [Fact]
    public void Is_about_23000_vehicles_on_a_holiday_and_about_7000_on_an_ordinary_day()
    {
        var holiday = Generator(new DateOnly(2026, 10, 2));   // National Day week
        var festival = Generator(new DateOnly(2026, 2, 17));  // Spring Festival
        var ordinary = Generator(new DateOnly(2026, 10, 13));

        var holidayCount = holiday.Generate().Count();
        var ordinaryCount = ordinary.Generate().Count();

        Assert.InRange(holidayCount, 23_000 * 0.9, 23_000 * 1.1);
        Assert.InRange(festival.Volume, 23_000 * 0.9, 23_000 * 1.1);
        Assert.InRange(ordinaryCount, 7_000 * 0.9, 7_000 * 1.1);
        Assert.Equal("国庆节", holiday.Holiday?.Name);
        Assert.Null(ordinary.Holiday);
    }

    [Theory]
    [InlineData("2026-01-01", true)]
    [InlineData("2026-02-15", true)]  // Spring Festival: 15–23 February 2026
    [InlineData("2026-02-23", true)]
    [InlineData("2026-02-24", false)]
    [InlineData("2026-02-14", false)] // a make-up working Saturday
    [InlineData("2026-04-05", true)]  // Qingming
    [InlineData("2026-05-03", true)]  // Labour Day
    [InlineData("2026-06-19", true)]  // Dragon Boat
    [InlineData("2026-09-25", true)]  // Mid-Autumn
    [InlineData("2026-10-07", true)]  // National Day week
    [InlineData("2026-10-08", false)]
    [InlineData("2026-03-02", false)]
    public void Knows_the_2026_public_holidays(string day, bool holiday)
    {
        Assert.Equal(holiday, ChineseHolidays.IsHoliday(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Is_spread_over_the_day_with_fewer_vehicles_at_night()
    {
        var day = new DateOnly(2026, 3, 2);
        var records = Generator(day).Generate().ToList();
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), China);

        Assert.All(records, r => Assert.InRange(r.InspectedAt, start, start.AddDays(1).AddTicks(-1)));
        Assert.Equal(records.Select(r => r.InspectedAt).Order(), records.Select(r => r.InspectedAt));
        var byHour = records.GroupBy(r => r.InspectedAt.ToOffset(China).Hour).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(24, byHour.Count);
        Assert.True(byHour[3] * 3 < byHour[10], $"03:00 {byHour[3]}, 10:00 {byHour[10]}");
    }

    [Theory]
    [InlineData(CheckpointKinds.Highway)]
    [InlineData(CheckpointKinds.RailStation)]
    [InlineData(CheckpointKinds.LogisticsPark)]
    [InlineData(CheckpointKinds.Road)]
    public void Carries_plates_id_numbers_phones_and_waybills_that_pass_the_production_validators(string kind)
    {
        var day = new DateOnly(2026, 3, 2);
        var records = Generator(day, kind, seed: 9).Generate().ToList();

        foreach (var r in records)
        {
            Assert.Equal(kind, r.CheckpointKind);
            Assert.True(r.Plate is not null || r.IdNumber is not null || r.Phone is not null || r.Waybill is not null);
            if (r.Plate is not null)
                Assert.True(PlateNumber.TryNormalize(r.Plate, out var plate, out var error) && plate == r.Plate, $"{r.Plate}: {error}");
            if (r.IdNumber is not null)
            {
                Assert.True(ResidentIdNumber.TryParse(r.IdNumber, day, out _, out var error), $"{r.IdNumber}: {error}");
                Assert.NotNull(r.Name);
            }
            if (r.Phone is not null)
                Assert.True(MobileNumber.TryNormalize(r.Phone, out _, out var error), $"{r.Phone}: {error}");
            if (r.Waybill is not null)
                Assert.True(Waybill.TryNormalize(r.WaybillCompany!, r.Waybill, out _, out var error), $"{r.Waybill}: {error}");
        }
        if (kind is CheckpointKinds.Highway or CheckpointKinds.Road) Assert.All(records, r => Assert.NotNull(r.Plate));
        if (kind is CheckpointKinds.RailStation) Assert.All(records, r => Assert.NotNull(r.IdNumber));
        if (kind is CheckpointKinds.LogisticsPark) Assert.Contains(records, r => r.Waybill is not null);
    }

    [Fact]
    public void Has_a_small_share_of_suspicious_positive_and_seizure_results_with_substances_and_grams()
    {
        var generator = Generator(new DateOnly(2026, 10, 3), seed: 5);
        var records = generator.Generate().ToList();
        var n = (double)records.Count;

        Assert.InRange(records.Count(r => r.Result == "clear") / n, 0.98, 0.999);
        Assert.Contains(records, r => r.Result == "suspicious");
        Assert.Contains(records, r => r.Result == "seizure");
        foreach (var r in records)
        {
            Assert.Contains(r.Method, new[] { "manual_search", "x_ray", "dog", "drug_test" });
            Assert.Equal(r.Result == "seizure", r.Seizures.Count > 0);
            if (r.Result == "positive_test") Assert.Equal("drug_test", r.Method);
            if (r.Method == "drug_test") Assert.NotNull(r.IdNumber);
            foreach (var s in r.Seizures)
            {
                Assert.Contains(s.Substance, PlatformSubstances);
                Assert.True(s.Grams > 0 && s.Grams <= 10_000_000m);
            }
        }
        Assert.Equal(records.Count, generator.Tally.Total);
        Assert.Equal(records.Count(r => r.Result != "clear"), generator.Tally.Flagged);
        Assert.Equal(
            records.SelectMany(r => r.Seizures).Sum(s => s.Grams),
            generator.Tally.SeizedGrams.Values.Sum());
    }

    [Fact]
    public void Is_the_same_for_the_same_seed()
    {
        var day = new DateOnly(2026, 3, 2);
        static string Ndjson(IEnumerable<GeneratedInspection> records)
        {
            using var stream = new MemoryStream();
            RecordWriters.WriteNdjson(stream, records, flat: true);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        var a = Ndjson(Generator(day, seed: 3).Generate());
        var b = Ndjson(Generator(day, seed: 3).Generate());
        var other = Ndjson(Generator(day, seed: 4).Generate());

        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void Stops_at_the_given_limit_with_the_volume_of_the_day_so_far()
    {
        var day = new DateOnly(2026, 3, 2);
        var noon = new DateTimeOffset(2026, 3, 2, 12, 0, 0, China);
        var generator = new CheckpointTrafficGenerator(1, new CheckpointTrafficOptions { Day = day, NotAfter = noon });

        var records = generator.Generate().ToList();

        Assert.All(records, r => Assert.True(r.InspectedAt <= noon));
        Assert.InRange(records.Count, generator.FullDayVolume * 0.35, generator.FullDayVolume * 0.55);
    }
}
