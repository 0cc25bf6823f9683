using JinDu.BuildingBlocks.Divisions;

namespace JinDu.UnitTests.Divisions;

public class Division_lookup
{
    private readonly DivisionCatalog _catalog = DivisionCatalog.Default;

    [Theory]
    [InlineData("522722", "荔波县")]
    [InlineData("522701", "都匀市")]
    [InlineData("110108", "海淀区")]
    [InlineData("429004", "仙桃市")] // county-level city directly under the province
    public void Finds_a_county_by_its_code(string code, string name)
    {
        var division = _catalog.Find(code);

        Assert.NotNull(division);
        Assert.Equal(code, division.Code);
        Assert.Equal(name, division.Name);
    }

    [Theory]
    [InlineData("441900", "东莞市")]
    [InlineData("442000", "中山市")]
    public void Finds_a_prefecture_without_counties_at_prefecture_level(string code, string name)
    {
        // 东莞 and 中山 have no counties: their one code ends in 00 and names the prefecture.
        Assert.Equal(new Division(code, name, DivisionLevel.Prefecture), _catalog.Find(code));
        Assert.Equal(new Division(code, name, DivisionLevel.Prefecture), _catalog.ResolveHousehold(code));
    }

    [Fact]
    public void Finds_a_county_at_county_level()
    {
        Assert.Equal(new Division("522722", "荔波县", DivisionLevel.County), _catalog.Find("522722"));
    }

    [Fact]
    public void Finds_a_prefecture_by_its_code_ending_in_00()
    {
        Assert.Equal(new Division("522700", "黔南布依族苗族自治州", DivisionLevel.Prefecture), _catalog.Find("522700"));
    }

    [Fact]
    public void Finds_a_province_by_its_code_ending_in_0000()
    {
        Assert.Equal(new Division("520000", "贵州省", DivisionLevel.Province), _catalog.Find("520000"));
    }

    [Theory]
    [InlineData("110100", "北京市")]
    [InlineData("120100", "天津市")]
    [InlineData("310100", "上海市")]
    [InlineData("500100", "重庆市")]
    public void Names_a_municipality_s_placeholder_prefecture_after_the_province(string code, string name)
    {
        var division = _catalog.Find(code);

        Assert.Equal(new Division(code, name, DivisionLevel.Prefecture), division);
    }

