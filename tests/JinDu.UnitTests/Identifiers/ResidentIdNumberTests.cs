using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.UnitTests.Identifiers;

public class Resident_id_numbers
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    private static (bool Ok, ResidentIdNumber Id, string Error) Parse(string? input, DateOnly? today = null)
    {
        var ok = ResidentIdNumber.TryParse(input, today ?? Today, out var id, out var error);
        return (ok, id, error);
    }

    [Fact]
    public void The_test_check_digit_implementation_agrees_with_the_standard_example()
    {
        // GB 11643-1999's own worked example; proves the independent implementation in IdNumbers.
        Assert.Equal('X', IdNumbers.CheckCharacterOf("11010519491231002"));
    }

    [Theory]
    [InlineData("11010519491231002X")] // GB 11643 worked example, check character X
    [InlineData("110101199003074477")]
    [InlineData("11010119900307803X")]
    [InlineData("440308199901101512")]
    [InlineData("150102199003075131")]
    public void Are_accepted_when_published_examples_are_given(string number)
    {
        var (ok, id, error) = Parse(number);

        Assert.True(ok, error);
        Assert.Equal(number, id.Value);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("522722", "19900101", "123")]
    [InlineData("522722", "20000229", "001")] // leap day
    [InlineData("110105", "19000101", "999")] // earliest allowed year
    [InlineData("650102", "19851231", "456")]
    [InlineData("460200", "19770707", "010")]
    [InlineData("522799", "19660606", "321")] // retired county code: still a valid number
    public void Are_accepted_when_the_check_digit_computed_independently_matches(string region, string birth, string sequence)
    {
        var number = IdNumbers.Make(region, birth, sequence);

        var (ok, id, error) = Parse(number);

        Assert.True(ok, $"{number}: {error}");
        Assert.Equal(number, id.Value);
    }

    [Fact]
    public void Are_accepted_for_every_possible_check_character()
    {
        // Walk sequence numbers until each of the 11 check characters (0-9 and X) has been produced.
        var seen = new HashSet<char>();
        for (var seq = 0; seq < 1000 && seen.Count < 11; seq++)
        {
            var number = IdNumbers.Make("522722", "19880808", seq.ToString("000"));
            if (!seen.Add(number[17])) continue;
            var (ok, _, error) = Parse(number);
            Assert.True(ok, $"{number}: {error}");
        }
        Assert.Equal(11, seen.Count);
    }

    [Fact]
    public void Are_accepted_with_a_lower_case_x_and_normalised_to_upper_case()
    {
        var (ok, id, error) = Parse("11010519491231002x");

        Assert.True(ok, error);
        Assert.Equal("11010519491231002X", id.Value);
        Assert.Equal("11010519491231002X", id.ToString());
    }

    [Fact]
    public void Are_accepted_with_surrounding_spaces_which_are_dropped()
    {
        var (ok, id, error) = Parse("  11010519491231002X ");

        Assert.True(ok, error);
        Assert.Equal("11010519491231002X", id.Value);
    }

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("110101199003074477")]
    [InlineData("440308199901101512")]
    public void Are_refused_when_the_check_digit_is_wrong(string valid)
    {
        var (ok, _, error) = Parse(IdNumbers.WithWrongCheck(valid));

        Assert.False(ok);
        Assert.Contains("check digit", error);
    }

    [Fact]
    public void Are_refused_for_every_wrong_check_character()
    {
        var valid = IdNumbers.Make("522722", "19900101", "123");
        foreach (var c in "0123456789X".Where(c => c != valid[17]))
        {
            var (ok, _, _) = Parse(valid[..17] + c);
            Assert.False(ok, $"{valid[..17]}{c} should be refused (right check character is {valid[17]})");
        }
    }

    [Fact]
    public void Are_refused_when_two_digits_are_swapped()
    {
        // MOD 11-2 detects every transposition of adjacent digits.
        var valid = IdNumbers.Make("522722", "19900101", "123");
        var chars = valid.ToCharArray();
        (chars[15], chars[16]) = (chars[16], chars[15]);

        var (ok, _, _) = Parse(new string(chars));

        Assert.False(ok);
    }

    [Theory]
    [InlineData("19900230")] // 30 February
    [InlineData("19901301")] // month 13
    [InlineData("19900001")] // month 0
    [InlineData("19900100")] // day 0
    [InlineData("19900431")] // 31 April
    [InlineData("19010229")] // 29 February in a common year
    public void Are_refused_when_the_birth_date_does_not_exist(string birth)
    {
        var number = IdNumbers.Make("522722", birth);

        var (ok, _, error) = Parse(number);

        Assert.False(ok, number);
        Assert.Contains("not a real date", error);
    }

    [Fact]
    public void Are_refused_when_the_birth_date_is_after_today()
    {
        var number = IdNumbers.Make("522722", "20250616");

        var (ok, _, error) = Parse(number, today: new DateOnly(2025, 6, 15));

        Assert.False(ok);
        Assert.Contains("impossible", error);
    }

    [Fact]
    public void Are_accepted_when_the_person_was_born_today()
    {
        var number = IdNumbers.Make("522722", "20250615");

        var (ok, _, error) = Parse(number, today: new DateOnly(2025, 6, 15));

        Assert.True(ok, error);
    }

    [Fact]
    public void Are_judged_against_the_given_today_and_not_the_clock()
    {
        // Born 2030: impossible now, fine once 2030 has come.
        var number = IdNumbers.Make("522722", "20300101");

        Assert.False(Parse(number, today: new DateOnly(2029, 12, 31)).Ok);
        Assert.True(Parse(number, today: new DateOnly(2031, 1, 1)).Ok);
    }

    [Theory]
    [InlineData("440524188001010014")] // GB 11643's other worked example: right check digit, born 1880
    [InlineData("18991231")]
    [InlineData("08000101")]
    public void Are_refused_when_the_birth_year_is_before_1900(string numberOrBirth)
    {
        var number = numberOrBirth.Length == 18 ? numberOrBirth : IdNumbers.Make("522722", numberOrBirth);

        var (ok, _, error) = Parse(number);

        Assert.False(ok, number);
        Assert.Contains("impossible", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("1101051949123100")] // 16
    [InlineData("11010519491231002")] // 17
    [InlineData("11010519491231002X0")] // 19
    [InlineData("110105491231002")] // old 15-digit number
    public void Are_refused_when_the_length_is_not_18(string input)
    {
        var (ok, _, error) = Parse(input);

        Assert.False(ok);
        Assert.Contains("18 characters", error);
    }

    [Fact]
    public void Are_refused_when_null()
    {
        var (ok, id, error) = Parse(null);

        Assert.False(ok);
        Assert.Equal(default, id);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("X1010519491231002X")]
    [InlineData("1101051949123100XX")]
    [InlineData("11010519A91231002X")]
    [InlineData("110105194912310O2X")] // letter O for zero
    [InlineData("11010519491231 02X")]
    [InlineData("１１０１０５１９４９１２３１００２X")] // full-width digits
    [InlineData("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")] // Arabic-Indic digits: char.IsDigit, not ASCII
    public void Are_refused_when_the_body_contains_anything_but_ascii_digits(string input)
    {
        var (ok, _, error) = Parse(input);

        Assert.False(ok);
        Assert.Contains("digits", error);
    }

    [Theory]
    [InlineData("11010519491231002Y")]
    [InlineData("11010519491231002*")]
    public void Are_refused_when_the_last_character_is_neither_a_digit_nor_x(string input)
    {
        var (ok, _, error) = Parse(input);

        Assert.False(ok);
        Assert.Contains("last character", error);
    }

    [Fact]
    public void Expose_the_region_code_and_birth_date()
    {
        Assert.True(ResidentIdNumber.TryParse("11010519491231002X", Today, out var id, out _));

        Assert.Equal("110105", id.RegionCode);
        Assert.Equal(new DateOnly(1949, 12, 31), id.BirthDate);
    }

    [Fact]
    public void Expose_the_region_code_even_when_it_has_been_retired()
    {
        var number = IdNumbers.Make("522799", "19660606", "321");
        Assert.True(ResidentIdNumber.TryParse(number, Today, out var id, out _));

        Assert.Equal("522799", id.RegionCode);
        Assert.Equal(new DateOnly(1966, 6, 6), id.BirthDate);
    }

    [Fact]
    public void Have_a_public_check_character_function_that_agrees_with_the_independent_one()
    {
        var random = new Random(20250615);
        for (var i = 0; i < 500; i++)
        {
            var first17 = string.Concat(Enumerable.Range(0, 17).Select(_ => (char)('0' + random.Next(10))));
            Assert.Equal(IdNumbers.CheckCharacterOf(first17), ResidentIdNumber.ComputeCheckCharacter(first17));
        }
    }

    [Fact]
    public void Are_equal_when_they_are_the_same_number()
    {
        Assert.True(ResidentIdNumber.TryParse("11010519491231002x", Today, out var a, out _));
        Assert.True(ResidentIdNumber.TryParse("11010519491231002X", Today, out var b, out _));

        Assert.Equal(a, b);
    }
}
