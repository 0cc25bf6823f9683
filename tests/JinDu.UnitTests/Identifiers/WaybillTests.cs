using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.UnitTests.Identifiers;

public class Waybill_numbers
{
    private static (bool Ok, string Waybill, string Error) Normalize(string company, string? input)
    {
        var ok = Waybill.TryNormalize(company, input, out var waybill, out var error);
        return (ok, waybill, error);
    }

    /// <summary>The UPU S10 check digit, implemented here independently of the production code.</summary>
    private static char S10Check(string serial8)
    {
        int[] weights = [8, 6, 4, 2, 3, 5, 9, 7];
        var sum = serial8.Select((c, i) => (c - '0') * weights[i]).Sum();
        var check = 11 - sum % 11;
        return check == 10 ? '0' : check == 11 ? '5' : (char)('0' + check);
    }

    [Theory]
    [InlineData("SF", "SF1234567890123")]   // SF + 13 digits: today's numbers
    [InlineData("SF", "SF123456789012")]    // SF + 12 digits
    [InlineData("SF", "123456789012")]      // older pure 12-digit numbers
    [InlineData("ZTO", "123456789012")]
    [InlineData("ZTO", "78123456789012")]   // 14 digits
    [InlineData("ZTO", "731234567890123")]  // 15 digits
    [InlineData("YTO", "YT1234567890123")]  // YT + 13 digits
    [InlineData("YTO", "A123456789")]       // older: letter + 9 digits
    [InlineData("YTO", "1234567890")]       // older: 10 digits
    [InlineData("STO", "773123456789012")]  // 15 digits starting 77
    [InlineData("STO", "123456789012")]
    [InlineData("STO", "3312345678901")]
    [InlineData("YUNDA", "4312345678901")]  // 13 digits
    [InlineData("YUNDA", "462598779470531")] // 15 digits
    [InlineData("JT", "JT0006968326954")]   // JT + 13 digits
    [InlineData("JT", "JT3002232682242")]
    [InlineData("JD", "JDVA11408814483")]   // JD + VA + 11 digits
    [InlineData("JD", "JDX123456789012")]   // JDX + 12 digits
    [InlineData("JD", "JD12345678901")]     // shortest: 11 after JD
    [InlineData("JD", "JD1234567890123456")] // longest: 16 after JD
    [InlineData("EMS", "1100000000000")]    // domestic: 13 digits starting 1
    [InlineData("EMS", "9876543210123")]    // 98…
    [InlineData("EMS", "9912345678901")]    // 99…
    [InlineData("EMS", "5012345678901")]    // 50…
    [InlineData("EMS", "EE123456785CN")]    // UPU S10 international
    [InlineData("EMS", "RA123456785CN")]
    public void Are_accepted_in_their_company_s_format(string company, string number)
    {
        var (ok, waybill, error) = Normalize(company, number);

        Assert.True(ok, $"{company} {number}: {error}");
        Assert.Equal(number, waybill);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("SF", "SF12345678901")]       // 11 digits
    [InlineData("SF", "SF12345678901234")]    // 14 digits
    [InlineData("SF", "1234567890123")]       // 13 digits without SF
    [InlineData("SF", "SX1234567890123")]
    [InlineData("SF", "SF123456789012A")]
    [InlineData("ZTO", "12345678901")]        // 11 digits
    [InlineData("ZTO", "1234567890123456")]   // 16 digits
    [InlineData("ZTO", "ZTO123456789012")]
    [InlineData("YTO", "YT123456789012")]     // YT + 12
    [InlineData("YTO", "YT12345678901234")]   // YT + 14
    [InlineData("YTO", "AB123456789")]
    [InlineData("YTO", "123456789")]
    [InlineData("YTO", "12345678901")]
    [InlineData("STO", "77312345678")]        // 11 digits
    [InlineData("STO", "7731234567890123")]   // 16 digits
    [InlineData("STO", "STO1234567890")]
    [InlineData("YUNDA", "43123456789012")]   // 14 digits
    [InlineData("YUNDA", "431234567890")]     // 12 digits
    [InlineData("YUNDA", "YD4312345678901")]
    [InlineData("JT", "JT000696832695")]      // JT + 12
    [InlineData("JT", "JT00069683269545")]    // JT + 14
    [InlineData("JT", "0006968326954")]       // without JT
    [InlineData("JD", "JD1234567890")]        // 10 after JD
    [InlineData("JD", "JD12345678901234567")] // 17 after JD
    [InlineData("JD", "JE12345678901")]
    [InlineData("EMS", "110000000000")]       // 12 digits
    [InlineData("EMS", "2100000000000")]      // starting 2
    [InlineData("EMS", "EE123456784CN")]      // wrong S10 check digit
    [InlineData("EMS", "EE12345678CN")]       // S10 too short
    [InlineData("EMS", "E1123456785CN")]
    public void Are_refused_when_not_in_their_company_s_format(string company, string number)
    {
        var (ok, waybill, error) = Normalize(company, number);

        Assert.False(ok, $"{company} {number}");
        Assert.Equal("", waybill);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("SF", " sf 1234 5678 9012 3 ", "SF1234567890123")]
    [InlineData("JT", "jt-000-696-832-6954", "JT0006968326954")]
    [InlineData("EMS", "ee 123 456 785 cn", "EE123456785CN")]
    [InlineData("JD", "jdva11408814483", "JDVA11408814483")]
    [InlineData("STO", "\t7731-2345-6789-012\n", "773123456789012")]
    public void Are_normalised_to_upper_case_without_spaces_or_dashes(string company, string input, string expected)
    {
        var (ok, waybill, error) = Normalize(company, input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(expected, waybill);
    }

    [Theory]
    [InlineData("SF", "SF１２３４５６７８９０１２３")] // full-width digits
    [InlineData("ZTO", "٧٨١٢٣٤٥٦٧٨٩٠١٢")]          // Arabic-Indic digits
    [InlineData("JT", "J&T0006968326954")]
    public void Are_refused_when_they_use_other_characters_than_ascii_letters_and_digits(string company, string input)
    {
        var (ok, _, _) = Normalize(company, input);

        Assert.False(ok, input);
    }

    [Theory]
    [InlineData("SF", "SF followed by 12 or 13 digits")]
    [InlineData("YUNDA", "13 or 15 digits")]
    [InlineData("JT", "JT followed by 13 digits")]
    [InlineData("EMS", "UPU S10")]
    public void Are_refused_with_an_error_that_says_what_the_format_is(string company, string expected)
    {
        var (ok, _, error) = Normalize(company, "12345");

        Assert.False(ok);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Are_refused_when_they_belong_to_another_company()
    {
        Assert.True(Normalize("JT", "JT0006968326954").Ok);
        Assert.False(Normalize("SF", "JT0006968326954").Ok);
        Assert.False(Normalize("YTO", "SF1234567890123").Ok);
        Assert.False(Normalize("JT", "JDVA11408814483").Ok);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" - ")]
    public void Are_refused_when_empty(string? input)
    {
        var (ok, waybill, error) = Normalize("SF", input);

        Assert.False(ok);
        Assert.Equal("", waybill);
        Assert.Contains("empty", error);
    }

    [Fact]
    public void Are_refused_for_an_unknown_company_naming_the_known_codes()
    {
        var (ok, _, error) = Normalize("DHL", "1234567890");

        Assert.False(ok);
        Assert.Contains("DHL", error);
        Assert.Contains("SF, ZTO, YTO, STO, YUNDA, JT, JD, EMS", error);
    }

    [Fact]
    public void The_test_s10_check_agrees_with_the_upu_example()
    {
        // 1·8 + 2·6 + 3·4 + 4·2 + 5·3 + 6·5 + 7·9 + 8·7 = 204; 204 mod 11 = 6; 11 − 6 = 5.
        Assert.Equal('5', S10Check("12345678"));
    }

    [Theory]
    [InlineData("12345678", '5')] // the UPU example: EE123456785CN
    [InlineData("00000000", '5')] // 11 − 0 = 11 → 5
    [InlineData("02000000", '0')] // 2·6 = 12, 12 mod 11 = 1, 11 − 1 = 10 → 0
    [InlineData("00000001", '4')] // 7 → 11 − 7 = 4
    [InlineData("98765432", '6')] // 236 mod 11 = 5, 11 − 5 = 6
    public void Have_the_s10_check_digit_computed_by_the_upu_rule(string serial, char expected)
    {
        Assert.Equal(expected, S10Check(serial));
        Assert.Equal(expected, Waybill.ComputeS10CheckDigit(serial));
    }

    [Fact]
    public void Are_accepted_as_s10_only_with_the_right_check_digit_for_any_serial()
    {
        var rng = new Random(11);
        for (var i = 0; i < 500; i++)
        {
            var serial = rng.Next(100_000_000).ToString("00000000");
            var right = S10Check(serial);
            var wrong = (char)('0' + (right - '0' + 1 + rng.Next(9)) % 10);

            Assert.True(Normalize("EMS", $"EA{serial}{right}CN").Ok, serial);
            var (ok, _, error) = Normalize("EMS", $"EA{serial}{wrong}CN");
            Assert.False(ok, $"EA{serial}{wrong}CN");
            Assert.Contains("check digit", error);
        }
    }
}

public class Courier_companies
{
    [Theory]
    [InlineData("SF", CourierCompany.SF)]
    [InlineData("sf", CourierCompany.SF)]
    [InlineData("zto", CourierCompany.ZTO)]
    [InlineData("YTO", CourierCompany.YTO)]
    [InlineData("Sto", CourierCompany.STO)]
    [InlineData("YUNDA", CourierCompany.Yunda)]
    [InlineData("yunda", CourierCompany.Yunda)]
    [InlineData("JT", CourierCompany.JT)]
    [InlineData("J&T", CourierCompany.JT)]
    [InlineData(" jd ", CourierCompany.JD)]
    [InlineData("ems", CourierCompany.EMS)]
    public void Are_parsed_from_their_token_codes_ignoring_case(string code, CourierCompany expected)
    {
        Assert.True(CourierCompanies.TryParse(code, out var company));
        Assert.Equal(expected, company);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("DHL")]
    [InlineData("顺丰")]
    [InlineData("8")]
    public void Are_not_parsed_from_anything_else(string? code)
    {
        Assert.False(CourierCompanies.TryParse(code, out _));
    }

    [Fact]
    public void Are_the_eight_big_couriers_with_their_chinese_names_and_codes()
    {
        Assert.Equal(
            new[] { "顺丰速运", "中通快递", "圆通速递", "申通快递", "韵达速递", "极兔速递", "京东物流", "中国邮政EMS" },
            CourierCompanies.All.Select(c => c.DisplayName));
        Assert.Equal(new[] { "SF", "ZTO", "YTO", "STO", "YUNDA", "JT", "JD", "EMS" }, CourierCompanies.All.Select(c => c.Code));
        foreach (var c in CourierCompanies.All)
        {
            Assert.Equal(c, CourierCompanies.Get(c.Company));
            Assert.Equal(c.Code, CourierCompanies.CodeOf(c.Company));
        }
    }
}
