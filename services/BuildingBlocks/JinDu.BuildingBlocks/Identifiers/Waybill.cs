using System.Text.RegularExpressions;

namespace JinDu.BuildingBlocks.Identifiers;

/// <summary>The eight big couriers. Their codes (<see cref="CourierCompanies.CodeOf"/>) are what tokens carry in courier_company.</summary>
public enum CourierCompany
{
    SF,
    ZTO,
    YTO,
    STO,
    Yunda,
    JT,
    JD,
    EMS,
}

/// <summary>A courier company as people and tokens name it, with its waybill format in words.</summary>
public sealed record CourierCompanyInfo(CourierCompany Company, string Code, string DisplayName, string WaybillFormat);

public static class CourierCompanies
{
    /// <summary>All eight, in the order of the enum.</summary>
    public static readonly IReadOnlyList<CourierCompanyInfo> All =
    [
        new(CourierCompany.SF, "SF", "顺丰速运", "SF followed by 12 or 13 digits (older numbers: 12 digits)"),
        new(CourierCompany.ZTO, "ZTO", "中通快递", "12 to 15 digits"),
        new(CourierCompany.YTO, "YTO", "圆通速递", "YT followed by 13 digits (older numbers: a letter and 9 digits, or 10 digits)"),
        new(CourierCompany.STO, "STO", "申通快递", "12 to 15 digits"),
        new(CourierCompany.Yunda, "YUNDA", "韵达速递", "13 or 15 digits"),
        new(CourierCompany.JT, "JT", "极兔速递", "JT followed by 13 digits"),
        new(CourierCompany.JD, "JD", "京东物流", "JD followed by 11 to 16 letters and digits (for example JDVA12345678901 or JDX123456789012)"),
        new(CourierCompany.EMS, "EMS", "中国邮政EMS",
            "13 digits starting with 1, 50 to 52 or 95 to 99, or an international UPU S10 number: 2 letters, 8 digits, a check digit and 2 letters (EE123456785CN)"),
    ];

    /// <summary>The codes, comma-separated, for error messages.</summary>
    public static readonly string CodeList = string.Join(", ", All.Select(c => c.Code));

    public static CourierCompanyInfo Get(CourierCompany company) => All[(int)company];

    /// <summary>SF, ZTO, YTO, STO, YUNDA, JT, JD or EMS.</summary>
    public static string CodeOf(CourierCompany company) => All[(int)company].Code;

    /// <summary>Parses a company code, ignoring case and surrounding spaces; J&amp;T is also understood as JT.</summary>
    public static bool TryParse(string? code, out CourierCompany company)
    {
        var s = (code ?? "").Trim();
        if (string.Equals(s, "J&T", StringComparison.OrdinalIgnoreCase)) s = "JT";
        foreach (var c in All)
        {
            if (string.Equals(c.Code, s, StringComparison.OrdinalIgnoreCase))
            {
                company = c.Company;
                return true;
            }
        }
        company = default;
        return false;
    }
}

/// <summary>
/// Waybill numbers per courier, checked against each company's published or commonly documented shape.
/// The shapes are deliberately no stricter than what is documented: refusing a real waybill would lose
/// a parcel's compliance record, which is worse than accepting an odd-looking one.
/// </summary>
public static partial class Waybill
{
    private static readonly int[] S10Weights = [8, 6, 4, 2, 3, 5, 9, 7];

    // [0-9] rather than \d: \d also matches other scripts' digits (full-width and so on).
    [GeneratedRegex("^(SF[0-9]{12,13}|[0-9]{12})$")]
    private static partial Regex Sf();

    [GeneratedRegex("^[0-9]{12,15}$")]
    private static partial Regex TwelveToFifteenDigits();

    [GeneratedRegex("^(YT[0-9]{13}|[A-Z][0-9]{9}|[0-9]{10})$")]
    private static partial Regex Yto();

    [GeneratedRegex("^([0-9]{13}|[0-9]{15})$")]
    private static partial Regex Yunda();

    [GeneratedRegex("^JT[0-9]{13}$")]
    private static partial Regex Jt();

    [GeneratedRegex("^JD[A-Z0-9]{11,16}$")]
    private static partial Regex Jd();

    [GeneratedRegex("^(1[0-9]|5[0-2]|9[5-9])[0-9]{11}$")]
    private static partial Regex EmsDomestic();

