using JinDu.BuildingBlocks.Divisions;

namespace JinDu.DataGenerator;

/// <summary>
/// The real county codes (from the embedded official lists), grouped by province and prefecture, for
/// placing outlets, household regions and destinations; and province abbreviations for plates.
/// </summary>
public sealed class Geography
{
    private static readonly Lazy<Geography> Embedded = new(() => new Geography(DivisionCatalog.Default));

    public static Geography Default => Embedded.Value;

    private readonly Dictionary<string, string[]> _byProvince;
    private readonly Dictionary<string, string[]> _byPrefecture;

    public Geography(DivisionCatalog catalog)
    {
        Counties = catalog.Counties().Select(c => c.Code).ToArray();
        if (Counties.Count == 0) throw new InvalidOperationException("the division catalog has no counties");
        _byProvince = Counties.GroupBy(c => c[..2]).ToDictionary(g => g.Key, g => g.ToArray());
        _byPrefecture = Counties.GroupBy(c => c[..4]).ToDictionary(g => g.Key, g => g.ToArray());
        Provinces = _byProvince.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Every current county code, in code order.</summary>
    public IReadOnlyList<string> Counties { get; }

    /// <summary>The 2-digit codes of the provinces that have counties.</summary>
    public IReadOnlyList<string> Provinces { get; }

    public bool IsCounty(string? code) => code is { Length: 6 } && _byPrefecture.TryGetValue(code[..4], out var list) && Array.IndexOf(list, code) >= 0;

    public string AnyCounty(Random rng) => Counties[rng.Next(Counties.Count)];

    public string CountyInProvince(Random rng, string province2)
    {
        var list = _byProvince[province2];
        return list[rng.Next(list.Length)];
    }

    /// <summary>
    /// A county "near" <paramref name="county"/>: the same prefecture with probability <paramref name="samePrefecture"/>,
    /// else the same province with <paramref name="sameProvince"/>, else anywhere.
    /// </summary>
    public string Near(Random rng, string county, double samePrefecture, double sameProvince)
    {
        var u = rng.NextDouble();
        if (u < samePrefecture && _byPrefecture.TryGetValue(county[..4], out var pref)) return pref[rng.Next(pref.Length)];
        if (u < samePrefecture + sameProvince && _byProvince.TryGetValue(county[..2], out var prov)) return prov[rng.Next(prov.Length)];
        return AnyCounty(rng);
    }

    /// <summary>The one-character abbreviation on plates (贵 for 52); null for codes without plates of their own.</summary>
    public static char? PlateAbbreviation(string province2) => province2 switch
    {
        "11" => '京', "12" => '津', "13" => '冀', "14" => '晋', "15" => '蒙',
        "21" => '辽', "22" => '吉', "23" => '黑',
        "31" => '沪', "32" => '苏', "33" => '浙', "34" => '皖', "35" => '闽', "36" => '赣', "37" => '鲁',
        "41" => '豫', "42" => '鄂', "43" => '湘', "44" => '粤', "45" => '桂', "46" => '琼',
        "50" => '渝', "51" => '川', "52" => '贵', "53" => '云', "54" => '藏',
        "61" => '陕', "62" => '甘', "63" => '青', "64" => '宁', "65" => '新',
        _ => null,
    };
}