    [Theory]
    [InlineData("522799")] // no such county
    [InlineData("529900")] // no such prefecture
    [InlineData("710000")] // Taiwan
    [InlineData("810000")] // Hong Kong
    [InlineData("820000")] // Macao
    [InlineData("000000")]
    public void Finds_nothing_for_an_unknown_code(string code)
    {
        Assert.Null(_catalog.Find(code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("52272")]
    [InlineData("5227220")]
    [InlineData("52272a")]
    [InlineData("5227 2")]
    [InlineData("５２２７２２")] // full-width digits
    public void Finds_nothing_for_malformed_input(string? code)
    {
        Assert.Null(_catalog.Find(code));
    }

    [Fact]
    public void Knows_the_prefecture_and_province_codes_of_a_county()
    {
        Assert.Equal("522700", DivisionCatalog.PrefectureOf("522722"));
        Assert.Equal("520000", DivisionCatalog.ProvinceOf("522722"));
    }
}

public class Household_county_resolution
{
    private readonly DivisionCatalog _catalog = DivisionCatalog.Default;

    [Theory]
    [InlineData("522722", "荔波县")]
    [InlineData("110105", "朝阳区")]
    [InlineData("620402", "白银区")]
    public void Is_the_county_itself_when_the_code_is_current(string code, string name)
    {
        Assert.Equal(new Division(code, name, DivisionLevel.County), _catalog.ResolveHousehold(code));
    }

    [Fact]
    public void Is_the_prefecture_when_the_county_code_is_retired()
    {
        // Precondition read from the embedded list itself, so the example cannot silently go stale.
        Assert.DoesNotContain("522799", DivisionData.EmbeddedCodes("areas.csv"));
        Assert.Contains("5227", DivisionData.EmbeddedCodes("cities.csv"));

        Assert.Equal(new Division("522700", "黔南布依族苗族自治州", DivisionLevel.Prefecture), _catalog.ResolveHousehold("522799"));
    }

    [Fact]
    public void Is_the_municipality_when_a_retired_district_of_it_is_given()
    {
        // 110103 崇文区 was merged into 东城区 in 2010; numbers issued there still carry 110103.
        Assert.DoesNotContain("110103", DivisionData.EmbeddedCodes("areas.csv"));

        Assert.Equal(new Division("110100", "北京市", DivisionLevel.Prefecture), _catalog.ResolveHousehold("110103"));
    }

    [Fact]
    public void Is_the_prefecture_for_every_retired_county_code_in_every_current_prefecture()
    {
        // For each prefecture, take the first county-style code (xxxx01..xxxx99) that is not a current
        // county: the household agency must be that prefecture.
        var areas = DivisionData.EmbeddedCodes("areas.csv").ToHashSet();
        var cities = DivisionData.EmbeddedCodes("cities.csv");
        var checkedCount = 0;
        foreach (var city in cities)
        {
            var retired = Enumerable.Range(1, 99).Select(n => city + n.ToString("00")).FirstOrDefault(c => !areas.Contains(c));
            if (retired is null) continue;
            var resolved = _catalog.ResolveHousehold(retired);
            Assert.NotNull(resolved);
            Assert.Equal(city + "00", resolved.Code);
            Assert.Equal(DivisionLevel.Prefecture, resolved.Level);
            checkedCount++;
        }
        Assert.Equal(cities.Count, checkedCount);
    }

    [Fact]
    public void Is_the_prefecture_when_the_code_itself_names_a_prefecture()
    {
        Assert.Equal(new Division("522700", "黔南布依族苗族自治州", DivisionLevel.Prefecture), _catalog.ResolveHousehold("522700"));
    }

    [Theory]
    [InlineData("529901")]
    [InlineData("529900")]
    [InlineData("523001")]
    public void Is_the_province_when_the_prefecture_is_unknown_but_the_province_is_known(string code)
    {
        Assert.DoesNotContain(code[..4], DivisionData.EmbeddedCodes("cities.csv"));
        Assert.Contains(code[..2], DivisionData.EmbeddedCodes("provinces.csv"));

        Assert.Equal(new Division("520000", "贵州省", DivisionLevel.Province), _catalog.ResolveHousehold(code));
    }

    [Theory]
    [InlineData("710101")] // Taiwan
    [InlineData("810000")] // Hong Kong
    [InlineData("820101")] // Macao
    [InlineData("990101")]
    [InlineData("000000")]
    public void Is_nobody_when_not_even_the_province_is_known(string code)
    {
        Assert.Null(_catalog.ResolveHousehold(code));
    }

    [Theory]
    [InlineData("")]
    [InlineData("52272")]
    [InlineData("52272X")]
    public void Is_nobody_for_a_malformed_code(string code)
    {
        Assert.Null(_catalog.ResolveHousehold(code));
    }
}

public class Embedded_division_lists
{
    [Fact]
    public void Hold_the_official_counts_of_areas_cities_and_provinces()
    {
        Assert.Equal(2978, DivisionData.EmbeddedCodes("areas.csv").Count);
        Assert.Equal(342, DivisionData.EmbeddedCodes("cities.csv").Count);
        Assert.Equal(31, DivisionData.EmbeddedCodes("provinces.csv").Count);
        Assert.Equal(2978, DivisionCatalog.Default.CountyCount);
    }

    [Fact]
    public void Have_unique_well_formed_codes()
    {
        foreach (var (file, length) in new[] { ("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6) })
        {
            var codes = DivisionData.EmbeddedCodes(file);
            Assert.All(codes, c => Assert.True(c.Length == length && c.All(char.IsAsciiDigit), $"{file}: '{c}'"));
            Assert.Equal(codes.Count, codes.Distinct().Count());
        }
    }

    [Fact]
    public void Are_identical_to_the_shared_lists_or_else_have_the_official_counts()
    {
        var shared = DivisionData.SharedFolder();
        if (shared is not null)
        {
            foreach (var file in DivisionData.Files)
            {
                var expected = File.ReadAllBytes(Path.Combine(shared, file));
                Assert.True(expected.AsSpan().SequenceEqual(DivisionData.EmbeddedBytes(file)),
                    $"embedded {file} differs from {Path.Combine(shared, file)}: run infra/scripts/sync-divisions.sh");
            }
        }
        else
        {
            // No shared folder beside this checkout (e.g. a CI clone): the embedded copy must still be the
            // 2023 edition, recognisable by its counts.
            Assert.Equal(2978, DivisionData.EmbeddedCodes("areas.csv").Count);
            Assert.Equal(342, DivisionData.EmbeddedCodes("cities.csv").Count);
            Assert.Equal(31, DivisionData.EmbeddedCodes("provinces.csv").Count);
        }
    }
}