    [GeneratedRegex("^[A-Z]{2}[0-9]{9}[A-Z]{2}$")]
    private static partial Regex S10();

    /// <summary>
    /// Checks <paramref name="input"/> against the waybill format of <paramref name="company"/> (a code such as SF or YUNDA,
    /// any case). The number is trimmed, upper-cased and stripped of spaces and dashes.
    /// </summary>
    public static bool TryNormalize(string company, string? input, out string waybill, out string error)
    {
        if (!CourierCompanies.TryParse(company, out var c))
        {
            waybill = "";
            error = $"'{company}' is not a courier company this platform knows (one of {CourierCompanies.CodeList})";
            return false;
        }
        return TryNormalize(c, input, out waybill, out error);
    }

    /// <summary>
    /// For a waybill whose courier is not known (an officer reads it off a parcel): accepted when it has
    /// the format of any of the couriers, normalised the same way, so its token matches the feed's.
    /// </summary>
    public static bool TryNormalizeAny(string? input, out string waybill, out string error)
    {
        foreach (var c in CourierCompanies.All)
            if (TryNormalize(c.Company, input, out waybill, out _))
            {
                error = "";
                return true;
            }
        waybill = "";
        error = "is not a waybill number of any courier: " + string.Join("; ", CourierCompanies.All.Select(c => $"{c.Code} {c.WaybillFormat}"));
        return false;
    }

    public static bool TryNormalize(CourierCompany company, string? input, out string waybill, out string error)
    {
        waybill = "";
        var info = CourierCompanies.Get(company);
        var s = Normalize(input);
        if (s.Length == 0)
        {
            error = $"is empty; a {info.DisplayName} ({info.Code}) waybill is {info.WaybillFormat}";
            return false;
        }
        var ok = company switch
        {
            CourierCompany.SF => Sf().IsMatch(s),
            CourierCompany.ZTO or CourierCompany.STO => TwelveToFifteenDigits().IsMatch(s),
            CourierCompany.YTO => Yto().IsMatch(s),
            CourierCompany.Yunda => Yunda().IsMatch(s),
            CourierCompany.JT => Jt().IsMatch(s),
            CourierCompany.JD => Jd().IsMatch(s),
            CourierCompany.EMS => EmsDomestic().IsMatch(s) || S10().IsMatch(s),
            _ => false,
        };
        if (!ok)
        {
            error = $"is not a {info.DisplayName} ({info.Code}) waybill: that is {info.WaybillFormat}";
            return false;
        }
        if (company == CourierCompany.EMS && s.Length == 13 && char.IsAsciiLetter(s[0]) && !IsValidS10(s))
        {
            error = $"the check digit of the international number is wrong (UPU S10: it should be {ComputeS10CheckDigit(s.AsSpan(2, 8))})";
            return false;
        }
        waybill = s;
        error = "";
        return true;
    }

    /// <summary>The UPU S10 check digit of 8 serial digits: weights 8 6 4 2 3 5 9 7, 11 − (sum mod 11), where 10 becomes 0 and 11 becomes 5.</summary>
    public static char ComputeS10CheckDigit(ReadOnlySpan<char> serial8)
    {
        if (serial8.Length != 8) throw new ArgumentException("an S10 serial number has 8 digits", nameof(serial8));
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            if (!char.IsAsciiDigit(serial8[i])) throw new ArgumentException("an S10 serial number has only digits", nameof(serial8));
            sum += (serial8[i] - '0') * S10Weights[i];
        }
        var check = 11 - sum % 11;
        return check switch
        {
            10 => '0',
            11 => '5',
            _ => (char)('0' + check),
        };
    }

    /// <summary>Whether a normalised 13-character number is a UPU S10 identifier with the right check digit.</summary>
    public static bool IsValidS10(string number) =>
        S10().IsMatch(number) && ComputeS10CheckDigit(number.AsSpan(2, 8)) == number[10];

    private static string Normalize(string? input)
    {
        if (string.IsNullOrEmpty(input)) return "";
        Span<char> buffer = input.Length <= 64 ? stackalloc char[input.Length] : new char[input.Length];
        var n = 0;
        foreach (var ch in input)
        {
            if (ch == '-' || char.IsWhiteSpace(ch)) continue;
            buffer[n++] = char.ToUpperInvariant(ch);
        }
        return new string(buffer[..n]);
    }
}
