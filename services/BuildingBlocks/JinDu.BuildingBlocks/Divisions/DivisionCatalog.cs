using System.Collections.Frozen;

namespace JinDu.BuildingBlocks.Divisions;

public enum DivisionLevel
{
    Province,
    Prefecture,
    County,
}

/// <summary>An administrative division as an agency code: 6 digits, prefectures end in 00, provinces in 0000.</summary>
public sealed record Division(string Code, string Name, DivisionLevel Level);

/// <summary>
/// The official division codes (NBS 2023 edition, copied from shared/data/divisions), and the one rule
/// for finding who to notify about a person: the county coded in the ID number, else its prefecture,
/// else its province, because many numbers carry codes that have since been retired.
/// </summary>
public sealed class DivisionCatalog
{
    private readonly FrozenDictionary<string, string> _provinces;
    private readonly FrozenDictionary<string, string> _cities;
    private readonly FrozenDictionary<string, string> _areas;

    private DivisionCatalog(Dictionary<string, string> provinces, Dictionary<string, string> cities, Dictionary<string, string> areas)
    {
        _provinces = provinces.ToFrozenDictionary();
        _cities = cities.ToFrozenDictionary();
        _areas = areas.ToFrozenDictionary();
    }

    private static readonly Lazy<DivisionCatalog> Embedded = new(LoadEmbedded);

    public static DivisionCatalog Default => Embedded.Value;

    public int CountyCount => _areas.Count;

    /// <summary>Whom to call about an agency's lead or hit: its anti-drug office (禁毒办), by the division's name.</summary>
    public string ContactOf(string agency) => (Find(agency)?.Name ?? agency) + "禁毒办";

    /// <summary>Looks up an agency code (6 digits) at any level.</summary>
    public Division? Find(string? code)
    {
        if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit)) return null;
        if (code.EndsWith("0000", StringComparison.Ordinal))
            return _provinces.TryGetValue(code[..2], out var p) ? new Division(code, p, DivisionLevel.Province) : null;
        if (code.EndsWith("00", StringComparison.Ordinal))
            return _cities.TryGetValue(code[..4], out var c) ? new Division(code, CityName(code[..4], c), DivisionLevel.Prefecture) : null;
        return _areas.TryGetValue(code, out var a) ? new Division(code, a, DivisionLevel.County) : null;
    }

    /// <summary>
    /// Every county-level division, in code order, as <see cref="Find"/> sees them: the few prefecture-level
    /// cities without counties that the list also carries as areas (441900 东莞市) end in 00 and are prefectures here.
    /// </summary>
    public IReadOnlyList<Division> Counties() =>
        _areas.Where(a => !a.Key.EndsWith("00", StringComparison.Ordinal))
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new Division(a.Key, a.Value, DivisionLevel.County))
            .ToArray();

    /// <summary>The prefecture (code ending 00) a county belongs to.</summary>
    public static string PrefectureOf(string code) => code[..4] + "00";

    public static string ProvinceOf(string code) => code[..2] + "0000";

    /// <summary>
    /// The agency responsible for people whose ID number was issued in <paramref name="regionCode"/>:
    /// the county when the code is current, otherwise its prefecture, otherwise its province;
    /// null when not even the province is known (for example Hong Kong, Macao or Taiwan codes).
    /// </summary>
    public Division? ResolveHousehold(string regionCode)
    {
        if (regionCode is not { Length: 6 } || !regionCode.All(char.IsAsciiDigit)) return null;
        return (regionCode.EndsWith("00", StringComparison.Ordinal) ? null : Find(regionCode))
            ?? Find(PrefectureOf(regionCode))
            ?? Find(ProvinceOf(regionCode));
    }

    private string CityName(string code4, string name) =>
        // Municipalities have a 市辖区 placeholder row; the province's name is what people call it.
        name == "市辖区" && _provinces.TryGetValue(code4[..2], out var p) ? p : name;

    private static DivisionCatalog LoadEmbedded()
    {
        var asm = typeof(DivisionCatalog).Assembly;
        Dictionary<string, string> Read(string file)
        {
            using var stream = asm.GetManifestResourceStream("divisions/" + file)
                ?? throw new InvalidOperationException($"embedded division list {file} is missing");
            using var reader = new StreamReader(stream);
            var map = new Dictionary<string, string>();
            reader.ReadLine(); // header
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0) continue;
                var parts = line.Split(',');
                map[parts[0].Trim()] = parts[1].Trim().Trim('"');
            }
            return map;
        }
        return new DivisionCatalog(Read("provinces.csv"), Read("cities.csv"), Read("areas.csv"));
    }
}
